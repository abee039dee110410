// The Secrets view in the real VS Code against the demo sandbox: one row per encrypted object
// (with generations), shown even while signed out of GitLab; Verify All reports per secret which
// key version decrypts it; a disabled version reads "cannot be decrypted"; versioning off is
// warned. Replace Secret writes a new generation only over the one its plan showed. No plaintext
// ever reaches a row or a notification.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { SecretObject, SecretsStore } from '../../../src/core/secrets';
import type { GoogleSandbox } from '../../sandbox/google/index';
import { startSandbox, type Sandbox } from '../../sandbox/server';
import { eventually, hasUi, ui, type ViewSnapshot } from '../bridge';
import { answerConfirmations } from '../confirmations';
import { addSandboxSecrets, LeakScan } from '../leak-scan';
import { applySettings, clearSettings } from '../settings';

const rowsOf = (view: ViewSnapshot) => view.rows.map((r) => `${r.text} — ${r.description}`);
const untilRows = (accept: (rows: string[]) => boolean, timeoutMs = 20_000) =>
  eventually(
    () => ui.readView('Secrets'),
    (v) => accept(rowsOf(v)),
    timeoutMs,
  ).then((v) => {
    assert.ok(accept(rowsOf(v)), `Secrets shows:\n${rowsOf(v).join('\n')}\nwelcome: ${v.welcome}`);
    return v;
  });
/** Bits of the seeded plaintexts (SSH/SA private keys, runner tokens) that must never show. */
const PLAINTEXT = /PRIVATE KEY|BEGIN |glrt-|service_account|client_email|concurrent\s*=/;

const api = () => vscode.extensions.getExtension('runner-ops.runner-ops')!.exports;

function assertNoPlaintext(view: ViewSnapshot, notes: string[]): void {
  for (const r of view.rows) assert.doesNotMatch(`${r.text} ${r.description} ${r.label}`, PLAINTEXT);
  for (const n of notes) assert.doesNotMatch(n, PLAINTEXT);
}

suite('Secrets', function () {
  let sandbox: Sandbox;
  const leaks = new LeakScan();
  let google: GoogleSandbox;
  const store = (): SecretsStore => api().services.secrets();
  const setting = (key: 'bucket' | 'prefix' | 'kmsKey') => sandbox.settings[`runnerOps.secrets.${key}`] as string;
  /** What the bucket holds for `name` (the current or one generation), decrypted by the sandbox's KMS. */
  const storedText = (name: string, generation?: string) => {
    const object = google.state.storage.find(google.state.storage.bucket(setting('bucket')), name, generation);
    return google.state.kms.decrypt(setting('kmsKey'), object.data).plaintext.toString('utf8');
  };

  suiteSetup(async function () {
    await vscode.extensions.getExtension('runner-ops.runner-ops')!.activate();
    if (!hasUi) this.skip();
    sandbox = await startSandbox({ seed: 'demo' });
    google = sandbox.world.google as GoogleSandbox;
    addSandboxSecrets(leaks, sandbox);
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

  test('rows list each secret with size, age and versions, even signed out of GitLab', async () => {
    const view = await untilRows(
      (rows) =>
        rows.some((r) => r.startsWith('deploy-key.enc —')) && rows.some((r) => r.startsWith('sa-key.json.enc —')),
    );
    const rows = rowsOf(view);
    const bucket = sandbox.settings['runnerOps.secrets.bucket'] as string;
    assert.ok(
      rows.some((r) => r.startsWith(`gs://${bucket}/runners/ — versioning on · `)),
      rows.join('\n'),
    );
    assert.ok(
      rows.some((r) => /^deploy-key\.enc — \d+(\.\d)? (B|KB) · updated (just now|.* ago)$/.test(r)),
      rows.join('\n'),
    );
    assert.ok(
      rows.some((r) => /^gitlab-runner-a\/config\.toml\.enc — .* · 2 versions$/.test(r)),
      rows.join('\n'),
    );
    assert.equal(view.welcome, '');
  });

  test('Verify All: the deploy key decrypts with the primary version, the SA key with an older one', async () => {
    const signedIn = await vscode.commands.executeCommand<{ ok: boolean }>('runnerOps.signIn', {
      url: sandbox.url,
      token: sandbox.gitlabToken,
    });
    assert.equal(signedIn.ok, true);
    await untilRows((rows) => rows.some((r) => r.startsWith('deploy-key.enc —')));
    // Signing in re-runs the Bootstrap Checklist, which decrypt-checks the secrets too: let it finish first.
    await eventually(
      () => ui.readView('Bootstrap Checklist'),
      (v) =>
        /^Runner #3 /.test(v.rows.find((r) => r.text === 'Registered runner')?.description ?? '') &&
        v.rows.some((r) => r.text === 'Summary') && // the whole run, not the results settled so far
        !v.rows.some((r) => r.text.startsWith('Running')),
      20_000,
    );
    const mark = sandbox.requests.mark();
    const results =
      await vscode.commands.executeCommand<Array<{ name: string; result: { outcome: string } }>>(
        'runnerOps.verifyAllSecrets',
      );
    assert.ok(results && results.length >= 4, JSON.stringify(results));
    const decrypts = sandbox.requests.since(mark).filter((r) => r.path.includes(':decrypt'));
    assert.equal(decrypts.length, results.length, 'one decrypt per secret');
    const view = await untilRows(
      (rows) =>
        rows.some((r) => r.startsWith('deploy-key.enc — decrypts with the primary version · ')) &&
        rows.some((r) =>
          r.startsWith('sa-key.json.enc — decrypts with an older key version (re-encrypt on rotation) · '),
        ),
    );
    const sa = view.rows.find((r) => r.text === 'sa-key.json.enc')!;
    assert.match(sa.icon, /codicon-warning/);
    const deploy = view.rows.find((r) => r.text === 'deploy-key.enc')!;
    assert.match(deploy.icon, /codicon-pass/);
    const notes = await eventually(
      () => ui.notifications(),
      (n) => n.some((t) => /secrets verified/.test(t)),
    );
    assert.ok(
      notes.some((t) =>
        /\d secrets verified: \d decrypt with the primary key version; 1 only with an older version \(sa-key\.json\.enc: re-encrypt it\)\./.test(
          t,
        ),
      ),
      notes.join('\n'),
    );
    assertNoPlaintext(view, notes);
    await ui.clearNotifications();
  });

  test('a disabled key version: the secret "cannot be decrypted", and says which version', async () => {
    const key = google.state.kms.key(sandbox.settings['runnerOps.secrets.kmsKey'] as string);
    google.state.kms.setVersionState(key, key.versions[0], 'DISABLED');
    try {
      await vscode.commands.executeCommand('runnerOps.verifyAllSecrets');
      const view = await untilRows((rows) =>
        rows.some((r) => r.startsWith('sa-key.json.enc — cannot be decrypted: key version 1 is disabled')),
      );
      assert.match(view.rows.find((r) => r.text === 'sa-key.json.enc')!.icon, /codicon-error/);
      const notes = await ui.notifications();
      assertNoPlaintext(view, notes);
    } finally {
      google.state.kms.setVersionState(key, key.versions[0], 'ENABLED');
      await ui.clearNotifications();
    }
  });

  test('refresh clears the outcomes; versioning off is a warning row', async () => {
    const bucket = google.state.storage.bucket(sandbox.settings['runnerOps.secrets.bucket'] as string);
    bucket.versioning = false;
    try {
      await vscode.commands.executeCommand('runnerOps.refresh');
      const view = await untilRows((rows) =>
        rows.some((r) => r.startsWith('Versioning is off: a bad rotation cannot be rolled back')),
      );
      assert.ok(
        rowsOf(view).every((r) => !/decrypts|cannot be decrypted/.test(r)),
        rowsOf(view).join('\n'),
      );
    } finally {
      bucket.versioning = true;
    }
    await vscode.commands.executeCommand('runnerOps.refresh');
    await untilRows((rows) => rows.some((r) => r.includes('versioning on')));
  });

  test('a missing bucket is an error row that names the setting', async () => {
    const bucket = sandbox.settings['runnerOps.secrets.bucket'] as string;
    await vscode.workspace
      .getConfiguration()
      .update('runnerOps.secrets.bucket', 'no-such-bucket', vscode.ConfigurationTarget.Global);
    try {
      // The first row once settled: a read of the tree mid-redraw can mix the old rows and the new.
      const view = await eventually(
        () => ui.readView('Secrets'),
        (v) => /not found/.test(rowsOf(v)[0] ?? '') && /codicon-error/.test(v.rows[0]?.icon ?? ''),
        20_000,
      );
      assert.match(rowsOf(view)[0], /not found/, rowsOf(view).join('\n'));
      assert.match(view.rows[0].icon, /codicon-error/);
    } finally {
      await vscode.workspace
        .getConfiguration()
        .update('runnerOps.secrets.bucket', bucket, vscode.ConfigurationTarget.Global);
    }
    await untilRows((rows) => rows.some((r) => r.startsWith('deploy-key.enc —')));
  });

  test('Replace Secret: confirmed plan, new generation in the bucket decrypting to the value; refusals and 412s write nothing', async () => {
    const originalAsk = api().confirmation.ask;
    const name = `${setting('prefix')}gitlab-runner-a/config.toml.enc`;
    const current = async (): Promise<SecretObject> => {
      await store().refresh();
      return store().state.secrets!.find((s) => s.name === name)!;
    };
    const TOKEN = 'glrt-REPLACED-in-the-integration-suite';
    const value = `concurrent = 1\n\n[[runners]]\nname = "gitlab-runner-a"\nurl = "${sandbox.url}"\ntoken = "${TOKEN}"\nexecutor = "shell"\n`;
    const leaks = (texts: string[]) => texts.filter((t) => t.includes(TOKEN) || t.includes('glrt-'));
    try {
      await ui.clearNotifications();
      // Refused before any call: invalid TOML, named by its line.
      let asked = answerConfirmations(true);
      let mark = sandbox.requests.mark();
      const refused = await vscode.commands.executeCommand<{ outcome: string }>(
        'runnerOps.updateSecret',
        { secret: await current() },
        { text: `[[runners]]\ntoken = ${TOKEN}\n` },
      );
      assert.equal(refused.outcome, 'refused');
      assert.equal(asked.length, 0, 'no plan for a value that cannot be stored');
      assert.equal(sandbox.requests.since(mark).filter((r) => /encrypt|upload/.test(r.path)).length, 0);

      // Replaced: the plan names the generation it replaces; the bucket holds the new value, encrypted.
      const before = await current();
      mark = sandbox.requests.mark();
      const replaced = await vscode.commands.executeCommand<{ outcome: string; generation: string }>(
        'runnerOps.updateSecret',
        { secret: before },
        { text: value },
      );
      assert.equal(replaced.outcome, 'written');
      assert.equal(asked.length, 1);
      assert.match(asked[0], /^Replace gitlab-runner-a\/config\.toml\.enc\?/);
      assert.ok(asked[0].includes(`It replaces generation ${before.current.generation} (written `), asked[0]);
      assert.equal(storedText(name), value);
      const upload = sandbox.requests.since(mark).find((r) => r.path.startsWith('/upload/storage/'))!;
      assert.ok(upload.path.includes(`ifGenerationMatch=${before.current.generation}`), upload.path);
      const view = await untilRows((rows) =>
        rows.some((r) => /^gitlab-runner-a\/config\.toml\.enc — .* · 3 versions$/.test(r)),
      );

      // Stale plan: someone wrote since; nothing is overwritten and the message says who is current.
      const stale = await current();
      const theirs = google.state.kms.encrypt(setting('kmsKey'), Buffer.from('concurrent = 2\n')).ciphertext;
      const written = google.state.storage.write(google.state.storage.bucket(setting('bucket')), name, theirs);
      asked = answerConfirmations(true);
      const conflict = await vscode.commands.executeCommand<{ outcome: string }>(
        'runnerOps.updateSecret',
        { secret: stale },
        { text: value },
      );
      assert.equal(conflict.outcome, 'conflict');
      assert.equal(storedText(name), 'concurrent = 2\n', 'their write stays current');

      const notes = await eventually(
        () => ui.notifications(),
        (n) =>
          n.some((t) => /^Replaced gitlab-runner-a\/config\.toml\.enc: generation \d+ is current/.test(t)) &&
          n.some((t) => t.includes(`someone else changed it since the plan. Generation ${written.generation}`)) &&
          n.some((t) => /not valid TOML: line 2, column \d+/.test(t)),
      );
      assert.ok(
        notes.some((t) => t.startsWith(`Replaced gitlab-runner-a/config.toml.enc: generation ${replaced.generation} `)),
        notes.join('\n'),
      );
      assert.ok(
        notes.some((t) => t.includes(`Generation ${written.generation} (written `)),
        notes.join('\n'),
      );
      assert.ok(
        notes.some((t) => /not valid TOML: line 2, column \d+/.test(t)),
        notes.join('\n'),
      );
      assert.deepEqual(leaks([...notes, ...asked]), [], 'no notification or question shows the value');
      assertNoPlaintext(view, notes);
    } finally {
      api().confirmation.ask = originalAsk;
      await ui.clearNotifications();
    }
  });

  test('Roll Back: an older generation row becomes current again after the confirmed plan', async () => {
    const originalAsk = api().confirmation.ask;
    const name = `${setting('prefix')}gitlab-runner-b/config.toml.enc`;
    const text = (generation?: string) => storedText(name, generation);
    try {
      await store().refresh();
      const secret = store().state.secrets!.find((s) => s.name === name)!;
      const older = secret.generations.find((g) => g.deletedAt !== undefined)!;
      assert.notEqual(text(), text(older.generation), 'the demo rewrote the config: the two generations differ');
      const asked = answerConfirmations(true);
      const mark = sandbox.requests.mark();
      const result = await vscode.commands.executeCommand<{ outcome: string; generation: string }>(
        'runnerOps.rollbackSecret',
        { secret, generation: older },
      );
      assert.equal(result.outcome, 'written');
      assert.match(
        asked[0],
        new RegExp(`^Roll back gitlab-runner-b/config\\.toml\\.enc to generation ${older.generation}\\?`),
      );
      assert.ok(asked[0].includes(`It replaces generation ${secret.current.generation} (written `), asked[0]);
      assert.equal(text(), text(older.generation), 'the old bytes are current again');
      const copy = sandbox.requests.since(mark).find((r) => r.path.includes('/rewriteTo/'))!;
      assert.ok(copy.path.includes(`ifGenerationMatch=${secret.current.generation}`), copy.path);
      const view = await untilRows((rows) =>
        rows.some((r) => /^gitlab-runner-b\/config\.toml\.enc — .* · 3 versions$/.test(r)),
      );
      const notes = await eventually(
        () => ui.notifications(),
        (n) =>
          n.some((t) =>
            t.startsWith(`Rolled back gitlab-runner-b/config.toml.enc: generation ${result.generation} is current`),
          ),
      );
      assert.ok(
        notes.some((t) =>
          t.startsWith(`Rolled back gitlab-runner-b/config.toml.enc: generation ${result.generation} is current`),
        ),
        notes.join('\n'),
      );
      assertNoPlaintext(view, [...notes, ...asked]);
    } finally {
      api().confirmation.ask = originalAsk;
      await ui.clearNotifications();
    }
  });

  test('leak scan: no value or token in any log, output channel, notification, memento or screenshot', async () => {
    addSandboxSecrets(leaks, sandbox); // the values written by this suite too
    leaks.add('the replaced config.toml', 'glrt-REPLACED-in-the-integration-suite');
    assert.ok(leaks.size > 10, `${leaks.size} values and tokens to look for`);
    assert.deepEqual(await leaks.scan('secrets-leak-scan'), []);
  });
});
