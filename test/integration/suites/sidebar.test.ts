// The sidebar against the demo sandbox, read through the real workbench: VMs with their
// runners (the offline one warned), runners, pipelines with the failed job's runner and VM;
// pause, cancel and retry reach the sandbox; nothing is requested while the views are hidden.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { FleetStore } from '../../../src/core/fleet-store';
import { startSandbox, type Sandbox } from '../../sandbox/server';
import { eventually, hasUi, ui, type ViewSnapshot } from '../bridge';
import { answerConfirmations } from '../confirmations';
import { clearSettings } from '../settings';
import { pointAt } from '../demo-sandbox';

const rowsOf = (view: ViewSnapshot) => view.rows.map((r) => `${r.text} — ${r.description}`);
const api = () => vscode.extensions.getExtension('runner-ops.runner-ops')!.exports;
const store = (): FleetStore => api().services.store();

const untilRows = (title: string, accept: (rows: string[]) => boolean, timeoutMs = 20_000) =>
  eventually(
    () => ui.readView(title),
    (v) => accept(rowsOf(v)),
    timeoutMs,
  ).then((v) => {
    assert.ok(accept(rowsOf(v)), `${title} shows:\n${rowsOf(v).join('\n')}`);
    return v;
  });
/** Fails with `label` when `promise` takes longer than `ms`, so a hang names its step. */
const within = <T>(ms: number, label: string, promise: Thenable<T>): Promise<T> =>
  Promise.race([
    Promise.resolve(promise),
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${label}: no answer within ${ms} ms`)), ms)),
  ]);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

suite('Sidebar', function () {
  let sandbox: Sandbox;
  let originalAsk: unknown;

  suiteSetup(async function () {
    await vscode.extensions.getExtension('runner-ops.runner-ops')!.activate();
    originalAsk = api().confirmation.ask;
    answerConfirmations(true); // a modal would hang the run: VS Code refuses dialogs in extension tests
    if (!hasUi) this.skip();
    sandbox = await startSandbox({ seed: 'demo' });
    await pointAt(sandbox, { signIn: true });
  });

  suiteTeardown(async () => {
    if (!sandbox) return;
    api().confirmation.ask = originalAsk;
    await vscode.commands.executeCommand('runnerOps.signOut');
    await clearSettings(sandbox.settings);
    await sandbox.close();
  });

  test('Runner VMs are grouped by zone, and the VM whose runner is offline is warned and says why', async () => {
    await untilRows(
      'Runner VMs',
      (rows) => rows.some((r) => r.startsWith('europe-west1-b')) && rows.some((r) => r.startsWith('europe-west1-c')),
    );
    // The warning needs GitLab's side too: it appears once the runners are listed, and names the
    // last contact once the runner's details (read after the list) are in.
    const view = await eventually(
      () => ui.readView('Runner VMs'),
      (v) => /has not contacted GitLab/.test(v.rows.find((r) => r.text === 'gitlab-runner-c')?.label ?? ''),
      20_000,
    );
    const warned = view.rows.find((r) => r.text === 'gitlab-runner-c')!;
    assert.match(warned.description, /^runner offline · Running · e2-\S+ · 10\.132\.0\.\d+ · up /);
    assert.match(
      warned.label,
      /warning: Runner #3 'gitlab-runner-c' has not contacted GitLab for 3 h although the VM is running/,
    );
    assert.match(warned.icon, /codicon-warning/, 'the warned VM shows the warning icon');
    const healthy = view.rows.find((r) => r.text === 'gitlab-runner-a')!;
    assert.match(healthy.description, /^Running · /);
    assert.doesNotMatch(healthy.label, /warning/);
    assert.doesNotMatch(healthy.icon, /codicon-warning/);
    await ui.clickRow('Runner VMs', 'gitlab-runner-c');
    await untilRows('Runner VMs', (rows) =>
      rows.some((r) => /^#3 gitlab-runner-c — Offline · contacted 3 h ago/.test(r)),
    );
  });

  test('Registered Runners show status, type, tags, version, last contact and their VM', async () => {
    const view = await untilRows(
      'Registered Runners',
      (rows) => rows.length >= 3 && rows.some((r) => r.includes('on gitlab-runner-b')),
    );
    const rows = rowsOf(view);
    assert.ok(
      rows.some((r) =>
        /^#1 gitlab-runner-a — Online · project · gcp, terraform, deploy · v17\.11\.0 · .* · on gitlab-runner-a$/.test(
          r,
        ),
      ),
      rows.join('\n'),
    );
    assert.ok(
      rows.some((r) => /^#3 gitlab-runner-c — Offline · instance · .* · 3 h ago · on gitlab-runner-c$/.test(r)),
      rows.join('\n'),
    );
  });

  test('Pipelines list per project; the failed job names its runner and VM', async () => {
    await untilRows(
      'Pipelines',
      (rows) => rows.some((r) => r.startsWith('infra/runner-fleet')) && rows.some((r) => /^#7 main — Failed/.test(r)),
    );
    await ui.clickRow('Pipelines', '#7 main');
    // Short facts first (status, duration, age), then who ran it: a narrow sidebar cuts the long part.
    const failedJob =
      /^plan — Failed · \d[^·]* · [^·]* ago · failed on runner #1 'gitlab-runner-a' on VM gitlab-runner-a$/;
    const view = await untilRows('Pipelines', (rows) => rows.some((r) => failedJob.test(r)));
    assert.ok(
      rowsOf(view).some((r) => /^plan — Failed · 1 job$/.test(r)),
      'the stage row sums up its jobs',
    );
    const failedRow = view.rows.find((r) => failedJob.test(`${r.text} — ${r.description}`))!;
    assert.match(failedRow.icon, /codicon-error/, 'a failed job shows the error icon');
    assert.ok(
      rowsOf(view).some((r) => /^#12 main — Running/.test(r)),
      'the running pipeline is listed',
    );
    await ui.screenshot('sidebar-demo');
  });

  test('pausing a runner reaches GitLab and shows at once; resuming puts it back', async () => {
    const runner = store().runners.value!.find((r) => r.description === 'gitlab-runner-b')!;
    const mark = sandbox.requests.mark();
    await within(10_000, 'pause command', vscode.commands.executeCommand('runnerOps.pauseRunner', { runner }));
    const puts = sandbox.requests
      .since(mark)
      .filter((r) => r.method === 'PUT')
      .map((r) => `${r.path} ${r.status}`);
    assert.deepEqual(puts, [`/api/v4/runners/${runner.id} 200`]);
    await untilRows('Registered Runners', (rows) => rows.some((r) => /^#2 gitlab-runner-b — Paused/.test(r)));
    const toasts = await eventually(
      () => ui.notifications(),
      (n) => n.some((t) => /Paused runner #2/.test(t)),
      20_000,
    );
    assert.ok(toasts.some((t) => /picks no new jobs until resumed/.test(t)));
    await within(
      10_000,
      'resume command',
      vscode.commands.executeCommand('runnerOps.resumeRunner', { runner: { ...runner, paused: true } }),
    );
    await untilRows('Registered Runners', (rows) => rows.some((r) => /^#2 gitlab-runner-b — Online/.test(r)));
    await ui.clearNotifications();
  });

  test('pausing the last online runner for a tag asks first, and nothing is sent when declined', async () => {
    const runner = store().runners.value!.find((r) => r.description === 'gitlab-runner-a')!;
    const mark = sandbox.requests.mark();
    const asked = answerConfirmations(false);
    await vscode.commands.executeCommand('runnerOps.pauseRunner', { runner });
    assert.equal(asked.length, 1);
    assert.match(
      asked[0],
      /^Pause runner #1 'gitlab-runner-a'\? It is the last online runner for "deploy": jobs needing it will wait until a runner is resumed\.$/,
    );
    assert.deepEqual(
      sandbox.requests.since(mark).filter((r) => r.method === 'PUT'),
      [],
    );
    await untilRows('Registered Runners', (rows) => rows.some((r) => /^#1 gitlab-runner-a — Online/.test(r)));
  });

  test('cancel asks for confirmation, reaches GitLab, and retry brings the pipeline back', async () => {
    const pipeline = store().findPipeline(12)!;
    const mark = sandbox.requests.mark();
    const asked = answerConfirmations(true);
    await vscode.commands.executeCommand('runnerOps.cancelPipeline', { pipeline });
    assert.match(asked.join('\n'), /^Cancel pipeline #12 on main\? Its running and pending jobs are stopped\.$/);
    await untilRows('Pipelines', (rows) => rows.some((r) => /^#12 main — Canceled/.test(r)));
    await vscode.commands.executeCommand('runnerOps.retryPipeline', { pipeline: store().findPipeline(12)! });
    await untilRows('Pipelines', (rows) => rows.some((r) => /^#12 main — (Pending|Running|Created)/.test(r)));
    const actions = sandbox.requests
      .since(mark)
      .filter((r) => r.method === 'POST')
      .map((r) => `${r.path} ${r.status}`);
    assert.deepEqual(actions, [
      `/api/v4/projects/1/pipelines/12/cancel 200`,
      `/api/v4/projects/1/pipelines/12/retry 201`,
    ]);
  });

  test('while a pipeline runs, the Pipelines view polls fast; the other views stay slow', async () => {
    await untilRows('Pipelines', (rows) => rows.some((r) => /^#12 main — (Pending|Running)/.test(r)));
    const mark = sandbox.requests.mark();
    await sleep(10_000);
    const seen = sandbox.requests.since(mark).map((r) => `${r.method} ${r.path.split('?')[0]}`);
    const pipelineLists = seen.filter((r) => r === 'GET /api/v4/projects/1/pipelines').length;
    const vmLists = seen.filter((r) => r.startsWith('GET /compute/v1/')).length;
    assert.ok(
      pipelineLists >= 3 && pipelineLists <= 6,
      `pipeline list fetched ${pipelineLists} times in 10 s (fast polling is every 2 s)`,
    );
    assert.ok(vmLists <= 2, `VMs listed ${vmLists} times in 10 s although none is changing`);
  });

  test('one visible minute of idle costs a handful of requests', async function () {
    this.timeout(120_000);
    // #12 runs; the demo's other pipeline waits for a runner that is offline: both would keep the pace fast.
    for (const id of [12, 13]) {
      await vscode.commands.executeCommand('runnerOps.cancelPipeline', { pipeline: store().findPipeline(id)! });
      await untilRows('Pipelines', (rows) => rows.some((r) => new RegExp(`^#${id} main — Canceled`).test(r)));
    }
    await sleep(12_000); // the brief watch after cancel ends
    const running = [...store().pipelines.values()]
      .flatMap((l) => l.value?.pipelines ?? [])
      .filter((p) => ['running', 'pending', 'created'].includes(p.status));
    assert.deepEqual(
      running.map((p) => p.id),
      [],
      'the idle minute needs no pipeline in motion',
    );
    const mark = sandbox.requests.mark();
    await sleep(60_000);
    const seen = sandbox.requests.since(mark).map((r) => `${r.method} ${r.path.split('?')[0]}`);
    // Per minute: one slow refresh per view (VM list per zone, runners with changed details, pipelines per project).
    assert.ok(seen.length >= 3, `views still refresh while visible: ${seen.length} requests`);
    assert.ok(seen.length <= 20, `an idle minute made ${seen.length} requests:\n${seen.join('\n')}`);
  });

  test('no request at all while every Runner Ops view is hidden', async () => {
    await vscode.commands.executeCommand('workbench.view.explorer');
    // The brief watch after cancel/retry (1 s x 10) may still be finishing: it must end by itself.
    const deadline = Date.now() + 15_000;
    for (let quietSince = sandbox.requests.mark(); ;) {
      await sleep(2000);
      if (sandbox.requests.since(quietSince).length === 0) break;
      assert.ok(Date.now() < deadline, 'requests kept coming while every view was hidden');
      quietSince = sandbox.requests.mark();
    }
    const mark = sandbox.requests.mark();
    await sleep(6000); // three fast-poll periods: a running pipeline exists
    assert.deepEqual(
      sandbox.requests.since(mark).map((r) => `${r.method} ${r.path}`),
      [],
    );
    await ui.openContainer();
  });
});
