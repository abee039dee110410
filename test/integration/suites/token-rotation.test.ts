// Runner tokens in the real VS Code against the demo sandbox. Verify flags the stored tokens GitLab
// does not accept (runner-c's worker has a stale one) or that expire soon (runner-b), on the
// config.toml rows and the runners' rows. Rotate Runner Token from the palette resets runner-a's
// token, writes it into its config.toml (only the token changes) under the planned generation,
// and says the runner stays offline until the worker restarts: GitLab shows it offline once its
// online window passes, and online again only after the VM reboots with the new config.toml.
// Reveal Secret asks first. No token ever reaches a row, a notification or the log.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { GoogleSandbox } from '../../sandbox/google/index';
import { eventually, ui, type ViewSnapshot } from '../bridge';
import { answerConfirmations } from '../confirmations';
import { useDemoSandbox } from '../demo-sandbox';

const HOUR = 3_600_000;
const rowsOf = (view: ViewSnapshot) => view.rows.map((r) => `${r.text} — ${r.description}`);
const api = () => vscode.extensions.getExtension('runner-ops.runner-ops')!.exports;

async function untilRows(title: string, accept: (rows: string[]) => boolean, timeoutMs = 20_000) {
  const view = await eventually(
    () => ui.readView(title),
    (v) => accept(rowsOf(v)),
    timeoutMs,
  );
  assert.ok(accept(rowsOf(view)), `${title} shows:\n${rowsOf(view).join('\n')}`);
  return rowsOf(view);
}

suite('Token rotation', function () {
  const sandbox = useDemoSandbox({ signIn: true });
  const google = () => sandbox().world.google as GoogleSandbox;
  const setting = (key: string) => sandbox().settings[`runnerOps.${key}`] as string;
  const storedText = (name: string) => {
    const state = google().state;
    const object = state.storage.find(state.storage.bucket(setting('secrets.bucket')), name);
    return state.kms.decrypt(setting('secrets.kmsKey'), object.data).plaintext.toString('utf8');
  };
  const tokensOf = () => [1, 2, 3].map((id) => sandbox().world.gitlab.runnerToken(id)!);
  const assertNoToken = (texts: string[]) => {
    for (const text of texts) for (const token of tokensOf()) assert.ok(!text.includes(token), `a token in: ${text}`);
    for (const text of texts) assert.doesNotMatch(text, /glrt-/);
  };

  test('Verify flags a stored token GitLab does not accept, and one that expires soon, on both rows', async () => {
    await untilRows('Secrets', (rows) => rows.some((r) => r.startsWith('gitlab-runner-c/config.toml.enc —')));
    const mark = sandbox().requests.mark();
    await vscode.commands.executeCommand('runnerOps.verifyAllSecrets');
    const verifies = sandbox()
      .requests.since(mark)
      .filter((r) => r.path === '/api/v4/runners/verify');
    assert.equal(verifies.length, 3, 'one POST /runners/verify per stored runner token');
    const secrets = await untilRows(
      'Secrets',
      (rows) =>
        rows.some((r) =>
          r.startsWith(
            'gitlab-runner-c/config.toml.enc — decrypts with the primary version · token not accepted by GitLab: runner #3 on gitlab-runner-c cannot connect until its token is rotated · ',
          ),
        ) &&
        rows.some((r) =>
          /^gitlab-runner-b\/config\.toml\.enc — decrypts with the primary version · runner #2's token expires in [23] d/.test(
            r,
          ),
        ) &&
        rows.some((r) => /^gitlab-runner-a\/config\.toml\.enc — decrypts with the primary version · \d/.test(r)),
    );
    const c = (await ui.readView('Secrets')).rows.find((r) => r.text === 'gitlab-runner-c/config.toml.enc')!;
    assert.match(c.icon, /codicon-warning/);
    const runners = await untilRows('Registered Runners', (rows) =>
      rows.some((r) => r.startsWith('#3 gitlab-runner-c — ') && r.includes('token not accepted by GitLab')),
    );
    const notes = await eventually(
      () => ui.notifications(),
      (n) => n.some((t) => /Runner tokens: /.test(t)),
    );
    assert.ok(
      notes.some((t) =>
        /Runner tokens: gitlab-runner-b\/config\.toml\.enc: runner #2's token expires in [23] d/.test(t),
      ),
      notes.join('\n'),
    );
    assertNoToken([...secrets, ...runners, ...notes]);
  });

  test('Rotate Runner Token from the palette: offline until the worker reboots with the new config.toml, then online', async function () {
    this.timeout(120_000);
    await untilRows('Registered Runners', (rows) => rows.some((r) => r.startsWith('#1 gitlab-runner-a — Online')));
    const name = 'runners/gitlab-runner-a/config.toml.enc';
    const before = storedText(name);
    const oldToken = sandbox().world.gitlab.runnerToken(1)!;
    assert.ok(before.includes(oldToken));
    await ui.clearNotifications();
    const mark = sandbox().requests.mark();

    const running = vscode.commands.executeCommand<{ outcome: string; generation?: string }>(
      'runnerOps.rotateRunnerToken',
    );
    const picker = await eventually(
      () => ui.quickPick(),
      (p) => p?.title === 'Rotate the token of which runner?',
    );
    assert.equal(picker?.title, 'Rotate the token of which runner?');
    await ui.choosePick('#1 gitlab-runner-a');
    const input = await eventually(
      () => ui.quickPick(),
      (p) => p?.title === 'Rotate Runner Token',
      20_000,
    );
    assert.equal(input?.title, 'Rotate Runner Token');
    const plan = vscode.window.activeTextEditor?.document.getText() ?? '';
    assert.match(plan, /^# Plan: rotate the token of runner #1 'gitlab-runner-a'/);
    assert.match(plan, /\| Worker VM \| gitlab-runner-a \(europe-west1-b\) \|/);
    assert.match(plan, /The runner stays offline until gitlab-runner-a restarts/);
    assert.equal(
      sandbox()
        .requests.since(mark)
        .filter((r) => r.method !== 'GET' && r.api === 'gitlab').length,
      0,
      'nothing changed before the confirmation',
    );
    await ui.typeInput('gitlab-runner-a');
    const report = await running;
    assert.equal(report.outcome, 'done');

    // What reached the servers: the reset, one guarded upload, GitLab asked about the stored token.
    const sent = sandbox().requests.since(mark);
    assert.ok(sent.some((r) => r.method === 'POST' && r.path === '/api/v4/runners/1/reset_authentication_token'));
    const uploads = sent.filter((r) => r.path.startsWith('/upload/storage/'));
    assert.equal(uploads.length, 1);
    assert.match(uploads[0].path, /ifGenerationMatch=\d+/);
    assert.ok(sent.some((r) => r.method === 'POST' && r.path === '/api/v4/runners/verify'));
    const newToken = sandbox().world.gitlab.runnerToken(1)!;
    assert.notEqual(newToken, oldToken);
    assert.equal(storedText(name), before.replace(oldToken, newToken), 'only the token changed');

    const notes = await eventually(
      () => ui.notifications(),
      (n) => n.some((t) => /stays offline until worker gitlab-runner-a restarts/.test(t)),
    );
    const done = notes.find((t) => /^Rotated the token of runner #1 'gitlab-runner-a'/.test(t)) ?? '';
    assert.match(
      done,
      new RegExp(
        `gitlab-runner-a/config\\.toml\\.enc generation ${report.generation} holds the new token and GitLab accepts it`,
      ),
    );
    const reprovision = (await vscode.commands.getCommands(true)).includes('runnerOps.reprovisionWorker');
    if (!reprovision)
      assert.match(done, /Restart it: gcloud compute instances reset gitlab-runner-a --zone europe-west1-b\./);
    assertNoToken([...notes, plan]);

    // The old token no longer works: once GitLab's online window passes, the runner reads offline.
    sandbox().world.clock.advance(2 * HOUR + 60_000);
    await vscode.commands.executeCommand('runnerOps.refresh');
    await untilRows('Registered Runners', (rows) => rows.some((r) => r.startsWith('#1 gitlab-runner-a — Offline')));

    // The worker reboots (Compute instances.reset), its startup script decrypts the new config.toml.
    const project = setting('gcp.project');
    const reset = await fetch(
      `${sandbox().url}/compute/v1/projects/${project}/zones/europe-west1-b/instances/gitlab-runner-a/reset`,
      { method: 'POST' },
    );
    assert.equal(reset.status, 200);
    sandbox().world.clock.advance(10_000);
    await vscode.commands.executeCommand('runnerOps.refresh');
    const rows = await untilRows('Registered Runners', (r) =>
      r.some((row) => row.startsWith('#1 gitlab-runner-a — Online')),
    );
    assertNoToken(rows);
  });

  test('Reveal Secret asks first; yes opens a read-only in-memory editor, no opens nothing', async () => {
    const store = api().services.secrets();
    const secret = store.state.secrets.find((s: { name: string }) => s.name.endsWith('deploy-key.enc'));
    const asked = answerConfirmations(false);
    assert.equal(await vscode.commands.executeCommand('runnerOps.revealSecret', { secret }), false);
    assert.equal(asked.length, 1);
    assert.match(
      asked[0],
      /^Reveal deploy-key\.enc\? Its decrypted value \(generation \d+\) opens in a read-only editor/,
    );
    assert.ok(!vscode.workspace.textDocuments.some((d) => d.uri.scheme === 'runner-ops-secret'));
    answerConfirmations(true);
    assert.equal(await vscode.commands.executeCommand('runnerOps.revealSecret', { secret }), true);
    const editor = vscode.window.activeTextEditor!;
    assert.equal(editor.document.uri.scheme, 'runner-ops-secret');
    assert.equal(editor.document.isUntitled, false);
    assert.equal(editor.document.getText(), storedText(secret.name));
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });
});
