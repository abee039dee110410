// The Bootstrap Checklist in the real workbench against the demo sandbox: signed out, the
// GitLab row fails with "Sign in" while the Google checks run; signed in, the demo's stale
// config.toml (a token GitLab refuses) fails the secrets row and its runner offline on a running
// VM warns, with their fixes, and a run from the palette ends with a message that says so; a
// missing key fails its row with the gcloud command that creates it.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { CheckResult } from '../../../src/core/checklist';
import { startSandbox, type Sandbox } from '../../sandbox/server';
import { eventually, hasUi, ui, type ViewSnapshot } from '../bridge';
import { applySettings, clearSettings } from '../settings';

const TITLE = 'Bootstrap Checklist';
const rowsOf = (view: ViewSnapshot) => view.rows.map((r) => `${r.text} — ${r.description}`);
const untilView = (accept: (view: ViewSnapshot) => boolean, timeoutMs = 30_000) =>
  eventually(() => ui.readView(TITLE), accept, timeoutMs).then((v) => {
    assert.ok(accept(v), `${TITLE} shows:\n${rowsOf(v).join('\n')}\n${v.welcome}`);
    return v;
  });
const row = (view: ViewSnapshot, text: string) => view.rows.find((r) => r.text === text);
/** A whole run shown: results come in as each check settles, under "Running the other checks…", then the summary. */
const finished = (view: ViewSnapshot) =>
  row(view, 'Summary') !== undefined && !view.rows.some((r) => r.text.startsWith('Running'));
const TITLES = [
  'Summary',
  'GitLab access',
  'Google Cloud credentials',
  'KMS key ring',
  'KMS key',
  'Secrets bucket',
  'Encrypted secrets',
  'Registered runner',
  'Worker VM',
  'Pipeline schedules',
];

suite('Checklist', function () {
  let sandbox: Sandbox;

  suiteSetup(async function () {
    await vscode.extensions.getExtension('runner-ops.runner-ops')!.activate();
    if (!hasUi) this.skip();
    sandbox = await startSandbox({ seed: 'demo' });
    await applySettings(sandbox.settings);
    await ui.clearNotifications();
    await ui.openContainer();
  });

  suiteTeardown(async () => {
    if (!sandbox) return;
    await vscode.commands.executeCommand('runnerOps.signOut');
    await clearSettings(sandbox.settings);
    await sandbox.close();
  });

  test('signed out: the GitLab row fails with Sign in, the Google rows still pass, the runner row is skipped', async () => {
    const view = await untilView(
      (v) =>
        finished(v) &&
        row(v, 'GitLab access')?.description.startsWith('Not signed in') === true &&
        row(v, 'KMS key')?.icon.includes('codicon-pass-filled') === true,
    );
    assert.deepEqual(
      view.rows.map((r) => r.text),
      TITLES,
    );
    assert.equal(view.welcome, '', 'no welcome hides the rows');
    assert.match(row(view, 'GitLab access')!.icon, /codicon-error/);
    assert.match(row(view, 'GitLab access')!.label, /Fix: Sign in to GitLab/);
    assert.match(row(view, 'Registered runner')!.icon, /codicon-circle-slash/);
    assert.equal(row(view, 'Registered runner')!.description, 'Skipped because GitLab access failed.');
  });

  test('signed in while a run still reads: the "Not signed in" read before is gone at once, the signed-in answer follows', async () => {
    await untilView((v) => row(v, 'GitLab access')?.description.startsWith('Not signed in') === true);
    sandbox.faults.add('storage:*=latency:5000');
    try {
      void vscode.commands.executeCommand('runnerOps.refresh'); // a run under way, slowed by Cloud Storage
      const signedIn = await vscode.commands.executeCommand<{ ok: boolean }>('runnerOps.signIn', {
        url: sandbox.url,
        token: sandbox.gitlabToken,
      });
      assert.equal(signedIn.ok, true);
      // Well before the slowed run could end: what it read signed out no longer shows.
      await untilView((v) => !v.rows.some((r) => r.description.startsWith('Not signed in')), 2_500);
    } finally {
      sandbox.faults.clear();
    }
    const view = await untilView((v) => row(v, 'GitLab access')?.description.startsWith('Signed in to') === true);
    assert.ok(!rowsOf(view).some((r) => r.includes('Not signed in')), rowsOf(view).join('\n'));
    await ui.clearNotifications();
  });

  test('signed in to the demo fleet: the stale config.toml fails, the offline runner warns, the rest pass', async () => {
    const signedIn = await vscode.commands.executeCommand<{ ok: boolean }>('runnerOps.signIn', {
      url: sandbox.url,
      token: sandbox.gitlabToken,
    });
    assert.equal(signedIn.ok, true);
    await ui.clearNotifications();
    const expected = (text: string) =>
      text === 'Summary'
        ? 'codicon-checklist'
        : text === 'Encrypted secrets'
          ? 'codicon-error'
          : text === 'Registered runner'
            ? 'codicon-warning'
            : 'codicon-pass-filled';
    const view = await untilView(
      (v) => finished(v) && v.rows.length === 10 && v.rows.every((r) => r.icon.includes(expected(r.text))),
    );
    assert.match(row(view, 'Summary')!.description, /^7 passed, 1 warning, 1 failed · checked in \d+(\.\d)? m?s$/);
    assert.match(
      row(view, 'GitLab access')!.description,
      /^Signed in to http:\/\/127\.0\.0\.1:\d+ as @\S+ · scopes api · 2 projects reachable$/,
    );
    const runner = row(view, 'Registered runner')!;
    assert.match(
      runner.description,
      /^Runner #3 'gitlab-runner-c' has not contacted GitLab for \d+ (min|h|d) although its VM gitlab-runner-c is running\. /,
    );
    assert.match(runner.label, /^Registered runner: Warning\. /);
    assert.match(
      runner.label,
      /gcloud compute ssh gitlab-runner-c --zone \S+ --project \S+ --command "sudo docker restart gitlab-runner"/,
    );
    const secrets = row(view, 'Encrypted secrets')!;
    assert.match(
      secrets.description,
      /^gitlab-runner-c\/config\.toml\.enc: GitLab refuses the token of runner "gitlab-runner-c" \(POST \/runners\/verify: 403\)\. sa-key\.json\.enc is under an older key version, not the primary\. /,
    );
    assert.match(secrets.label, /Register the runner again \(or reset its token in GitLab\)/);
    assert.match(
      row(view, 'Worker VM')!.description,
      /^Template gitlab-runner-template fetches from gs:\/\/\S+ and decrypts with its key · 3 VMs RUNNING: /,
    );
    await ui.screenshot('checklist-warnings');
  });

  test('run from the palette: the result message names the counts, the failure and the warning', async () => {
    await ui.clearNotifications();
    const results = await vscode.commands.executeCommand<CheckResult[]>('runnerOps.runChecklist');
    assert.deepEqual(
      results.map((r) => `${r.id}:${r.outcome}`),
      [
        'gitlab:pass',
        'gcp:pass',
        'keyRing:pass',
        'key:pass',
        'bucket:pass',
        'secrets:fail',
        'runner:warn',
        'worker:pass',
        'schedules:pass',
      ],
    );
    const notes = await eventually(
      () => ui.notifications(),
      (n) => n.some((t) => t.startsWith('Bootstrap checklist:')),
    );
    const message = notes.find((t) => t.startsWith('Bootstrap checklist:'));
    assert.ok(message, notes.join('\n'));
    assert.match(
      message,
      /^Bootstrap checklist: 7 passed, 1 warning, 1 failed — Encrypted secrets: gitlab-runner-c\/config\.toml\.enc: GitLab refuses the token of runner "gitlab-runner-c" .* — Registered runner: Runner #3 'gitlab-runner-c' has not contacted GitLab for /,
    );
    await ui.clearNotifications();
  });

  test('a kmsKey naming a missing key fails the key row with the gcloud command that creates it', async () => {
    const missing = (sandbox.settings['runnerOps.secrets.kmsKey'] as string).replace(
      /cryptoKeys\/.*$/,
      'cryptoKeys/missing-key',
    );
    await vscode.workspace
      .getConfiguration('runnerOps')
      .update('secrets.kmsKey', missing, vscode.ConfigurationTarget.Global);
    const view = await untilView((v) => row(v, 'KMS key')?.icon.includes('codicon-error') === true);
    const key = row(view, 'KMS key')!;
    assert.match(key.description, /^Key missing-key does not exist in key ring /);
    assert.match(
      key.label,
      /Create it: gcloud kms keys create missing-key --keyring \S+ --location \S+ --project \S+ --purpose encryption --rotation-period 90d --next-rotation-time \d{4}-/,
    );
    assert.match(row(view, 'KMS key ring')!.icon, /codicon-pass-filled/);
    await ui.screenshot('checklist-missing-key');
    await vscode.workspace
      .getConfiguration('runnerOps')
      .update('secrets.kmsKey', sandbox.settings['runnerOps.secrets.kmsKey'], vscode.ConfigurationTarget.Global);
    await untilView((v) => row(v, 'KMS key')?.icon.includes('codicon-pass-filled') === true);
  });
});
