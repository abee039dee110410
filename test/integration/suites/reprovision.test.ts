// Re-provision Worker in the real VS Code against the demo sandbox: from the palette, worker B is
// recreated while A serves, its running job drained (not killed), its runner checks in from the
// new VM as a new manager and a smoke pipeline passes on it, the audit record written and the
// walkthrough's steps checked; re-provisioning A (the last online runner for `deploy`) is refused
// unless accepted; a boot broken by a bad secret stops at step 5 with the runner paused and said
// so; a run that failed at the check-in resumes from there; the drain timeout's choices (wait
// longer, cancel those jobs, stop here) do what they say; Plan Only changes nothing; an upgrade to
// a new image tag, or to a newer instance template named in the settings, comes back reporting
// the version it names; worker C, in a managed instance group, is recreated by its group and its
// runner comes back online; the walkthrough's steps check themselves on sign-in, on a plan, and
// after a re-provision with its runner online.
import * as assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { FleetStore } from '../../../src/core/fleet-store';
import type { WorkerVm } from '../../../src/core/model';
import type { AuditRecord } from '../../../src/core/reprovision/audit';
import type { GitLabHalf } from '../../sandbox/gitlab/index';
import type { GoogleSandbox } from '../../sandbox/google/index';
import { eventually, ui } from '../bridge';
import { answerConfirmations } from '../confirmations';
import { useDemoSandbox } from '../demo-sandbox';
import { fromPalette } from '../palette';

const api = () => vscode.extensions.getExtension('runner-ops.runner-ops')!.exports;
const store = (): FleetStore => api().services.store();
const COMMAND = 'runnerOps.reprovisionWorker';
type Report = { outcome: string; step?: string; message?: string };

/** POSTs that change nothing: decrypt checks, token verifies, permission tests, waits on an operation. */
const READ_ONLY_POST = /:decrypt|\/runners\/verify$|testIamPermissions|\/operations\/[^/]+\/wait$/;

suite('Re-provision', function () {
  this.timeout(180_000);
  const sandbox = useDemoSandbox({ signIn: true });
  const gitlab = () => sandbox().world.gitlab as GitLabHalf;
  const google = () => sandbox().world.google as GoogleSandbox;
  const runnerNamed = (name: string) => [...gitlab().state.runners.values()].find((r) => r.description === name)!;
  let originalAsk: unknown;
  let asked: string[] = [];
  let auditDir = '';
  const setting = (key: string, value: unknown) =>
    vscode.workspace.getConfiguration('runnerOps').update(key, value, vscode.ConfigurationTarget.Global);

  suiteSetup(async () => {
    originalAsk = api().confirmation.ask;
    await setting('reprovision.drainTimeoutMinutes', 10);
    // The audit file where the team keeps it: asserted whether or not the window has a folder.
    auditDir = await mkdtemp(join(tmpdir(), 'runner-ops-audit-'));
    await setting('reprovision.auditFile', join(auditDir, 'reprovision.jsonl'));
  });
  suiteTeardown(async () => {
    api().confirmation.ask = originalAsk;
    await setting('reprovision.drainTimeoutMinutes', undefined);
    await setting('reprovision.auditFile', undefined);
    await rm(auditDir, { recursive: true, force: true });
  });

  /** The audit file's last record, as a teammate reading the file sees it. */
  async function lastAudit(): Promise<AuditRecord> {
    const text = await readFile(join(auditDir, 'reprovision.jsonl'), 'utf8');
    assert.doesNotMatch(text, /glrt-|glpat-/, 'no token in the audit file');
    const lines = text.trim().split('\n');
    return JSON.parse(lines[lines.length - 1]);
  }
  setup(async () => {
    asked = answerConfirmations(false);
    await ui.clearNotifications();
  });

  async function vmNamed(name: string): Promise<WorkerVm> {
    // A setting a test just put back rebuilds the store: the new one lists the VMs once it loaded them.
    const listed = async () => {
      await store().refresh('workers');
      return store().workers.value?.find((v) => v.name === name);
    };
    const vm = await eventually(listed, (found) => found !== undefined, 20_000);
    assert.ok(vm, `${name} is listed`);
    return vm;
  }

  /** Answers the plan's choice and, when going on, types the VM's name back. */
  async function answerPlan(vmName: string, choice: 'Re-provision…' | 'Plan Only', typeName = true): Promise<void> {
    const picker = await eventually(ui.quickPick, (p) => p?.title === `Re-provision ${vmName}`, 30_000);
    assert.equal(picker?.title, `Re-provision ${vmName}`);
    await ui.choosePick(choice);
    if (choice === 'Plan Only' || !typeName) return;
    await eventually(ui.quickInput, (q) => q.visible && q.title === `Re-provision ${vmName}`, 15_000);
    await ui.typeInput(vmName);
  }

  /** Simulated time runs ahead while the extension waits (drain, boot, check-in). */
  async function whileRunning<T>(promise: Thenable<T>, stepMs = 5_000): Promise<T> {
    let settled = false;
    const result = Promise.resolve(promise).finally(() => (settled = true));
    while (!settled) {
      sandbox().world.clock.advance(stepMs);
      await new Promise((r) => setTimeout(r, 300));
    }
    return result;
  }

  const notifications = async () => (await ui.notifications()).join('\n');

  /** C's stored config.toml carries a token GitLab refused long ago: the operator puts its current one in. */
  function fixConfigOfC(): void {
    const c = runnerNamed('gitlab-runner-c');
    const storage = google().state.storage;
    const bucket = storage.buckets.get(String(sandbox().settings['runnerOps.secrets.bucket']))!;
    const config = `concurrent = 2\n\n[[runners]]\nname = "gitlab-runner-c"\nurl = "${sandbox().url}"\ntoken = "${gitlab().runnerToken(c.id)}"\nexecutor = "shell"\n`;
    const kmsKey = String(sandbox().settings['runnerOps.secrets.kmsKey']);
    storage.write(
      bucket,
      'runners/gitlab-runner-c/config.toml.enc',
      google().state.kms.encrypt(kmsKey, Buffer.from(config)).ciphertext,
    );
  }

  /** Moves simulated time on until a notification matches `pattern` (a run started from the palette has no result to await). */
  async function untilNotified(pattern: RegExp, timeoutMs = 150_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (let i = 1; Date.now() < deadline; i++) {
      sandbox().world.clock.advance(5_000);
      await new Promise((r) => setTimeout(r, 300));
      if (i % 4) continue;
      const shown = await notifications();
      if (pattern.test(shown)) return shown;
    }
    return notifications();
  }

  /**
   * New pipelines on runner-fleet until runner B runs one of their jobs; returns B's running jobs.
   * `longJob`: each pipeline is one 10-minute job, so it outlasts a drain timeout of seconds.
   */
  function giveBAJob(longJob = false) {
    const b = runnerNamed('gitlab-runner-b');
    const project = [...gitlab().state.projects.values()].find((p) => p.path === 'runner-fleet')!;
    const running = () => (gitlab().state.jobsByRunner.get(b.id) ?? []).filter((j) => j.status === 'running');
    const definitions = longJob
      ? [{ ...project.jobDefinitions.find((d) => d.name === 'plan')!, name: 'long-plan', durationSec: 600 }]
      : project.jobDefinitions;
    for (let i = 0; i < 10 && running().length === 0; i++) {
      const now = sandbox().world.clock.now();
      pipelinesAdded.push(gitlab().sim.createPipeline(project, 'main', 'push', 1, now, null, definitions));
      gitlab().tick(now);
    }
    assert.ok(running().length > 0, 'runner B runs a job');
    return running();
  }
  const pipelinesAdded: ReturnType<GitLabHalf['sim']['createPipeline']>[] = [];
  /** Ends the long jobs a test left running, so the next drain has nothing to wait for. */
  const cancelAdded = () => {
    for (const p of pipelinesAdded.splice(0)) gitlab().sim.cancelPipeline(p, sandbox().world.clock.now());
  };

  /** Starts a re-provision of `name` and answers its plan and name; the caller awaits the report. */
  function startUntilDeleted(name: string): Thenable<Report> {
    const report = vmNamed(name).then((vm) => vscode.commands.executeCommand<Report>(COMMAND, { vm }));
    void answerPlan(name, 'Re-provision…');
    return report;
  }

  /** Until the VM's DELETE reached Compute (the recreate step began). */
  const deleted = async (mark: number) => {
    const seen = await eventually(
      async () =>
        sandbox()
          .requests.since(mark)
          .some((r) => r.method === 'DELETE'),
      (found) => found,
      60_000,
    );
    assert.ok(seen, 'the VM was deleted');
  };

  const WALKTHROUGH = 'runner-ops.runner-ops#runnerOps.reprovision';
  /** The walkthrough's steps as the Welcome editor shows them: id -> checked. */
  async function walkthrough(): Promise<Record<string, boolean>> {
    await vscode.commands.executeCommand('workbench.action.openWalkthrough', WALKTHROUGH, false);
    const steps = await ui.walkthroughSteps();
    return Object.fromEntries(steps.map((s) => [s.id, s.checked]));
  }

  test('the walkthrough: connect completes on sign-in, the plan step on a plan with another runner online', async () => {
    await vscode.commands.executeCommand('runnerOps.signOut');
    await vscode.commands.executeCommand('resetGettingStartedProgress');
    // The checklist step is left out: the Bootstrap Checklist view re-runs on its own schedule,
    // so whether its key changes (and checks the step) during this test is not ours to say.
    const steps = (w: Record<string, boolean>) => ({
      connect: w.connect,
      plan: w.plan,
      reprovision: w.reprovision,
      verify: w.verify,
    });
    assert.deepEqual(steps(await walkthrough()), { connect: false, plan: false, reprovision: false, verify: false });
    const signedIn = await vscode.commands.executeCommand<{ ok: boolean }>('runnerOps.signIn', {
      url: sandbox().url,
      token: sandbox().gitlabToken,
    });
    assert.equal(signedIn.ok, true);
    assert.equal((await eventually(walkthrough, (w) => w.connect)).connect, true, 'signed in: connect is checked');
    await ui.screenshot('walkthrough-signed-in');

    const report = vscode.commands.executeCommand<Report>(COMMAND, { vm: await vmNamed('gitlab-runner-b') });
    await answerPlan('gitlab-runner-b', 'Plan Only');
    assert.deepEqual(await report, { outcome: 'planned' });
    const after = await eventually(walkthrough, (w) => w.plan);
    assert.deepEqual(steps(after), { connect: true, plan: true, reprovision: false, verify: false });
    await ui.screenshot('walkthrough-planned');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  test('Plan Only shows the VM, its runner, who serves its tags and the steps, and changes nothing', async () => {
    const mark = sandbox().requests.mark();
    const report = vscode.commands.executeCommand<Report>(COMMAND, { vm: await vmNamed('gitlab-runner-b') });
    await answerPlan('gitlab-runner-b', 'Plan Only');
    assert.deepEqual(await report, { outcome: 'planned' });
    const plan = vscode.window.activeTextEditor?.document.getText() ?? '';
    assert.match(plan, /^# Plan: re-provision gitlab-runner-b/);
    assert.match(plan, /Recreated from\*\* instance template `gitlab-runner-template`/);
    assert.match(plan, /## Runners on this VM\n\n- #\d+ gitlab-runner-b: online; tags gcp, terraform/);
    assert.match(
      plan,
      /## Online runners serving the same tags meanwhile\n\n- #\d+ gitlab-runner-a: tags gcp, terraform, deploy/,
    );
    assert.match(plan, /4\. \*\*Recreate the VM\*\*: `compute\.instances\.delete`, then `compute\.instances\.insert`/);
    // Reads only: GETs, and the Secrets view's KMS decrypt checks (a POST that changes nothing).
    const writes = sandbox()
      .requests.since(mark)
      .filter((r) => r.method !== 'GET' && !READ_ONLY_POST.test(r.path));
    assert.deepEqual(
      writes.map((r) => `${r.method} ${r.path}`),
      [],
    );
  });

  test('refused when it would take the last online runner for a tag offline, unless accepted', async () => {
    const mark = sandbox().requests.mark();
    const report = vscode.commands.executeCommand<Report>(COMMAND, { vm: await vmNamed('gitlab-runner-a') });
    await answerPlan('gitlab-runner-a', 'Re-provision…', false);
    const result = await report;
    assert.equal(result.outcome, 'refused');
    assert.match(
      asked[0],
      /no online runner serves deploy: jobs needing them wait until it is back\. Accept this outage\?/,
    );
    assert.match(
      await notifications(),
      /Re-provisioning gitlab-runner-a refused: it would take the last online runner for deploy offline\. Nothing was changed\./,
    );
    assert.ok(
      !sandbox()
        .requests.since(mark)
        .some((r) => r.method === 'PUT' || r.method === 'DELETE'),
    );
  });

  test('Done when: from the palette, worker B re-provisioned while A serves, its job drained, the smoke pipeline passed on B, runner B online as a new manager, audited, the walkthrough checked', async () => {
    const b = runnerNamed('gitlab-runner-b');
    const a = runnerNamed('gitlab-runner-a');
    const draining = giveBAJob();
    const oldVm = google().state.compute.vm(
      String(sandbox().settings['runnerOps.gcp.project']),
      'europe-west1-c',
      'gitlab-runner-b',
    );
    const [oldId, oldIp, oldSystemId] = [oldVm.id, oldVm.networkIP, oldVm.systemId];
    // The smoke test: a pipeline of version-updater, whose jobs only B's group runner serves.
    await setting('reprovision.smokeTest', { project: 'infra/version-updater', ref: 'main' });
    const updater = [...gitlab().state.projects.values()].find((p) => p.path === 'version-updater')!;
    const mark = sandbox().requests.mark();
    try {
      await fromPalette('Re-provision Worker');
      const vms = await eventually(ui.quickPick, (p) => p?.title === 'Re-provision which runner VM?', 30_000);
      assert.ok(
        vms?.items.some((i) => i.label === 'gitlab-runner-b'),
        JSON.stringify(vms?.items),
      );
      await ui.choosePick('gitlab-runner-b');
      await eventually(ui.quickPick, (p) => p?.title === 'Re-provision gitlab-runner-b', 30_000);
      const plan = vscode.window.activeTextEditor?.document.getText() ?? '';
      assert.match(
        plan,
        /## Online runners serving the same tags meanwhile\n\n- #\d+ gitlab-runner-a: tags gcp, terraform, deploy/,
      );
      assert.match(plan, /8\. \*\*Smoke test\*\*: `POST \/projects\/:id\/pipeline ref=main` in infra\/version-updater/);
      await answerPlan('gitlab-runner-b', 'Re-provision…');
      const shown = await untilNotified(/gitlab-runner-b re-provisioned|Re-provision gitlab-runner-b stopped/);

      const fresh = google().state.compute.vm(
        String(sandbox().settings['runnerOps.gcp.project']),
        'europe-west1-c',
        'gitlab-runner-b',
      );
      assert.notEqual(fresh.id, oldId);
      assert.notEqual(fresh.networkIP, oldIp);
      const smokes = gitlab().state.pipelinesByProject.get(updater.id) ?? [];
      const smoke = smokes[smokes.length - 1];
      assert.match(
        shown,
        new RegExp(
          `gitlab-runner-b re-provisioned: instance ${fresh.id} \\(${fresh.networkIP.replace(/\./g, '\\.')}\\)\\. runner #${b.id} 'gitlab-runner-b' is online as manager ${fresh.systemId}\\. Smoke pipeline #${smoke.id} passed with 2 jobs on runner #${b.id} 'gitlab-runner-b': http\\S+/infra/version-updater/-/pipelines/${smoke.id}\\.`,
        ),
      );

      for (const job of draining)
        assert.equal(gitlab().state.jobs.get(job.id)?.status, 'success', `job #${job.id} ran to the end`);
      const requests = sandbox()
        .requests.since(mark)
        .map((r) => `${r.method} ${r.path.replace(/\?.*/, '')}`);
      const pause = requests.indexOf(`PUT /api/v4/runners/${b.id}`);
      const del = requests.findIndex((r) => /^DELETE \/compute\/v1\/.*\/instances\/gitlab-runner-b$/.test(r));
      assert.ok(pause >= 0 && del > pause, requests.join('\n'));
      assert.ok(
        requests.some((r) => /^POST \/api\/v4\/runners\/verify$/.test(r)),
        'the stored token was verified',
      );
      assert.ok(!requests.includes(`PUT /api/v4/runners/${a.id}`), 'A was left serving');
      assert.equal(a.paused, false);
      // The smoke pipeline reached GitLab once, after the runner was resumed, and ran on B.
      const created = requests.filter((r) =>
        /^POST \/api\/v4\/projects\/(infra%2Fversion-updater|\d+)\/pipeline$/.test(r),
      );
      assert.equal(created.length, 1, requests.join('\n'));
      assert.ok(requests.indexOf(created[0]) > requests.lastIndexOf(`PUT /api/v4/runners/${b.id}`));
      const smokeJobs = smoke.jobIds.map((id) => gitlab().state.jobs.get(id)!);
      assert.deepEqual(
        smokeJobs.map((j) => [j.definition.name, j.status, j.runnerId]),
        [
          ['check-versions', 'success', b.id],
          ['open-merge-request', 'success', b.id],
        ],
      );

      const managers = gitlab().state.managersByRunner.get(b.id) ?? [];
      const added = managers.find((m) => m.systemId === fresh.systemId);
      assert.ok(
        added && added.systemId !== oldSystemId && added.ipAddress === fresh.networkIP,
        JSON.stringify(managers),
      );
      assert.equal(b.paused, false, 'resumed');

      const record = await lastAudit();
      assert.equal(record.outcome, 'done');
      assert.equal(record.user, 'root');
      assert.deepEqual(record.vm, {
        name: 'gitlab-runner-b',
        zone: 'europe-west1-c',
        oldId,
        newId: fresh.id,
        newIp: fresh.networkIP,
      });
      assert.equal(record.via, 'template gitlab-runner-template');
      assert.deepEqual(record.runners, [
        { id: b.id, description: 'gitlab-runner-b', checkedInAs: fresh.systemId, version: '17.11.0' },
      ]);
      assert.deepEqual(
        record.steps.map((step) => step.title),
        [
          'Preflight',
          'Pause the runner',
          'Drain running jobs',
          'Recreate the VM',
          'Watch it boot',
          'Wait for the runner to check in',
          'Resume the runner',
          'Smoke test',
        ],
      );
      for (const step of record.steps)
        assert.ok(Date.parse(step.endedAt!) >= Date.parse(step.startedAt!), `${step.title} has its times`);
      assert.match(record.smokePipeline ?? '', new RegExp(`/infra/version-updater/-/pipelines/${smoke.id}$`));
      await ui.screenshot('reprovision-done');

      // The checklist step: the demo's one red row is C's stale config.toml; fixed, a run from the palette is green.
      fixConfigOfC();
      await fromPalette('Run Bootstrap Checklist');
      const steps = await eventually(walkthrough, (w) => Object.values(w).every(Boolean), 60_000);
      const checklist = await ui.readView('Bootstrap Checklist');
      assert.deepEqual(
        steps,
        { connect: true, checklist: true, plan: true, reprovision: true, verify: true },
        checklist.rows.map((r) => `${r.text} — ${r.description}`).join('\n'),
      );
      await ui.screenshot('walkthrough-reprovisioned-from-palette');
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    } finally {
      await setting('reprovision.smokeTest', undefined);
    }
  });

  test('a broken secret fails the boot: stopped at step 5, the runner left paused and said so; fixed, it resumes to online', async () => {
    const b = runnerNamed('gitlab-runner-b');
    const storage = google().state.storage;
    const bucket = storage.buckets.get(String(sandbox().settings['runnerOps.secrets.bucket']))!;
    const object = 'runners/gitlab-runner-b/config.toml.enc';
    const good = storage.live(bucket, object)!.data;
    const mark = sandbox().requests.mark();
    const report = startUntilDeleted('gitlab-runner-b');
    // Broken after the preflight checked it: the VM's own startup script finds it broken.
    await deleted(mark);
    storage.write(bucket, object, Buffer.from('not ciphertext'));
    const result = await whileRunning(report, 1_000).finally(() => storage.write(bucket, object, good));
    assert.equal(result.outcome, 'failed');
    assert.equal(result.step, 'boot');
    assert.match(
      result.message ?? '',
      /the startup script failed on gitlab-runner-b: ".*startup-script exit status 1"\. Runner #\d+ 'gitlab-runner-b' is paused; VM gitlab-runner-b has been recreated/,
    );
    assert.equal(b.paused, true, 'left paused');
    assert.match(await notifications(), /Re-provision gitlab-runner-b stopped at step 5 of 8 \(Watch it boot\)/);

    const resumed = await whileRunning(
      vscode.commands.executeCommand<Report>(COMMAND, { resume: 'runnerOps.operation:reprovision:gitlab-runner-b' }),
    );
    assert.equal(resumed.outcome, 'done', resumed.message);
    assert.equal(b.paused, false);
  });

  test('a run that fails at the check-in resumes from there without recreating the VM again', async () => {
    const mark = sandbox().requests.mark();
    const report = startUntilDeleted('gitlab-runner-b');
    await deleted(mark);
    sandbox().faults.add('gitlab:/api/v4/runners/*/managers=503');
    const failed = await whileRunning(report, 1_000);
    sandbox().faults.clear();
    assert.equal(failed.outcome, 'failed');
    assert.equal(failed.step, 'checkIn');
    const resumeMark = sandbox().requests.mark();
    const resumed = await whileRunning(
      vscode.commands.executeCommand<Report>(COMMAND, { resume: 'runnerOps.operation:reprovision:gitlab-runner-b' }),
    );
    assert.equal(resumed.outcome, 'done', resumed.message);
    assert.ok(
      !sandbox()
        .requests.since(resumeMark)
        .some((r) => r.method === 'DELETE' || (/\/instances$/.test(r.path.replace(/\?.*/, '')) && r.method === 'POST')),
    );
    assert.equal(runnerNamed('gitlab-runner-b').paused, false);
  });

  /** With a 3 s drain timeout, starts re-provisioning B while it runs a job; returns the run and the picker the timeout shows. */
  async function untilDrainTimeout(jobs: ReturnType<typeof giveBAJob>) {
    await setting('reprovision.drainTimeoutMinutes', 0.05);
    const report = startUntilDeleted('gitlab-runner-b');
    const names = jobs.map((j) => `#${j.id} ${j.definition.name}`).join(', ');
    const title = `Jobs still running on gitlab-runner-b: ${names}`;
    const picker = await eventually(ui.quickPick, (p) => p?.title === title, 30_000);
    assert.equal(picker?.title, title);
    assert.equal(picker?.placeholder, 'The drain timed out. Deleting the VM now would kill them.');
    assert.deepEqual(
      picker?.items.map((i) => `${i.label}: ${i.description}`),
      ['Wait Longer: another drain timeout', 'Cancel Those Jobs: then go on', 'Stop Here: the runner stays paused'],
    );
    return { report, title };
  }

  test('the drain times out: "Wait Longer" asks again later, "Cancel Those Jobs" cancels them in GitLab and goes on', async () => {
    const b = runnerNamed('gitlab-runner-b');
    const jobs = giveBAJob(true);
    const mark = sandbox().requests.mark();
    try {
      const { report, title } = await untilDrainTimeout(jobs);
      await ui.choosePick('Wait Longer');
      await eventually(ui.quickPick, (p) => p?.title !== title, 10_000);
      assert.ok(
        !sandbox()
          .requests.since(mark)
          .some((r) => r.path.endsWith('/cancel')),
        'nothing cancelled yet',
      );
      // Another timeout later, the same question: this time the jobs are cancelled.
      await eventually(ui.quickPick, (p) => p?.title === title, 30_000);
      await ui.choosePick('Cancel Those Jobs');
      const result = await whileRunning(report);
      assert.equal(result.outcome, 'done', result.message);
      const cancels = sandbox()
        .requests.since(mark)
        .filter((r) => r.method === 'POST' && r.path.endsWith('/cancel'))
        .map((r) => `${r.path} ${r.status}`);
      assert.deepEqual(
        cancels,
        jobs.map((j) => `/api/v4/projects/${j.projectId}/jobs/${j.id}/cancel 201`),
      );
      for (const job of jobs) assert.equal(gitlab().state.jobs.get(job.id)?.status, 'canceled');
      const requests = sandbox()
        .requests.since(mark)
        .map((r) => `${r.method} ${r.path}`);
      const cancelled = requests.findIndex((r) => r.endsWith('/cancel'));
      const deleted = requests.findIndex((r) => /^DELETE \/compute\/v1\/.*\/instances\/gitlab-runner-b$/.test(r));
      assert.ok(cancelled >= 0 && deleted > cancelled, 'the VM is deleted only after its jobs were cancelled');
      assert.equal(b.paused, false);
      const record = await lastAudit();
      assert.equal(record.outcome, 'done');
    } finally {
      cancelAdded();
      await setting('reprovision.drainTimeoutMinutes', 10);
    }
  });

  test('the drain times out: "Stop Here" leaves the runner paused and its job running, says so, and offers the roll back', async () => {
    const b = runnerNamed('gitlab-runner-b');
    const jobs = giveBAJob(true);
    const mark = sandbox().requests.mark();
    try {
      const { report } = await untilDrainTimeout(jobs);
      await ui.choosePick('Stop Here');
      const result = await report;
      assert.equal(result.outcome, 'failed');
      assert.equal(result.step, 'drain');
      const names = jobs.map((j) => `#${j.id} ${j.definition.name} \\(infra/runner-fleet\\)`).join(', ');
      const said = new RegExp(
        `Re-provision gitlab-runner-b stopped at step 3 of 8 \\(Drain running jobs\\): stopped by the operator with 1 job still running \\(${names}\\)\\. Runner #${b.id} 'gitlab-runner-b' stays paused; resume it, or run the command again to keep draining\\.`,
      );
      assert.match(result.message ?? '', /stopped by the operator with 1 job still running/);
      assert.match(await notifications(), said);
      // What reached GitLab and Compute: the pause, and nothing that kills the job.
      assert.equal(b.paused, true, 'left paused');
      for (const job of jobs) assert.equal(gitlab().state.jobs.get(job.id)?.status, 'running', 'its job still runs');
      const writes = sandbox()
        .requests.since(mark)
        .filter((r) => r.method !== 'GET' && !READ_ONLY_POST.test(r.path))
        .map((r) => `${r.method} ${r.path}`);
      // The VM's claim label, set at the preflight and removed on the stop, is the only Compute write.
      assert.deepEqual(
        writes.filter((w) => !w.endsWith('/gitlab-runner-b/setLabels')),
        [`PUT /api/v4/runners/${b.id}`],
      );
      const record = await lastAudit();
      assert.equal(record.outcome, 'failed');
      assert.equal(record.stopped?.step, 'drain');

      // The way back it offers: the runner resumed, the VM never touched.
      await ui.clickNotificationButton(
        'Re-provision gitlab-runner-b stopped at step 3',
        'Roll Back (resume the runner)',
      );
      await eventually(
        notifications,
        (text) => /Re-provision gitlab-runner-b rolled back: runner #\d+ 'gitlab-runner-b' resumed/.test(text),
        20_000,
      );
      assert.equal(b.paused, false);
      assert.ok(
        !sandbox()
          .requests.since(mark)
          .some((r) => r.method === 'DELETE'),
      );
    } finally {
      cancelAdded();
      await setting('reprovision.drainTimeoutMinutes', 10);
    }
  });

  test('worker C in its managed instance group: recreated by the group, its runner online on the new VM as a new manager', async () => {
    const c = runnerNamed('gitlab-runner-c');
    const project = String(sandbox().settings['runnerOps.gcp.project']);
    fixConfigOfC();
    const old = google().state.compute.vm(project, 'europe-west1-b', 'gitlab-runner-c');
    const [oldId, oldIp] = [old.id, old.networkIP];
    // Nobody else serves `docker`: the outage is accepted.
    asked = answerConfirmations(true);
    const mark = sandbox().requests.mark();
    const report = vscode.commands.executeCommand<Report>(COMMAND, { vm: await vmNamed('gitlab-runner-c') });
    await eventually(ui.quickPick, (p) => p?.title === 'Re-provision gitlab-runner-c', 30_000);
    const plan = vscode.window.activeTextEditor?.document.getText() ?? '';
    assert.match(plan, /Recreated by\*\* its managed instance group `gitlab-runner-mig`/);
    assert.deepEqual(
      (await ui.quickPick())?.items.map((i) => i.label),
      ['Re-provision…', 'Plan Only'],
      'a group member takes its version from the group template',
    );
    await answerPlan('gitlab-runner-c', 'Re-provision…');
    const result = await whileRunning(report);
    assert.equal(result.outcome, 'done', result.message);
    assert.match(asked[0] ?? '', /no online runner serves docker/);

    const requests = sandbox()
      .requests.since(mark)
      .map((r) => `${r.method} ${r.path.replace(/\?.*/, '')}`);
    assert.ok(
      requests.some((r) =>
        /^POST \/compute\/v1\/.*\/instanceGroupManagers\/gitlab-runner-mig\/recreateInstances$/.test(r),
      ),
      requests.join('\n'),
    );
    assert.ok(!requests.some((r) => r.startsWith('DELETE /compute/')), 'the group deletes its instance, not us');
    const fresh = google().state.compute.vm(project, 'europe-west1-b', 'gitlab-runner-c');
    assert.notEqual(fresh.id, oldId);
    assert.notEqual(fresh.networkIP, oldIp);
    const added = (gitlab().state.managersByRunner.get(c.id) ?? []).find((m) => m.systemId === fresh.systemId);
    assert.ok(added && added.ipAddress === fresh.networkIP, 'a new manager from the new VM');
    assert.equal(c.paused, false);
    assert.match(result.message ?? '', /runner #\d+ 'gitlab-runner-c' is online as manager/);
    await ui.screenshot('reprovision-group-done');
  });

  test('an upgrade asked in the flow: the plan shows v17.11.0 -> v17.11.1, and worker B comes back reporting 17.11.1', async () => {
    const b = runnerNamed('gitlab-runner-b');
    const report = vscode.commands.executeCommand<Report>(COMMAND, { vm: await vmNamed('gitlab-runner-b') });
    await eventually(ui.quickPick, (p) => p?.title === 'Re-provision gitlab-runner-b', 30_000);
    assert.match(
      vscode.window.activeTextEditor?.document.getText() ?? '',
      /Runner version\*\* \(metadata `runner-image-tag`\): v17\.11\.0 \(gitlab-runner 17\.11\.0\), unchanged/,
    );
    await ui.choosePick('Change the Runner Version…');
    const input = await eventually(
      ui.quickInput,
      (q) => q.visible && q.title === 'Runner image tag for gitlab-runner-b',
    );
    assert.equal(input.value, 'v17.11.0');
    await ui.typeInput('v17.11.1');
    await eventually(
      async () => vscode.window.activeTextEditor?.document.getText() ?? '',
      (text) => /→ v17\.11\.1/.test(text),
      15_000,
    );
    const plan = vscode.window.activeTextEditor?.document.getText() ?? '';
    assert.match(plan, /v17\.11\.0 \(gitlab-runner 17\.11\.0\) → v17\.11\.1 \(gitlab-runner 17\.11\.1\)/);
    assert.match(plan, /after the recreate, reporting gitlab-runner 17\.11\.1/);
    await ui.screenshot('reprovision-upgrade-plan');
    await answerPlan('gitlab-runner-b', 'Re-provision…');
    const result = await whileRunning(report);
    assert.equal(result.outcome, 'done', result.message);

    const fresh = google().state.compute.vm(
      String(sandbox().settings['runnerOps.gcp.project']),
      'europe-west1-c',
      'gitlab-runner-b',
    );
    assert.equal(fresh.spec.metadata.find((m) => m.key === 'runner-image-tag')?.value, 'v17.11.1');
    const added = (gitlab().state.managersByRunner.get(b.id) ?? []).find((m) => m.systemId === fresh.systemId);
    assert.equal(added?.version, '17.11.1');
    assert.equal(b.paused, false);
    const record = await lastAudit();
    assert.deepEqual(record.imageTag, { before: 'v17.11.0', after: 'v17.11.1' });
    assert.equal(record.runners[0].version, '17.11.1');
  });

  test('a newer instance template named in the settings, from the palette: the plan shows the switch, the new VM gets its metadata and keeps its name, zone and labels', async () => {
    const b = runnerNamed('gitlab-runner-b');
    const project = String(sandbox().settings['runnerOps.gcp.project']);
    const compute = google().state.compute;
    const current = compute.template(project, 'gitlab-runner-template');
    const spec = structuredClone(current.spec);
    spec.metadata = spec.metadata.map((m) => (m.key === 'runner-image-tag' ? { ...m, value: 'v17.12.0' } : m));
    spec.metadata.push({ key: 'runner-concurrency', value: '4' });
    compute.addTemplate(project, 'gitlab-runner-template-v2', spec);
    const old = compute.vm(project, 'europe-west1-c', 'gitlab-runner-b');
    const [oldId, oldLabels] = [old.id, { ...old.spec.labels }];
    const oldTeam = old.spec.metadata.find((m) => m.key === 'kms-key')?.value;
    await setting('reprovision.instanceTemplate', 'gitlab-runner-template-v2');
    try {
      await fromPalette('Re-provision Worker');
      await eventually(ui.quickPick, (p) => p?.title === 'Re-provision which runner VM?', 30_000);
      await ui.choosePick('gitlab-runner-b');
      await eventually(ui.quickPick, (p) => p?.title === 'Re-provision gitlab-runner-b', 30_000);
      const plan = vscode.window.activeTextEditor?.document.getText() ?? '';
      assert.match(
        plan,
        /Recreated from\*\* a newer instance template: its own \(not recorded on the VM\) → `gitlab-runner-template-v2`: deleted, then inserted from `gitlab-runner-template-v2` with the same name, zone and labels; the new template's metadata replaces the VM's/,
      );
      assert.match(plan, /v17\.11\.1 \(gitlab-runner 17\.11\.1\) → v17\.12\.0 \(gitlab-runner 17\.12\.0\)/);
      assert.match(plan, /after the recreate, reporting gitlab-runner 17\.12\.0/);
      await ui.screenshot('reprovision-template-plan');
      await answerPlan('gitlab-runner-b', 'Re-provision…');
      await untilNotified(/gitlab-runner-b re-provisioned|Re-provision gitlab-runner-b stopped/);

      const fresh = compute.vm(project, 'europe-west1-c', 'gitlab-runner-b');
      assert.notEqual(fresh.id, oldId);
      assert.equal(fresh.zone, 'europe-west1-c');
      assert.deepEqual(fresh.spec.labels, oldLabels, 'labels kept');
      const metadata = Object.fromEntries(fresh.spec.metadata.map((m) => [m.key, m.value]));
      assert.equal(metadata['runner-image-tag'], 'v17.12.0', "the template's tag");
      assert.equal(metadata['runner-concurrency'], '4', "the template's new key");
      assert.equal(metadata['kms-key'], oldTeam);
      const added = (gitlab().state.managersByRunner.get(b.id) ?? []).find((m) => m.systemId === fresh.systemId);
      assert.equal(added?.version, '17.12.0');
      assert.equal(b.paused, false);
      const record = await lastAudit();
      assert.equal(record.outcome, 'done');
      assert.equal(record.via, 'template gitlab-runner-template-v2');
      assert.deepEqual(record.imageTag, { before: 'v17.11.1', after: 'v17.12.0' });
      assert.match(await notifications(), new RegExp(`gitlab-runner-b re-provisioned: instance ${fresh.id} `));
    } finally {
      await setting('reprovision.instanceTemplate', undefined);
      compute.templates.delete(`${project}/gitlab-runner-template-v2`);
    }
  });

  test('the walkthrough after the re-provisions above: re-provision and verify are checked', async () => {
    const steps = await eventually(walkthrough, (w) => w.reprovision && w.verify);
    assert.deepEqual(
      { reprovision: steps.reprovision, verify: steps.verify },
      { reprovision: true, verify: true },
      JSON.stringify(steps),
    );
    await ui.screenshot('walkthrough-reprovisioned');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });
});
