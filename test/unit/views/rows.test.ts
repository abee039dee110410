import './vscode-fake';
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { correlate, jobHost } from '../../../src/core/correlate';
import { notLoaded } from '../../../src/core/loadable';
import { pipelineStages } from '../../../src/core/stages';
import { errorRow, listRows, messageRow } from '../../../src/views/rows/common';
import { jobRow } from '../../../src/views/rows/job';
import { pipelineRow, scheduleRow, stageRow } from '../../../src/views/rows/pipeline';
import { runnerRow } from '../../../src/views/rows/runner';
import { checkRow } from '../../../src/views/rows/check';
import { secretRow } from '../../../src/views/rows/secret';
import { hostedRunnerRow, vmRow } from '../../../src/views/rows/vm';
import { guestHealth } from '../../../src/core/guest-health';
import { HOUR, job, MIN, NOW, pipeline, project, runner, schedule, vm } from './fixtures';
import { tooltipText, type ThemeIcon, type TreeItem } from './vscode-fake';

process.env.TZ = 'UTC';
const icon = (item: { iconPath?: unknown }) => (item.iconPath as ThemeIcon).id;
const asFake = (item: unknown) => item as TreeItem;

test('a VM whose runner is offline shows the warning icon, the cause first, and the sentence in the tooltip', () => {
  const warning = "Runner #1 'gitlab-runner-a' has not contacted GitLab for 3 h although the VM is running.";
  const item = asFake(vmRow({ vm, warnings: [warning], now: NOW }));
  assert.equal(icon(item), 'warning');
  assert.match(item.description!, /^runner offline · Running · e2-standard-2 · 10\.132\.0\.2 · up 3 h/);
  assert.ok(tooltipText(item).includes('has not contacted GitLab for 3 h'));
  assert.equal(item.contextValue, 'vm.running.warned');
  const healthy = asFake(vmRow({ vm, warnings: [], now: NOW }));
  assert.equal(icon(healthy), 'vm-running', 'a healthy VM shows its status icon from the table');
});

test("a VM's tooltip labels every field, with relative and local times, and no bare dash", () => {
  const text = tooltipText(asFake(vmRow({ vm, warnings: [], now: NOW })));
  for (const field of [
    'Zone: europe-west1-b',
    'Machine type: e2-standard-2',
    'Internal IP: 10.132.0.2',
    'External IP: none',
  ]) {
    assert.ok(text.includes(field), `${field} in:\n${text}`);
  }
  assert.match(text, /Running since: 3 h ago \(.*2026.*09:00:00/);
  assert.doesNotMatch(text, /: —/);
});

test('a job row puts the short facts first and the runner and VM last', () => {
  const links = correlate({ vms: [vm], runners: [runner] });
  const ran = job({ runner: { id: 1, description: 'gitlab-runner-a' } });
  const item = asFake(jobRow({ job: ran, host: jobHost(ran, links), now: NOW, id: 'job:40' }));
  assert.equal(
    item.description,
    "Failed · 1 min 12 s · 6 h ago · failed on runner #1 'gitlab-runner-a' on VM gitlab-runner-a",
  );
  const text = tooltipText(item);
  assert.match(text, /Stage: plan/);
  assert.match(text, /Failure reason: script failure/);
  assert.match(text, /Duration: 1 min 12 s/);
  assert.match(text, /Finished: 6 h ago \(/);
  assert.match(text, /Ran on: runner #1 'gitlab-runner-a' on VM gitlab-runner-a/);
});

test('a job under a runner names project and pipeline; without any runner it says it was not picked', () => {
  const ran = job({ projectPath: 'infra/runner-fleet', runner: { id: 1, description: 'gitlab-runner-a' } });
  const links = correlate({ vms: [vm], runners: [runner] });
  const item = asFake(
    jobRow({ job: ran, host: jobHost(ran, links), now: NOW, id: 'runner-job:40', showPipeline: true }),
  );
  assert.match(item.description!, /· infra\/runner-fleet pipeline #7 ·/);
  const waiting = asFake(
    jobRow({
      job: job({
        status: 'pending',
        startedAt: undefined,
        finishedAt: undefined,
        duration: undefined,
        failureReason: undefined,
      }),
      now: NOW,
      id: 'job:41',
    }),
  );
  assert.equal(waiting.description, 'Pending · queued 7 h ago');
  assert.match(tooltipText(waiting), /Ran on: not picked by a runner yet/);
  const skipped = asFake(
    jobRow({
      job: job({ status: 'skipped', startedAt: undefined, finishedAt: undefined, duration: undefined }),
      now: NOW,
      id: 'job:42',
    }),
  );
  assert.equal(skipped.description, 'Skipped · created 7 h ago', 'a skipped job was never queued');
});

test('stages keep the order the pipeline defines after a retry, showing the newest attempt', () => {
  const jobs = [
    job({ id: 10, name: 'validate', stage: 'validate', status: 'success' }),
    job({ id: 11, name: 'plan', stage: 'plan', status: 'failed' }),
    job({ id: 12, name: 'apply', stage: 'apply', status: 'skipped' }),
    job({ id: 20, name: 'plan', stage: 'plan', status: 'running' }), // the retry
  ];
  const stages = pipelineStages(jobs);
  assert.deepEqual(
    stages.map((s) => `${s.name}: ${s.jobs.map((j) => `${j.id} ${j.status}`).join(', ')}`),
    ['validate: 10 success', 'plan: 20 running', 'apply: 12 skipped'],
  );
  const row = asFake(stageRow(pipeline, stages[1]));
  assert.equal(row.description, 'Running · 1 job');
  assert.equal(icon(row), 'sync~spin');
});

test('a pipeline row: status, duration and age first; busy while an action runs', () => {
  const item = asFake(pipelineRow(pipeline, NOW));
  assert.equal(item.description, 'Failed · 4 min 32 s · 7 h ago · push · @dev');
  assert.equal(item.contextValue, 'pipeline.failed.retryable');
  assert.match(tooltipText(item), /Created: 7 h ago \(/);
  const busy = asFake(pipelineRow(pipeline, NOW, 'Retrying…'));
  assert.equal(busy.description, 'Retrying…');
  assert.equal(icon(busy), 'loading~spin');
});

test("a schedule's tooltip gives its cron in words and the next run", () => {
  const item = asFake(scheduleRow(project, schedule, NOW));
  assert.equal(item.description, 'next in 2 d · main · last Passed');
  const text = tooltipText(item);
  assert.match(text, /Runs: At 06:30, only on Monday \(`30 6 \* \* 1`, UTC\)/);
  assert.match(text, /Next run: in 2 d \(/);
});

test("a runner's tooltip leaves out what GitLab did not say instead of printing a dash", () => {
  const item = asFake(
    runnerRow({
      runner: { ...runner, version: undefined },
      hosts: [{ vm, how: 'matched by manager IP 10.132.0.2' }],
      now: NOW,
    }),
  );
  assert.match(item.description!, /^Online · project · gcp, deploy · 30 s ago · on gitlab-runner-a$/);
  const text = tooltipText(item);
  assert.doesNotMatch(text, /Executor|Version|: —/);
  assert.match(text, /Hosted on: gitlab-runner-a \(europe-west1-b\), matched by manager IP 10\.132\.0\.2/);
  const hosted = asFake(hostedRunnerRow({ vm, runner, now: NOW }));
  assert.equal(hosted.label, '#1 gitlab-runner-a');
  assert.equal(icon(hosted), 'pass-filled');
});

test("a secret's icon comes from the verify outcome's row of the status table", () => {
  const generation = {
    name: 's/config.toml',
    generation: '1',
    size: 100,
    createdAt: NOW - HOUR,
    updatedAt: NOW - HOUR,
  };
  const secret = { name: 's/config.toml', current: generation, generations: [generation] };
  const row = (verified?: Parameters<typeof secretRow>[0]['verified']) =>
    asFake(secretRow({ secret, label: 'config.toml', bucket: 'b', kmsKey: 'k', verified, now: NOW }));
  assert.equal(icon(row()), 'lock');
  assert.equal(icon(row('running')), 'loading~spin');
  assert.equal(icon(row({ outcome: 'primary' })), 'pass');
  assert.equal(icon(row({ outcome: 'older-version' })), 'warning');
  assert.equal(icon(row({ outcome: 'failed', reason: 'x' })), 'error');
});

test('list rows: loading starts the load once, a failure leads the last known rows, empty says so', () => {
  let loads = 0;
  const options = {
    what: 'jobs',
    empty: 'No jobs yet',
    load: () => loads++,
    rows: (v: number[]) => v.map((n) => ({ kind: 'n' as const, n })),
  };
  const loading = listRows<number, { kind: 'n'; n: number }>(notLoaded(), options);
  assert.equal(loads, 1);
  assert.equal(asFake((loading[0] as { item: unknown }).item).label, 'Loading jobs…');
  listRows({ loading: true }, options);
  assert.equal(loads, 1, 'no second load while one is in flight');
  const failed = listRows(
    {
      loading: false,
      value: [1, 2],
      error: new Error('GitLab had an error (502). Try again.'),
      loadedAt: Date.now() - 3 * MIN,
    },
    options,
  );
  const head = asFake((failed[0] as { item: unknown }).item);
  assert.equal(head.label, 'GitLab had an error (502).');
  assert.equal(head.description, 'showing data from 3 min ago', 'the rows below are as old as the last good refresh');
  assert.match(String((head.tooltip as { value: string }).value), /Last good refresh: 3 min ago \\\(/);
  const never = asFake(errorRow(new Error('GitLab had an error (502). Try again.')));
  assert.equal(never.description, 'Retry');
  assert.match(String((never.tooltip as { value: string }).value), /No good refresh yet\./);
  assert.deepEqual(failed.slice(1), [
    { kind: 'n', n: 1 },
    { kind: 'n', n: 2 },
  ]);
  const empty = listRows({ loading: false, value: [] }, options);
  assert.equal(asFake((empty[0] as { item: unknown }).item).label, 'No jobs yet');
  assert.equal(icon(asFake(errorRow(new Error('x')))), 'error');
  assert.equal(icon(asFake(messageRow('m'))), 'info');
});

test("a check row: the outcome's icon from the table, the detail, and the fix in tooltip, label and click", () => {
  const item = asFake(
    checkRow({
      id: 'runner',
      title: 'Registered runner',
      outcome: 'warn',
      detail:
        "Runner #3 'gitlab-runner-c' has not contacted GitLab for 3 h although its VM gitlab-runner-c is running.",
      fix: { command: { id: 'runnerOps.tailWorkerLog', title: 'Tail Worker Console', args: [{ vm }] } },
    }),
  );
  assert.equal(icon(item), 'warning');
  assert.match(item.description!, /^Runner #3 'gitlab-runner-c' has not contacted GitLab/);
  assert.match(tooltipText(item), /^Warning: .*\n\nFix: Tail Worker Console$/);
  assert.match(item.accessibilityInformation!.label, /^Registered runner: Warning\. .* Fix: Tail Worker Console$/);
  assert.equal(item.command?.command, 'runnerOps.tailWorkerLog');
  assert.equal(item.contextValue, 'check.warn');
});

test('a pending job says why in its description and tooltip, with its wait and the fix', () => {
  const waiting = job({
    status: 'pending',
    failureReason: undefined,
    duration: undefined,
    startedAt: undefined,
    finishedAt: undefined,
    createdAt: NOW - 4 * MIN,
    queuedDuration: 240,
    tags: ['docker'],
  });
  const reason = "No online runner has tag `docker`; runner #3 'c' has it but is paused.";
  const item = asFake(
    jobRow({
      job: waiting,
      now: NOW,
      id: 'job:40',
      pending: { reason, short: 'runner #3 paused', fix: { kind: 'resume', runner } },
    }),
  );
  assert.equal(item.description, 'Pending · queued 4 min ago · runner #3 paused');
  const text = tooltipText(item);
  assert.ok(text.includes(`Why pending: ${reason}`), text);
  assert.match(text, /Waiting for a runner: 4 min/);
  assert.match(text, /to resume the runner\./);
  const ran = tooltipText(asFake(jobRow({ job: job({ queuedDuration: 12.4 }), now: NOW, id: 'job:40' })));
  assert.match(ran, /Queued: 12 s before a runner picked it/);
});

test("a runner behind GitLab's version says by how much, its pair's version, and its queue times with a warning", () => {
  const item = asFake(
    runnerRow({
      runner: { ...runner, version: '17.9.2' },
      hosts: [],
      now: NOW,
      insights: {
        version: {
          kind: 'behind',
          text: 'behind GitLab 17.11.3 by 2 minor versions',
          short: '2 minor behind',
          upgradeTag: 'v17.11.0',
        },
        pair: "runner #2 'b', which shares `gcp`, runs 17.11.0",
        queue: { count: 10, medianSec: 8, p90Sec: 200 },
        tagQueues: [['gcp', { count: 3, medianSec: 4, p90Sec: 6 }]],
        queueWarning: 'Jobs wait long for a runner here: p90 3 min 20 s is over the 2 min threshold.',
        canReprovision: true,
      },
    }),
  );
  assert.match(item.description!, /· v17\.9\.2 \(2 minor behind\) · .* · slow queue$/);
  const text = tooltipText(item);
  assert.match(text, /Version: 17\.9\.2, behind GitLab 17\.11\.3 by 2 minor versions/);
  assert.match(text, /Upgrade: Re-provision Worker from an instance template whose runner image is `v17\.11\.0`/);
  assert.match(text, /A\/B pair: runner #2 'b', which shares `gcp`, runs 17\.11\.0/);
  assert.match(text, /Queue time: median 8 s, p90 3 min 20 s over 10 jobs/);
  assert.match(text, /Queue time for `gcp` jobs: median 4 s, p90 6 s over 3 jobs/);
  assert.match(text, /\$\(warning\) Jobs wait long/);
  const current = asFake(runnerRow({ runner, hosts: [], now: NOW }));
  assert.doesNotMatch(current.description!, /behind|slow queue/);
});

test('a VM reporting leaked containers and a full disk is warned on its row; one reporting nothing says so plainly', () => {
  const entries = Object.entries({ containers: 'pg-36 36', jobs: '', 'disk-used-percent': '95' }).map(
    ([key, value]) => ({ namespace: 'runner-ops', key, value }),
  );
  const warned = asFake(
    vmRow({ vm, warnings: [], insights: { guest: guestHealth(entries, { diskWarnPercent: 90, now: NOW }) }, now: NOW }),
  );
  assert.equal(icon(warned), 'warning');
  assert.match(warned.description!, /^1 leaked container · disk 95% · Running · /);
  const text = tooltipText(warned);
  assert.ok(text.includes('Leaked containers: 1 container still running for finished job #36'), text);
  assert.ok(text.includes('Disk 95% full'), text);
  const silent = asFake(
    vmRow({ vm, warnings: [], insights: { guest: guestHealth(null, { diskWarnPercent: 90, now: NOW }) }, now: NOW }),
  );
  assert.equal(icon(silent), 'vm-running');
  assert.ok(tooltipText(silent).includes('publishes no guest attributes under runner-ops/'));
});
