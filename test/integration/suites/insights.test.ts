// Fleet insights in the real workbench against the demo sandbox: queue times match the sandbox's
// own jobs, runners behind GitLab's version say by how much, a pending job says why and the fix
// it offers works, a VM's own report (guest attributes) warns of leaked containers and a full
// disk, and none of this adds a request to an idle minute.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { FleetStore } from '../../../src/core/fleet-store';
import type { GitLabHalf } from '../../sandbox/gitlab/index';
import type { GoogleSandbox } from '../../sandbox/google/index';
import { eventually, ui, type ViewSnapshot } from '../bridge';
import { answerConfirmations } from '../confirmations';
import { useDemoSandbox } from '../demo-sandbox';

const api = () => vscode.extensions.getExtension('runner-ops.runner-ops')!.exports;
const store = (): FleetStore => api().services.store();
const rowsOf = (view: ViewSnapshot) => view.rows.map((r) => `${r.text} — ${r.description}`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const until = async (title: string, accept: (rows: string[]) => boolean, what: string, timeoutMs = 20_000) => {
  const view = await eventually(
    () => ui.readView(title),
    (v) => accept(rowsOf(v)),
    timeoutMs,
  );
  assert.ok(accept(rowsOf(view)), `${what}; ${title} shows:\n${rowsOf(view).join('\n')}`);
  return view;
};

/** Median and nearest-rank p90 as a person would work them out from a sorted list, in whole seconds. */
function byHand(seconds: number[]): string {
  const sorted = [...seconds].sort((a, b) => a - b);
  const n = sorted.length;
  const median = n % 2 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  const p90 = sorted[Math.ceil(n * 0.9) - 1];
  return `median ${Math.round(median)} s, p90 ${Math.round(p90)} s over ${n} jobs`;
}

suite('Insights', function () {
  const sandbox = useDemoSandbox({ signIn: true });
  const gitlab = () => sandbox().world.gitlab as GitLabHalf;
  let originalAsk: unknown;

  let suiteMark = 0;

  suiteSetup(async () => {
    suiteMark = sandbox().requests.mark();
    originalAsk = api().confirmation.ask;
    answerConfirmations(true);
    // The demo's running pipeline would start more jobs while figures are compared: stop it.
    const running = gitlab().state.pipelines.get(12)!;
    gitlab().sim.cancelPipeline(running, sandbox().world.clock.now());
  });

  suiteTeardown(async () => {
    api().confirmation.ask = originalAsk;
    await vscode.workspace
      .getConfiguration('runnerOps')
      .update('insights.queueWarnSeconds', undefined, vscode.ConfigurationTarget.Global);
  });

  test("a runner's and its VM's queue times are the median and p90 of the sandbox's own jobs", async () => {
    await until('Registered Runners', (rows) => rows.some((r) => r.startsWith('#1 gitlab-runner-a')), 'runner #1');
    await ui.expandRow('Registered Runners', '#1 gitlab-runner-a');
    await eventually(
      async () => store().runnerJobs.get(1)?.value,
      (jobs) => jobs !== undefined,
    );
    // Runner #1's ten most recent jobs, as GET /runners/1/jobs lists them, that a runner picked.
    const recent = [...(gitlab().state.jobsByRunner.get(1) ?? [])].sort((a, b) => b.id - a.id).slice(0, 10);
    const queued = recent
      .filter((j) => j.status !== 'pending' && j.startedAt !== null && j.queuedAt !== null)
      .map((j) => (j.startedAt! - j.queuedAt!) / 1000);
    const expected = byHand(queued);
    const tooltip = await eventually(
      () => ui.hoverRow('Registered Runners', '#1 gitlab-runner-a'),
      (t) => t.includes('Queue time:'),
    );
    assert.ok(tooltip.includes(`Queue time: ${expected}`), `expected "${expected}" in:\n${tooltip}`);
    await ui.screenshot('insight-queue-time');
    const vm = await ui.hoverRow('Runner VMs', 'gitlab-runner-a');
    assert.ok(vm.includes(`Queue time of its jobs: ${expected}`), `expected "${expected}" in:\n${vm}`);

    // Over the threshold setting, the runner is warned with the figure.
    const p90 = Number(/p90 (\d+) s/.exec(expected)![1]);
    assert.ok(p90 > 5, `the demo's jobs queue more than 5 s at p90 (${expected})`);
    await vscode.workspace
      .getConfiguration('runnerOps')
      .update('insights.queueWarnSeconds', 5, vscode.ConfigurationTarget.Global);
    // A new setting builds a new store: the runner's jobs are read again once its row is expanded.
    const warnedRow = /^#1 gitlab-runner-a — .* · slow queue$/;
    const view = await eventually(
      async () => {
        await ui.expandRow('Registered Runners', '#1 gitlab-runner-a').catch(() => undefined);
        return ui.readView('Registered Runners');
      },
      (v) => rowsOf(v).some((r) => warnedRow.test(r)),
      20_000,
    );
    assert.ok(
      rowsOf(view).some((r) => warnedRow.test(r)),
      rowsOf(view).join('\n'),
    );
    const warned = await ui.hoverRow('Registered Runners', '#1 gitlab-runner-a');
    assert.match(warned, new RegExp(`Jobs wait long for a runner here: p90 ${p90} s is over the 5 s threshold`));
    await vscode.workspace
      .getConfiguration('runnerOps')
      .update('insights.queueWarnSeconds', undefined, vscode.ConfigurationTarget.Global);
  });

  test("a runner behind GitLab's version says by how much, and its A/B pair's version; /version is read once", async () => {
    const view = await until(
      'Registered Runners',
      (rows) => rows.some((r) => /^#3 gitlab-runner-c — .* · v17\.9\.2 \(2 minor behind\) · /.test(r)),
      'runner #3 behind',
    );
    assert.ok(
      rowsOf(view).some((r) => /^#1 gitlab-runner-a — .* · v17\.11\.0 · /.test(r)),
      'runner #1 is on the server minor version: no mark',
    );
    // The setting put back by the last test builds a new store: the list may still be reloading.
    const tooltip = await eventually(
      () => ui.hoverRow('Registered Runners', '#3 gitlab-runner-c').catch(() => ''),
      (t) => t.includes('Version:'),
    );
    assert.match(tooltip, /Version: 17\.9\.2, behind GitLab 17\.11\.3-ee by 2 minor versions/);
    assert.match(tooltip, /Upgrade: .*v17\.11\.0/);
    assert.match(tooltip, /A\/B pair: runner #1 'gitlab-runner-a', which shares gcp, runs 17\.11\.0/);
    await ui.screenshot('insight-versions');
    // Read once per store (sign-in, settings): refreshing the runners again asks nothing more.
    const mark = sandbox().requests.mark();
    for (let i = 0; i < 2; i++) {
      const before = sandbox().requests.mark();
      await vscode.commands.executeCommand('runnerOps.refresh');
      await eventually(
        async () => sandbox().requests.since(before),
        (seen) => seen.some((r) => r.path.startsWith('/api/v4/runners')),
      );
    }
    const seen = sandbox()
      .requests.since(mark)
      .map((r) => r.path.split('?')[0]);
    assert.ok(
      seen.some((p) => p.startsWith('/api/v4/runners')),
      'the runners were read again',
    );
    assert.deepEqual(
      seen.filter((p) => p === '/api/v4/version'),
      [],
    );
  });

  test("the demo's pending job says no online runner has its tag and names the offline one", async () => {
    await until('Pipelines', (rows) => rows.some((r) => /^#13 main — Pending/.test(r)), 'pipeline #13 pending');
    await ui.expandRow('Pipelines', '#13 main');
    await until('Pipelines', (rows) => rows.some((r) => r.startsWith('validate — ')), 'its stage listed');
    await ui.expandRow('Pipelines', 'validate');
    const view = await until(
      'Pipelines',
      (rows) => rows.some((r) => /^build-runner-image — Pending · queued \d+ min ago · runner #3 offline$/.test(r)),
      'the job says why',
    );
    assert.ok(view);
    // The pending pipeline keeps the view polling, and each re-render closes a hover: try again.
    const tooltip = await eventually(
      () => ui.hoverRow('Pipelines', 'build-runner-image').catch(() => ''),
      (t) => t.includes('Why pending'),
    );
    assert.match(
      tooltip,
      /Why pending: No online runner available to infra\/runner-fleet has tag docker; runner #3 'gitlab-runner-c' has it but has not contacted GitLab for 3 h although its VM gitlab-runner-c is running\./,
    );
    assert.match(tooltip, /Waiting for a runner: \d+ min/);
    await ui.screenshot('insight-why-pending');
  });

  test('a job waiting for a paused runner says so, and its fix resumes the runner and the job runs', async () => {
    // Both runners that serve runner-fleet's `gcp` jobs are paused (the last one after a confirmation).
    for (const name of ['gitlab-runner-b', 'gitlab-runner-a']) {
      const runner = store().runners.value!.find((r) => r.description === name)!;
      await vscode.commands.executeCommand('runnerOps.pauseRunner', { runner });
    }
    await ui.clearNotifications();
    const fleet = gitlab().state.projectByPath('infra/runner-fleet')!;
    const pushed = gitlab().sim.createPipeline(fleet, 'main', 'push', 1, sandbox().world.clock.now());
    await vscode.commands.executeCommand('runnerOps.refresh');
    await until('Pipelines', (rows) => rows.some((r) => r.startsWith(`#${pushed.id} main — Pending`)), 'pushed');
    await ui.expandRow('Pipelines', `#${pushed.id} main`);
    await until('Pipelines', (rows) => rows.some((r) => r.startsWith('validate — Pending · 2 jobs')), 'its stage');
    await ui.expandRow('Pipelines', 'validate');
    await until(
      'Pipelines',
      (rows) => rows.some((r) => /^terraform:fmt — Pending · .* · runner #1 paused$/.test(r)),
      'the job names the paused runner',
    );
    const job = store()
      .pipelineJobs.get(pushed.id)!
      .value!.find((j) => j.name === 'terraform:fmt')!;
    const mark = sandbox().requests.mark();
    const explained = vscode.commands.executeCommand<string>('runnerOps.whyPending', { job });
    const message =
      /No online runner available to infra\/runner-fleet has tag `?gcp`?; runner #1 'gitlab-runner-a' has it but is paused/;
    const shown = await eventually(
      () => ui.notifications(),
      (n) => n.some((t) => message.test(t)),
    );
    assert.ok(
      shown.some((t) => message.test(t)),
      shown.join('\n'),
    );
    await ui.screenshot('insight-why-pending-fix');
    await ui.clickNotificationButton('has it but is paused', 'Resume Runner #1');
    assert.match(await explained, /has it but is paused\.$/);
    const puts = sandbox()
      .requests.since(mark)
      .filter((r) => r.method === 'PUT')
      .map((r) => `${r.path} ${r.status}`);
    assert.deepEqual(puts, ['/api/v4/runners/1 200']);
    await until(
      'Pipelines',
      (rows) => rows.some((r) => /^terraform:fmt — (Running|Passed)/.test(r)),
      'the job runs once the runner is resumed',
      30_000,
    );
    assert.equal(gitlab().state.jobs.get(job.id)!.runnerId, 1, 'runner #1 picked it');
  });

  test('a VM reporting leaked containers and a 95% disk is warned with those numbers, read when expanded', async () => {
    // What runner-b's VM runs, as the sandbox's world has it: three containers of finished jobs.
    const project = String(sandbox().settings['runnerOps.gcp.project']);
    const vmB = (sandbox().world.google as GoogleSandbox).state.compute.vm(
      project,
      'europe-west1-c',
      'gitlab-runner-b',
    );
    const leaked = vmB.guest.containers.filter((c) => c.jobId !== undefined);
    assert.equal(leaked.length, 3);
    assert.equal(vmB.guest.diskUsedPercent, 95);
    await until('Runner VMs', (rows) => rows.some((r) => r.startsWith('gitlab-runner-b — ')), 'VM gitlab-runner-b');
    const mark = sandbox().requests.mark();
    await ui.expandRow('Runner VMs', 'gitlab-runner-b');
    await until(
      'Runner VMs',
      (rows) => rows.some((r) => /^gitlab-runner-b — 3 leaked containers · disk 95% · Running · /.test(r)),
      'the row warned with the numbers',
    );
    const tooltip = await eventually(
      () => ui.hoverRow('Runner VMs', 'gitlab-runner-b').catch(() => ''),
      (t) => t.includes('Leaked containers'),
    );
    const jobs = leaked.map((c) => `#${c.jobId}`).join(', ');
    const names = leaked.map((c) => c.name).join(', ');
    assert.ok(
      tooltip.includes(`Leaked containers: 3 containers still running for finished jobs ${jobs}`),
      `expected jobs ${jobs} in:\n${tooltip}`,
    );
    assert.ok(tooltip.includes(`: ${names}.`), `expected ${names} in:\n${tooltip}`);
    assert.match(tooltip, /Disk 95% full, at or over the 90% threshold/);
    assert.match(tooltip, /Other containers: node-exporter/);
    await ui.screenshot('insight-guest-health');
    // Read once, for the expand; the hover within the minute reused it.
    const reads = sandbox()
      .requests.since(mark)
      .filter((r) => r.path.includes('/getGuestAttributes'))
      .map((r) => decodeURIComponent(r.path).replace(/^.*\/instances\//, ''));
    assert.deepEqual(reads, ['gitlab-runner-b/getGuestAttributes?queryPath=runner-ops/']);
  });

  test('no request is added to an idle minute by any insight', async function () {
    this.timeout(120_000);
    // Nothing in motion: the pushed pipeline and the demo's waiting one are canceled.
    for (const pipeline of gitlab().state.pipelines.values())
      gitlab().sim.cancelPipeline(pipeline, sandbox().world.clock.now());
    await vscode.commands.executeCommand('runnerOps.refresh');
    await until('Pipelines', (rows) => !rows.some((r) => /— (Running|Pending|Created)/.test(r)), 'nothing in motion');
    await sleep(12_000); // the fast pace winds down
    // A VM row stays expanded, its guest attributes read: still no request of its own.
    await until('Runner VMs', (rows) => rows.some((r) => r.startsWith('#2 gitlab-runner-b — ')), 'VM b expanded');
    assert.ok(
      sandbox()
        .requests.since(suiteMark)
        .some((r) => r.path.includes('/getGuestAttributes')),
      'guest attributes were read in this suite',
    );
    const mark = sandbox().requests.mark();
    await sleep(60_000);
    const seen = sandbox()
      .requests.since(mark)
      .map((r) => `${r.method} ${r.path.split('?')[0]}`);
    // What the Sidebar suite's idle minute allows; none of it is an insight's own request.
    assert.ok(seen.length <= 20, `an idle minute made ${seen.length} requests:\n${seen.join('\n')}`);
    assert.deepEqual(
      seen.filter((r) => /\/version$|getGuestAttributes/.test(r)),
      [],
    );
  });
});
