// The sidebar against the demo sandbox, read through the real workbench: VMs with their
// runners (the offline one warned), runners, pipelines with the failed job's runner and VM;
// pause, cancel and retry reach the sandbox; nothing is requested while the views are hidden.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { FleetStore } from '../../../src/core/fleet-store';
import { startSandbox, type Sandbox } from '../../sandbox/server';
import { eventually, hasUi, ui, type ViewSnapshot } from '../bridge';
import { applySettings, clearSettings } from '../settings';

const rowsOf = (view: ViewSnapshot) => view.rows.map((r) => `${r.text} — ${r.description}`);
const store = (): FleetStore => vscode.extensions.getExtension('runner-ops.runner-ops')!.exports.services.store();
const untilRows = (title: string, accept: (rows: string[]) => boolean, timeoutMs = 20_000) =>
  eventually(() => ui.readView(title), (v) => accept(rowsOf(v)), timeoutMs).then((v) => {
    assert.ok(accept(rowsOf(v)), `${title} shows:\n${rowsOf(v).join('\n')}`);
    return v;
  });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

suite('Sidebar', function () {
  let sandbox: Sandbox;

  suiteSetup(async function () {
    if (!hasUi) this.skip();
    sandbox = await startSandbox({ seed: 'demo' });
    await applySettings(sandbox.settings);
    const signedIn = await vscode.commands.executeCommand<{ ok: boolean }>('runnerOps.signIn', { url: sandbox.url, token: sandbox.gitlabToken });
    assert.equal(signedIn.ok, true);
    await ui.clearNotifications();
    await ui.openContainer();
  });

  suiteTeardown(async () => {
    if (!sandbox) return;
    await vscode.commands.executeCommand('runnerOps.signOut');
    await clearSettings(sandbox.settings);
    await sandbox.close();
  });

  test('Runner VMs are grouped by zone, and the VM whose runner is offline is warned and says why', async () => {
    await untilRows('Runner VMs', (rows) => rows.some((r) => r.startsWith('europe-west1-b')) && rows.some((r) => r.startsWith('europe-west1-c')));
    await ui.clickRow('Runner VMs', 'gitlab-runner-mig');
    const view = await untilRows('Runner VMs', (rows) => rows.some((r) => r.startsWith('gitlab-runner-c —')));
    const warned = view.rows.find((r) => r.text === 'gitlab-runner-c')!;
    assert.match(warned.description, /^runner offline · Running · e2-\S+ · 10\.132\.0\.\d+ · up /);
    assert.match(warned.label, /warning: Runner #3 'gitlab-runner-c' has not contacted GitLab for 3 h although the VM is running/);
    const healthy = view.rows.find((r) => r.text === 'gitlab-runner-a')!;
    assert.match(healthy.description, /^Running · /);
    assert.doesNotMatch(healthy.label, /warning/);
    await ui.clickRow('Runner VMs', 'gitlab-runner-c');
    await untilRows('Runner VMs', (rows) => rows.some((r) => /^#3 gitlab-runner-c — Offline · contacted 3 h ago/.test(r)));
  });

  test('Registered Runners show status, type, tags, version, last contact and their VM', async () => {
    const view = await untilRows('Registered Runners', (rows) => rows.length >= 3 && rows.some((r) => r.includes('on gitlab-runner-b')));
    const rows = rowsOf(view);
    assert.ok(rows.some((r) => /^#1 gitlab-runner-a — Online · project · gcp, terraform, deploy · v17\.11\.0 · .* · on gitlab-runner-a$/.test(r)), rows.join('\n'));
    assert.ok(rows.some((r) => /^#3 gitlab-runner-c — Offline · instance · .* · 3 h ago · on gitlab-runner-c$/.test(r)), rows.join('\n'));
  });

  test('Pipelines list per project; the failed job names its runner and VM', async () => {
    await untilRows('Pipelines', (rows) => rows.some((r) => r.startsWith('infra/runner-fleet')) && rows.some((r) => /^#7 main — Failed/.test(r)));
    await ui.clickRow('Pipelines', '#7 main');
    const view = await untilRows('Pipelines', (rows) => rows.some((r) => r.startsWith('plan —')));
    const plan = rowsOf(view).find((r) => r.startsWith('plan —'))!;
    assert.match(plan, /^plan — Failed · failed on runner #1 'gitlab-runner-a' on VM gitlab-runner-a · /);
    assert.ok(rowsOf(view).some((r) => /^#12 main — Running/.test(r)), 'the running pipeline is listed');
    await ui.screenshot('sidebar-demo');
  });

  test('pausing a runner reaches GitLab and shows at once; resuming puts it back', async () => {
    const runner = store().runners.value!.find((r) => r.description === 'gitlab-runner-b')!;
    const mark = sandbox.requests.mark();
    await vscode.commands.executeCommand('runnerOps.pauseRunner', { runner });
    const puts = sandbox.requests.since(mark).filter((r) => r.method === 'PUT').map((r) => `${r.path} ${r.status}`);
    assert.deepEqual(puts, [`/api/v4/runners/${runner.id} 200`]);
    await untilRows('Registered Runners', (rows) => rows.some((r) => /^#2 gitlab-runner-b — Paused/.test(r)));
    const toasts = await eventually(() => ui.notifications(), (n) => n.some((t) => /Paused runner #2/.test(t)));
    assert.ok(toasts.some((t) => /picks no new jobs until resumed/.test(t)));
    await vscode.commands.executeCommand('runnerOps.resumeRunner', { runner: { ...runner, paused: true } });
    await untilRows('Registered Runners', (rows) => rows.some((r) => /^#2 gitlab-runner-b — Online/.test(r)));
    await ui.clearNotifications();
  });

  test('pausing the last online runner for a tag asks first, and nothing is sent when declined', async () => {
    const runner = store().runners.value!.find((r) => r.description === 'gitlab-runner-a')!;
    const mark = sandbox.requests.mark();
    const pausing = vscode.commands.executeCommand('runnerOps.pauseRunner', { runner });
    const dialog = await eventually(() => ui.dialogText(), (text) => text.length > 0);
    assert.match(dialog, /last online runner for "deploy"/);
    await ui.clickDialogButton('Cancel');
    await pausing;
    assert.deepEqual(sandbox.requests.since(mark).filter((r) => r.method === 'PUT'), []);
  });

  test('cancel asks for confirmation, reaches GitLab, and retry brings the pipeline back', async () => {
    const pipeline = store().findPipeline(12)!;
    const mark = sandbox.requests.mark();
    const canceling = vscode.commands.executeCommand('runnerOps.cancelPipeline', { pipeline });
    await eventually(() => ui.dialogText(), (text) => /Cancel pipeline #12/.test(text));
    await ui.clickDialogButton('Cancel Pipeline');
    await canceling;
    await untilRows('Pipelines', (rows) => rows.some((r) => /^#12 main — Canceled/.test(r)));
    await vscode.commands.executeCommand('runnerOps.retryPipeline', { pipeline: store().findPipeline(12)! });
    await untilRows('Pipelines', (rows) => rows.some((r) => /^#12 main — (Pending|Running|Created)/.test(r)));
    const actions = sandbox.requests.since(mark).filter((r) => r.method === 'POST').map((r) => `${r.path} ${r.status}`);
    assert.deepEqual(actions, [`/api/v4/projects/1/pipelines/12/cancel 200`, `/api/v4/projects/1/pipelines/12/retry 201`]);
  });

  test('no request at all while every Runner Ops view is hidden', async () => {
    await vscode.commands.executeCommand('workbench.view.explorer');
    await sleep(1000); // let any refresh already in flight finish
    const mark = sandbox.requests.mark();
    await sleep(6000); // three fast-poll periods: a running pipeline exists
    assert.deepEqual(sandbox.requests.since(mark).map((r) => `${r.method} ${r.path}`), []);
    await ui.openContainer();
  });
});
