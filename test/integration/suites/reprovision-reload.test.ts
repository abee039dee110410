// Re-provision Worker across a window reload, in the real VS Code: worker B's run is interrupted
// right after step 4 (the VM recreated) by reloading the window, which ends its extension host;
// in the reloaded window the activation offers to resume it, and resumed it ends with runner B
// online on the new VM, which was recreated once. The sandbox runs in a process of the harness
// (it must outlive the extension host), so this suite reads it over HTTP as any client would.
// Runs last: the reload ends this life of the run, and the next one runs only the second test.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { FleetStore } from '../../../src/core/fleet-store';
import { eventually, hasUi, ui } from '../bridge';
import { pointAt } from '../demo-sandbox';
import { continuation } from '../reload';
import { clearSettings } from '../settings';

const SUITE = 'Re-provision across a window reload';
const COMMAND = 'runnerOps.reprovisionWorker';
const JOURNAL = 'runnerOps.operation:reprovision:gitlab-runner-b';
const STEPS_BEFORE_RELOAD = ['preflight', 'pause', 'drain', 'recreate'];
const api = () => vscode.extensions.getExtension('runner-ops.runner-ops')!.exports;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type SandboxProcess = Awaited<ReturnType<typeof ui.sandboxProcess>>;
interface Left extends Record<string, unknown> {
  grep: string;
  sandbox: SandboxProcess;
  runnerId: number;
  oldVmId: string;
  newVmId: string;
}
type Json = Record<string, unknown>;

/** The out-of-process sandbox as a client sees it: its clock and request log, GitLab and Compute. */
function remote(sandbox: SandboxProcess) {
  const get = async <T>(path: string, headers: Record<string, string> = {}): Promise<T> => {
    const response = await fetch(`${sandbox.url}${path}`, { headers });
    assert.ok(response.ok, `GET ${path}: ${response.status}`);
    return (await response.json()) as T;
  };
  const project = String(sandbox.settings['runnerOps.gcp.project']);
  return {
    advance: async (ms: number) => {
      await fetch(`${sandbox.url}/_sandbox/clock/advance`, {
        method: 'POST',
        body: JSON.stringify({ ms }),
        headers: { 'content-type': 'application/json' },
      });
    },
    /** What reached the sandbox: "METHOD /path" without the query. */
    requests: async () =>
      (await get<Array<{ method: string; path: string }>>('/_sandbox/requests?since=0')).map(
        (r) => `${r.method} ${r.path.replace(/\?.*/, '')}`,
      ),
    gitlab: <T = Json>(path: string) => get<T>(`/api/v4${path}`, { 'private-token': sandbox.gitlabToken }),
    vm: () =>
      get<{ id: string; networkInterfaces: Array<{ networkIP: string }> }>(
        `/compute/v1/projects/${project}/zones/europe-west1-c/instances/gitlab-runner-b`,
      ),
  };
}

const recreates = (requests: string[]) => ({
  deletes: requests.filter((r) => /^DELETE \/compute\/v1\/.*\/instances\/gitlab-runner-b$/.test(r)).length,
  inserts: requests.filter((r) => /^POST \/compute\/v1\/.*\/zones\/europe-west1-c\/instances$/.test(r)).length,
});

suite(SUITE, function () {
  this.timeout(240_000);
  const left = continuation() as Left | undefined;

  if (!left)
    test('interrupted by a window reload right after step 4, the VM recreated', async function () {
      await vscode.extensions.getExtension('runner-ops.runner-ops')!.activate();
      if (!hasUi) this.skip();
      const sandbox = await ui.sandboxProcess();
      const s = remote(sandbox);
      await pointAt(sandbox, { signIn: true });
      const store: FleetStore = api().services.store();
      await Promise.all([store.refresh('workers'), store.refresh('runners')]);
      const runners = await s.gitlab<Array<{ id: number; description: string }>>('/runners/all?per_page=100');
      const runnerId = runners.find((r) => r.description === 'gitlab-runner-b')!.id;
      const oldVmId = (await s.vm()).id;

      // Never awaited: the reload ends this run with its extension host.
      void vscode.commands.executeCommand(COMMAND, { vmName: 'gitlab-runner-b' });
      await eventually(ui.quickPick, (p) => p?.title === 'Re-provision gitlab-runner-b', 30_000);
      await ui.choosePick('Re-provision…');
      await eventually(ui.quickInput, (q) => q.visible && q.title === 'Re-provision gitlab-runner-b', 15_000);
      await ui.typeInput('gitlab-runner-b');
      // Simulated time moves only while the run has not finished step 4: the boot waits for more.
      const done = () => (api().services.context.globalState.get(JOURNAL) as { done?: string[] } | undefined)?.done;
      for (const deadline = Date.now() + 120_000; Date.now() < deadline && !done()?.includes('recreate');) {
        await s.advance(2_000);
        await sleep(300);
      }
      assert.deepEqual(done(), STEPS_BEFORE_RELOAD, 'the journal holds steps 1-4 when the window reloads');

      const paused = await s.gitlab<{ paused: boolean }>(`/runners/${runnerId}`);
      assert.equal(paused.paused, true, 'runner B is paused');
      assert.deepEqual(recreates(await s.requests()), { deletes: 1, inserts: 1 });
      const newVmId = (await s.vm()).id;
      assert.notEqual(newVmId, oldVmId);
      await ui.screenshot('reprovision-before-reload');
      const next: Left = { grep: SUITE, sandbox, runnerId, oldVmId, newVmId };
      await ui.continueAfterReload(next);
    });

  if (left)
    test('after the reload: the offer to resume, accepted, ends with runner B online on the new VM, recreated once', async () => {
      await vscode.extensions.getExtension('runner-ops.runner-ops')!.activate();
      const { sandbox, runnerId, newVmId } = left;
      const s = remote(sandbox);
      const notifications = async () => (await ui.notifications()).join('\n');
      try {
        const offer =
          /Re-provision gitlab-runner-b was interrupted \(window closed or reloaded\) after 4 completed steps\. Resume it\?/;
        assert.match(await eventually(notifications, (text) => offer.test(text), 60_000), offer);
        await ui.screenshot('reprovision-resume-offer');
        await ui.clickNotificationButton('Re-provision gitlab-runner-b was interrupted', 'Resume');

        const ended = /gitlab-runner-b re-provisioned|Re-provision gitlab-runner-b stopped/;
        let shown = '';
        for (let i = 1, deadline = Date.now() + 150_000; Date.now() < deadline && !ended.test(shown); i++) {
          await s.advance(5_000);
          await sleep(300);
          if (i % 4 === 0) shown = await notifications();
        }
        const vm = await s.vm();
        assert.equal(vm.id, newVmId, 'the VM recreated before the reload is the one that serves');
        const ip = vm.networkInterfaces[0].networkIP;
        const managers = await s.gitlab<Array<{ system_id: string; ip_address: string; contacted_at: string }>>(
          `/runners/${runnerId}/managers`,
        );
        const fresh = managers.find((m) => m.ip_address === ip);
        assert.ok(fresh, `a manager from ${ip}: ${JSON.stringify(managers)}`);
        assert.match(
          shown,
          new RegExp(
            `gitlab-runner-b re-provisioned: instance ${newVmId} \\(${ip.replace(/\./g, '\\.')}\\)\\. runner #${runnerId} 'gitlab-runner-b' is online as manager ${fresh.system_id}\\.`,
          ),
        );
        const runner = await s.gitlab<{ paused: boolean; status: string }>(`/runners/${runnerId}`);
        assert.deepEqual([runner.paused, runner.status], [false, 'online']);
        assert.deepEqual(recreates(await s.requests()), { deletes: 1, inserts: 1 }, 'recreated once in all');
        assert.equal(api().services.context.globalState.get(JOURNAL), undefined, 'nothing left to resume');
        await ui.screenshot('reprovision-resumed-after-reload');
      } finally {
        await vscode.commands.executeCommand('runnerOps.signOut');
        await clearSettings(sandbox.settings);
        await ui.stopSandboxProcess();
      }
    });
});
