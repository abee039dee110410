// Bootstrap from nothing in the real workbench: the `empty` seed (a GitLab project with no
// runner, a Google project with nothing in it). Each failing row says what is missing and
// offers its fix; a declined confirmation creates nothing; clicking the fixes in the view, in
// order, makes every check pass, and the new VM boots, decrypts its config.toml and its runner
// comes online in GitLab. Export Checklist writes every row, and no secret, as Markdown.
import * as assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { GoogleSandbox } from '../../sandbox/google/index';
import { startSandbox, type Sandbox } from '../../sandbox/server';
import { eventually, hasUi, ui, type ViewSnapshot } from '../bridge';
import { fromPalette, untilPick } from '../palette';
import { clearSettings } from '../settings';
import { pointAt } from '../demo-sandbox';

const TITLE = 'Bootstrap Checklist';
const rowsOf = (view: ViewSnapshot) => view.rows.map((r) => `${r.text} — ${r.description} [${r.icon}]`);
const untilView = (accept: (view: ViewSnapshot) => boolean, timeoutMs = 30_000) =>
  eventually(() => ui.readView(TITLE), accept, timeoutMs).then((v) => {
    assert.ok(accept(v), `${TITLE} shows:\n${rowsOf(v).join('\n')}\n${v.welcome}`);
    return v;
  });
const row = (view: ViewSnapshot, text: string) => view.rows.find((r) => r.text === text)!;
/** A whole run shown: results come in as each check settles, under "Running the other checks…", then the summary. */
const finished = (view: ViewSnapshot) =>
  view.rows.some((r) => r.text === 'Summary') && !view.rows.some((r) => r.text.startsWith('Running'));
const failed = (view: ViewSnapshot) => view.rows.filter((r) => r.icon.includes('codicon-error'));
const api = () => vscode.extensions.getExtension('runner-ops.runner-ops')!.exports;
/** The secrets an operator uploads from files: made-up keys, never real ones. */
const FILES: Record<string, string> = {
  'deploy-key.enc':
    '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n',
  'sa-key.json.enc': '{ "type": "service_account", "project_id": "runner-ops-empty", "private_key": "sandbox" }\n',
};

suite('Bootstrap', function () {
  let sandbox: Sandbox;
  let settings: Record<string, unknown>;
  const asked: string[] = [];
  let answer = true;
  const picked: string[] = [];

  suiteSetup(async function () {
    await vscode.extensions.getExtension('runner-ops.runner-ops')!.activate();
    if (!hasUi) this.skip();
    sandbox = await startSandbox({ seed: 'empty' });
    const project = (sandbox.settings['runnerOps.gitlab.projects'] as string[])[0];
    settings = {
      ...sandbox.settings,
      'runnerOps.bootstrap.schedules': [{ project, description: 'Nightly runner version check', cron: '0 3 * * *' }],
    };
    const dir = mkdtempSync(join(tmpdir(), 'runner-ops-bootstrap-'));
    api().confirmation.ask = async (message: string) => (asked.push(message), answer);
    api().filePicker.pick = async (title: string) => {
      const object = Object.keys(FILES).find((name) => title.startsWith(`Upload ${name}:`));
      assert.ok(object, `asked for a file: ${title}`);
      picked.push(object);
      writeFileSync(join(dir, object), FILES[object]);
      return join(dir, object);
    };
    await pointAt({ ...sandbox, settings }, { signIn: true });
  });

  suiteTeardown(async () => {
    if (!sandbox) return;
    await vscode.commands.executeCommand('runnerOps.signOut');
    await clearSettings(settings);
    await sandbox.close();
  });

  test('from the empty seed each failing row says what is missing and offers its fix; no is no', async () => {
    const view = await untilView(
      (v) => finished(v) && v.rows.length === 10 && row(v, 'KMS key ring')?.icon.includes('codicon-error') === true,
    );
    assert.equal(row(view, 'Summary').description.split(' · ')[0], '2 passed, 5 failed, 2 skipped');
    assert.equal(row(view, 'KMS key ring').description, 'Key ring runner-secrets does not exist in europe-west1.');
    assert.match(
      row(view, 'KMS key ring').label,
      /Fix: Create the Key Ring and Key… gcloud kms keyrings create runner-secrets --location europe-west1 --project runner-ops-empty gcloud kms keys create runner-secrets-key .* --rotation-period 90d /,
    );
    assert.equal(
      row(view, 'Secrets bucket').description,
      'Bucket gs://runner-ops-empty-runner-secrets does not exist.',
    );
    assert.match(row(view, 'Secrets bucket').label, /Fix: Create the Bucket…/);
    assert.equal(row(view, 'Registered runner').description, 'No runner is registered for the configured projects.');
    assert.match(
      row(view, 'Registered runner').label,
      /Fix: Register a Runner for gitlab-runner-1 and Store Its config\.toml…/,
    );
    assert.equal(
      row(view, 'Worker VM').description,
      'Instance template gitlab-runner-template does not exist in runner-ops-empty.',
    );
    assert.equal(
      row(view, 'Pipeline schedules').description,
      'Missing: "Nightly runner version check" (infra/runner-fleet).',
    );
    assert.equal(row(view, 'KMS key').description, 'Skipped because KMS key ring failed.');
    await ui.screenshot('bootstrap-empty');

    answer = false;
    const mark = sandbox.requests.mark();
    await ui.clickRow(TITLE, 'KMS key ring');
    await eventually(
      async () => asked.length,
      (n) => n === 1,
    );
    assert.equal(
      asked[0],
      'Create key ring runner-secrets (if missing) and key runner-secrets-key in europe-west1, project runner-ops-empty? The key encrypts and decrypts (ENCRYPT_DECRYPT) and rotates every 90 days.',
    );
    const plan = vscode.window.activeTextEditor?.document;
    assert.match(
      plan?.getText() ?? '',
      /^# Plan: create the KMS key ring and key\n[\s\S]*\| Rotation period \| 90 days \|/,
    );
    assert.match(plan?.getText() ?? '', /## Equivalent commands[\s\S]*gcloud kms keyrings create runner-secrets /);
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.deepEqual(
      sandbox.requests.since(mark).filter((r) => r.method !== 'GET'),
      [],
      'nothing created after no',
    );
    answer = true;
    asked.length = 0;
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  test('from the palette, Copy gcloud Equivalent and Apply Fix ask which check, in the view’s words', async () => {
    await fromPalette('Copy gcloud Equivalent');
    const copy = await untilPick('Copy the gcloud equivalent of which check’s fix?');
    const labels = copy.items.map((i) => i.label);
    assert.ok(labels.includes('KMS key ring') && labels.includes('Secrets bucket'), labels.join(' | '));
    assert.ok(!labels.includes('GitLab access'), 'a passed check has nothing to copy');
    for (const item of copy.items) assert.match(item.description, /^(Failed|Warning) · \S/, item.label);
    await ui.choosePick('Secrets bucket');
    const copied = await eventually(
      () => Promise.resolve(vscode.env.clipboard.readText()),
      (text) => text.startsWith('gcloud storage buckets create'),
    );
    assert.match(
      copied,
      /^gcloud storage buckets create gs:\/\/runner-ops-empty-runner-secrets --project runner-ops-empty /,
    );

    answer = false;
    const mark = sandbox.requests.mark();
    try {
      await fromPalette('Apply Fix');
      const apply = await untilPick('Apply which check’s fix?');
      assert.equal(
        apply.items.find((i) => i.label === 'Secrets bucket')?.description,
        'Failed · Create the Bucket…',
        JSON.stringify(apply.items),
      );
      await ui.choosePick('Secrets bucket');
      await eventually(
        async () => asked.length,
        (n) => n === 1,
      );
      assert.match(
        asked[0],
        /^Create gs:\/\/runner-ops-empty-runner-secrets in EUROPE-WEST1 \(project runner-ops-empty\)/,
      );
      assert.deepEqual(
        sandbox.requests.since(mark).filter((r) => r.method !== 'GET'),
        [],
        'nothing created after no',
      );
    } finally {
      answer = true;
      asked.length = 0;
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    }
  });

  test('clicking the fixes in order turns every row green, and the new runner comes online', async () => {
    const mark = sandbox.requests.mark();
    const clicked: string[] = [];
    for (let round = 0; round < 10; round++) {
      const view = await untilView((v) => finished(v) && v.rows.length === 10);
      const next = failed(view).find((r) => /Fix: (Create|Register|Upload)/.test(r.label));
      if (!next) break;
      clicked.push(`${next.text}: ${/Fix: ([^…]+)…/.exec(next.label)?.[1]}`);
      const before = asked.length;
      await ui.clickRow(TITLE, next.text);
      await eventually(
        async () => asked.length,
        (n) => n > before,
        15_000,
      );
      // The fix re-runs the checklist when done: wait for the row to change.
      await untilView((v) => row(v, next.text)?.description !== next.description, 60_000);
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    }
    assert.deepEqual(clicked, [
      'KMS key ring: Create the Key Ring and Key',
      'Secrets bucket: Create the Bucket',
      'Encrypted secrets: Upload deploy-key.enc from a File',
      'Encrypted secrets: Upload sa-key.json.enc from a File',
      'Encrypted secrets: Register a Runner for gitlab-runner-1 and Store Its config.toml',
      'Worker VM: Create the Worker: Startup Script, Template and VM',
      'Pipeline schedules: Create 1 Missing Schedule',
    ]);
    assert.deepEqual(picked, ['deploy-key.enc', 'sa-key.json.enc']);
    assert.match(
      asked[4],
      /^Create a project runner "gitlab-runner-1" in infra\/runner-fleet \(tags gcp\) on http:\/\/127\.0\.0\.1:\d+, and write its config\.toml, encrypted with runner-secrets-key, to gs:\/\/runner-ops-empty-runner-secrets\/runners\/gitlab-runner-1\/config\.toml\.enc\?/,
    );
    assert.match(
      asked[5],
      /^Create instance template gitlab-runner-template \(e2-standard-2, labels role=gitlab-runner, the startup script in the plan\) and VM gitlab-runner-1 in europe-west1-b from it/,
    );

    // The VM boots and its runner checks in: run the runner check again alone until it says so.
    await eventually(
      async () => {
        await vscode.commands.executeCommand('runnerOps.rerunCheck', { id: 'runner', title: 'Registered runner' });
        return ui.readView(TITLE);
      },
      (v) => row(v, 'Registered runner')?.icon.includes('codicon-pass-filled') === true,
      60_000,
    );
    const view = await untilView((v) =>
      v.rows.filter((r) => r.text !== 'Summary').every((r) => r.icon.includes('codicon-pass-filled')),
    );
    assert.match(row(view, 'Summary').description, /^9 passed · Registered runner checked again in \d+(\.\d)? m?s$/);
    assert.match(
      row(view, 'Registered runner').description,
      /^1 of 1 runners online: #\d+ gitlab-runner-1 · GitLab 17\.11\.3-ee, gitlab-runner 17\.11\.0$/,
    );
    assert.match(row(view, 'Worker VM').description, /· 1 VM RUNNING: gitlab-runner-1$/);
    await ui.screenshot('bootstrap-green');

    const writes = sandbox.requests
      .since(mark)
      .filter((r) => r.method === 'POST' && !/:(en|de)crypt|\/wait$|\/runners\/verify/.test(r.path))
      .map((r) => `${r.method} ${r.path.replace(/\?.*$/, '').replace(/\/\d+\//g, '/N/')}`);
    for (const expected of [
      'POST /v1/projects/runner-ops-empty/locations/europe-west1/keyRings',
      'POST /v1/projects/runner-ops-empty/locations/europe-west1/keyRings/runner-secrets/cryptoKeys',
      'POST /storage/v1/b',
      'POST /api/v4/user/runners',
      'POST /compute/v1/projects/runner-ops-empty/global/instanceTemplates',
      'POST /compute/v1/projects/runner-ops-empty/zones/europe-west1-b/instances',
    ])
      assert.ok(writes.includes(expected), `${expected} in:\n${writes.join('\n')}`);
    const google = sandbox.world.google as GoogleSandbox;
    const vm = [...google.state.compute.vms.values()].find((v) => v.name === 'gitlab-runner-1')!;
    const console = vm.serial.get(1)!.read(0).contents;
    assert.match(
      console,
      /Fetched gs:\/\/runner-ops-empty-runner-secrets\/runners\/gitlab-runner-1\/config\.toml\.enc#\d+/,
    );
    assert.match(console, /startup-script: runner-ops: worker ready, gitlab-runner started/);
  });

  test('Export Checklist: every row in a new Markdown document and on the clipboard, no secret', async () => {
    const markdown = await vscode.commands.executeCommand<string>('runnerOps.exportChecklist');
    assert.equal(await vscode.env.clipboard.readText(), markdown);
    assert.equal(vscode.window.activeTextEditor?.document.languageId, 'markdown');
    assert.equal(vscode.window.activeTextEditor?.document.getText(), markdown);
    for (const title of [
      'GitLab access',
      'Google Cloud credentials',
      'KMS key ring',
      'KMS key',
      'Secrets bucket',
      'Encrypted secrets',
      'Registered runner',
      'Worker VM',
      'Pipeline schedules',
    ])
      assert.match(markdown, new RegExp(`\\| ✅ \\| ${title} \\| passed \\|`));
    assert.match(markdown, /\*\*9 passed\*\*/);
    assert.doesNotMatch(markdown, /glrt-|glpat-|PRIVATE KEY|b3BlbnNzaC1rZXkt/);
    assert.ok(!markdown.includes(sandbox.gitlabToken));
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });
});
