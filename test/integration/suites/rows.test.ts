// What the rows say, read from the real workbench as a first-time operator reads them: a job
// under its runner names that runner, stages keep the pipeline's order after a retry, short
// facts come first, and every tooltip labels its facts with relative and local times.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { FleetStore } from '../../../src/core/fleet-store';
import { eventually, ui, type ViewSnapshot } from '../bridge';
import { answerConfirmations } from '../confirmations';
import { useDemoSandbox } from '../demo-sandbox';

const api = () => vscode.extensions.getExtension('runner-ops.runner-ops')!.exports;
const store = (): FleetStore => api().services.store();

/** The rows directly below the first row whose text starts with `parent`. */
function childrenOf(view: ViewSnapshot, parent: string): ViewSnapshot['rows'] {
  const at = view.rows.findIndex((r) => r.text.startsWith(parent));
  if (at < 0) return [];
  const level = view.rows[at].level;
  const below: ViewSnapshot['rows'] = [];
  for (const row of view.rows.slice(at + 1)) {
    if (row.level <= level) break;
    if (row.level === level + 1) below.push(row);
  }
  return below;
}

/** "3 min ago" → milliseconds, to check an order by age. */
function ageMs(description: string): number {
  const m = /(\d+) (d|h|min|s) ago/.exec(description);
  if (!m) return /just now/.test(description) ? 0 : Number.NaN;
  return Number(m[1]) * { d: 86_400_000, h: 3_600_000, min: 60_000, s: 1_000 }[m[2] as 'd' | 'h' | 'min' | 's'];
}

const until = async (title: string, accept: (view: ViewSnapshot) => boolean, what: string) => {
  const view = await eventually(() => ui.readView(title), accept, 20_000);
  assert.ok(
    accept(view),
    `${what}; ${title} shows:\n${view.rows.map((r) => `${r.text} — ${r.description}`).join('\n')}`,
  );
  return view;
};

suite('Rows', function () {
  const sandbox = useDemoSandbox({ signIn: true });

  test("a runner's jobs are newest first, name project and pipeline, and say that runner ran them", async () => {
    await until('Registered Runners', (v) => v.rows.some((r) => r.text === '#1 gitlab-runner-a'), 'runner #1 listed');
    await ui.expandRow('Registered Runners', '#1 gitlab-runner-a');
    const view = await until(
      'Registered Runners',
      (v) => childrenOf(v, '#1 gitlab-runner-a').length >= 3,
      "runner #1's jobs listed",
    );
    const jobs = childrenOf(view, '#1 gitlab-runner-a');
    for (const job of jobs) assert.match(job.description, /infra\/runner-fleet pipeline #\d+/, job.description);
    const ages = jobs.map((j) => ageMs(j.description));
    assert.ok(
      ages.every((age, i) => i === 0 || age >= ages[i - 1]),
      `newest first:\n${jobs.map((j) => j.description).join('\n')}`,
    );
    // Short facts first: status, duration and age lead; the runner and VM come last.
    assert.match(jobs[0].description, /^(Passed|Failed|Running|Canceled|Skipped|Pending)( · \d[^·]*)? · [^·]*ago · /);
    const tooltip = await ui.hoverRow('Registered Runners', jobs[0].text);
    assert.match(tooltip, /Ran on: runner #1 'gitlab-runner-a' on VM gitlab-runner-a/);
    assert.doesNotMatch(tooltip, /not picked/i);
    assert.match(tooltip, /Pipeline: #\d+ on main in infra\/runner-fleet/);
  });

  test('stages keep the order the pipeline defines after a retry', async () => {
    await until('Pipelines', (v) => v.rows.some((r) => /^#7 main/.test(r.text)), 'pipeline #7 listed');
    await ui.expandRow('Pipelines', '#7 main');
    const before = await until('Pipelines', (v) => childrenOf(v, '#7 main').length === 3, 'the three stages of #7');
    assert.deepEqual(
      childrenOf(before, '#7 main').map((r) => r.text),
      ['validate', 'plan', 'apply'],
    );
    const mark = sandbox().requests.mark();
    await vscode.commands.executeCommand('runnerOps.retryPipeline', { pipeline: store().findPipeline(7)! });
    assert.ok(
      sandbox()
        .requests.since(mark)
        .some((r) => r.path === '/api/v4/projects/1/pipelines/7/retry'),
    );
    // The retried plan job has a new, higher id than apply's: the order must not follow ids.
    const after = await until(
      'Pipelines',
      (v) => childrenOf(v, '#7 main').some((r) => r.text === 'plan' && !/Failed/.test(r.description)),
      'plan retried',
    );
    assert.deepEqual(
      childrenOf(after, '#7 main').map((r) => r.text),
      ['validate', 'plan', 'apply'],
    );
  });

  test('tooltips label every fact, with relative and local times', async () => {
    await until('Runner VMs', (v) => v.rows.some((r) => r.text === 'gitlab-runner-a'), 'VMs listed');
    const vm = await ui.hoverRow('Runner VMs', 'gitlab-runner-a');
    for (const label of ['Zone: europe-west1-b', 'Machine type: e2-', 'Internal IP: 10.132.0.2', 'Running since: ']) {
      assert.ok(vm.includes(label), `VM tooltip lacks "${label}":\n${vm}`);
    }
    assert.match(vm, /Running since: .* ago \(.*\d{2}:\d{2}:\d{2}.*\)/);
    assert.doesNotMatch(vm, /—\s*$|: —/m, 'no field shows a bare dash');

    const runner = await ui.hoverRow('Registered Runners', '#3 gitlab-runner-c');
    assert.match(runner, /Last contact: 3 h ago \(/);
    assert.doesNotMatch(runner, /: —/, 'no "Executor: —"');

    // A live Pipelines view re-renders every poll, which closes a hover: calm it first.
    const asked = answerConfirmations(true);
    for (const id of [12, 13, 7]) {
      const pipeline = store().findPipeline(id);
      if (pipeline && ['running', 'pending', 'created'].includes(pipeline.status)) {
        await vscode.commands.executeCommand('runnerOps.cancelPipeline', { pipeline });
      }
    }
    assert.ok(asked.length > 0, 'a running pipeline was canceled');
    await until(
      'Pipelines',
      (v) => !v.rows.some((r) => /^(Running|Pending|Created|Canceling)/.test(r.description)),
      'nothing in motion',
    );
    await until('Pipelines', (v) => v.rows.some((r) => r.text === 'Schedules'), 'Schedules row');
    await ui.expandRow('Pipelines', 'Schedules');
    await until('Pipelines', (v) => v.rows.some((r) => r.text === 'Weekly drift check'), 'the schedule listed');
    const schedule = await ui.hoverRow('Pipelines', 'Weekly drift check');
    assert.match(schedule, /Runs: At 06:30, only on Monday/);
    assert.match(schedule, /Next run: in \d+ (d|h|min) \(/);
  });
});
