// The bootstrap's checks and fixes, judged from tables: required secrets per worker, each
// config.toml read back, the worker's template and script, schedules, runner versions, the
// parallel run and a single check run alone, the plans and the Markdown export.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { planFix, generatedScript, type FixContext } from '../../../src/core/bootstrap-fixes';
import {
  DEFAULT_BOOTSTRAP,
  runChecklist,
  type CheckResult,
  type GitLabFacts,
  type GoogleProbes,
  parseKmsKeyName,
} from '../../../src/core/checklist';
import { judgePermissions } from '../../../src/core/gcp-permissions';
import { roleProblems } from '../../../src/core/gitlab-roles';
import { checklistMarkdown, redact } from '../../../src/core/checklist-export';
import type { Runner, WorkerVm } from '../../../src/core/model';
import {
  checkRunnerConfig,
  configProblem,
  parseRunnerConfig,
  runnerConfigToml,
} from '../../../src/core/runner-config-check';
import { scriptProblem, workerScript } from '../../../src/core/worker-script';

const KEY = 'projects/p/locations/europe-west1/keyRings/ring/cryptoKeys/key';
const now = Date.parse('2026-01-01T00:00:00Z');
const input = {
  gcpProject: 'p',
  kmsKey: KEY,
  bucket: 'b',
  prefix: 'runners/',
  now,
  bootstrap: { ...DEFAULT_BOOTSTRAP, zone: 'europe-west1-b' },
  instanceFilter: 'labels.role = gitlab-runner',
};
const vm = (name: string, status = 'RUNNING'): WorkerVm => ({
  id: name,
  name,
  zone: 'europe-west1-b',
  status,
  machineType: 'e2-standard-2',
  labels: {},
  lastStartedAt: now - 3_600_000,
});
const gitlab: GitLabFacts = {
  configured: true,
  signedIn: true,
  host: 'https://gitlab.example.com',
  projects: ['infra/fleet'],
  identity: { username: 'ops', name: 'Ops', isAdmin: true, scopes: ['api'] },
  runners: [
    { id: 1, description: 'w1', status: 'online', paused: false, type: 'project_type', tags: [], version: '17.11.0' },
  ],
  vms: [vm('w1')],
  serverVersion: '17.11.2-ee',
  schedules: [],
};
const script = generatedScript({ input, gitlabUrl: gitlab.host, projects: ['infra/fleet'] });
const objects = ['deploy-key.enc', 'sa-key.json.enc', 'w1/config.toml.enc'].map((n) => ({
  name: `runners/${n}`,
  generation: '1',
}));
const probes = (over: Partial<GoogleProbes> = {}): GoogleProbes => ({
  keyRing: async () => true,
  ping: async () => undefined,
  key: async () => ({
    purpose: 'ENCRYPT_DECRYPT',
    rotationPeriodSec: 7_776_000,
    primary: { name: `${KEY}/cryptoKeyVersions/1`, state: 'ENABLED' },
  }),
  bucket: async () => ({ versioning: true, uniformAccess: true, publicAccessPrevention: 'enforced' }),
  objects: async () => objects,
  verify: async () => ({ outcome: 'primary' }),
  runnerConfig: async () => ({ runners: [{ name: 'w1', url: gitlab.host, token: 'accepted' }] }),
  template: async (_p, name) => ({ name, labels: { role: 'gitlab-runner' }, metadata: { 'startup-script': script } }),
  ...over,
});
const byId = (results: CheckResult[], id: string) => results.find((r) => r.id === id)!;

test('a bootstrapped setup passes all nine, naming versions, the template and the VM', async () => {
  const results = await runChecklist(input, gitlab, probes());
  assert.deepEqual(
    results.map((r) => r.outcome),
    Array(9).fill('pass'),
    results.map((r) => `${r.id}: ${r.detail}`).join('\n'),
  );
  assert.match(byId(results, 'runner').detail, / · GitLab 17\.11\.2-ee, gitlab-runner 17\.11\.0$/);
  assert.equal(
    byId(results, 'worker').detail,
    'Template gitlab-runner-template fetches from gs://b and decrypts with its key · 1 VM RUNNING: w1',
  );
  assert.equal(
    byId(results, 'bucket').detail,
    'Bucket gs://b exists, versioning on, uniform access, public access prevented.',
  );
});

test('each worker needs its config.toml; the first missing one is offered as Register a Runner', async () => {
  const results = await runChecklist(input, { ...gitlab, vms: [vm('w1'), vm('w2')] }, probes());
  const secrets = byId(results, 'secrets');
  assert.equal(secrets.outcome, 'fail');
  assert.match(secrets.detail, /^Missing under gs:\/\/b\/runners\/: w2\/config\.toml\.enc \(found 3: /);
  assert.deepEqual(secrets.fix?.command?.args, [{ kind: 'registerRunner', worker: 'w2' }]);
  assert.match(secrets.fix!.text!, /POST https:\/\/gitlab\.example\.com\/api\/v4\/user\/runners/);
});

test('a config.toml whose token GitLab refuses, or that points elsewhere, fails the secrets check', async () => {
  const refused = await runChecklist(
    input,
    gitlab,
    probes({ runnerConfig: async () => ({ runners: [{ name: 'w1', url: gitlab.host, token: 'refused' }] }) }),
  );
  assert.match(
    byId(refused, 'secrets').detail,
    /^w1\/config\.toml\.enc: GitLab refuses the token of runner "w1" \(POST \/runners\/verify: 403\)\. /,
  );
  const elsewhere = await runChecklist(
    input,
    gitlab,
    probes({
      runnerConfig: async () => ({ runners: [{ name: 'w1', url: 'https://old.example.com', token: 'accepted' }] }),
    }),
  );
  assert.match(
    byId(elsewhere, 'secrets').detail,
    /points at https:\/\/old\.example\.com, not https:\/\/gitlab\.example\.com/,
  );
});

const GITLAB_FOR_CONFIG = 'https://g';

test('a config.toml parses, then each token is verified with the server its own entry names', async () => {
  const toml = (name: string, url: string, token: string) =>
    parseRunnerConfig(Buffer.from(runnerConfigToml({ name, url, runnerId: 4, token })));
  const asked: string[] = [];
  const facts = await checkRunnerConfig(
    toml('w1', 'https://g', 'glrt-abc'),
    GITLAB_FOR_CONFIG,
    async (t) => (asked.push(t), t === 'glrt-abc'),
  );
  assert.deepEqual(facts, { runners: [{ name: 'w1', url: 'https://g', token: 'accepted' }] });
  assert.deepEqual(asked, ['glrt-abc']);
  const notSent = await checkRunnerConfig(
    toml('w2', 'https://other', 'glrt-x'),
    GITLAB_FOR_CONFIG,
    async (t) => (asked.push(t), true),
  );
  assert.deepEqual(asked, ['glrt-abc'], 'a token is never sent to a server its entry does not name');
  assert.equal(notSent.runners[0].token, undefined);
  const bad = await checkRunnerConfig(
    parseRunnerConfig(Buffer.from('concurrent = = 1')),
    GITLAB_FOR_CONFIG,
    async () => true,
  );
  assert.match(configProblem('c.toml', bad, 'https://g')!, /^c\.toml is not valid TOML \(line 1, column \d+\)\.$/);
});

test('the worker: a missing template offers Create the Worker; a script reading elsewhere fails; no running VM offers the VM', async () => {
  const none = byId(await runChecklist(input, gitlab, probes({ template: async () => undefined })), 'worker');
  assert.equal(none.detail, 'Instance template gitlab-runner-template does not exist in p.');
  assert.deepEqual(none.fix?.command?.args, [{ kind: 'worker' }]);
  assert.match(
    none.fix!.text!,
    /gcloud compute instance-templates create gitlab-runner-template .* --labels role=gitlab-runner /,
  );

  const other = workerScript({
    bucket: 'other',
    prefix: 'x/',
    kmsKey: KEY,
    secrets: [{ object: 'a', destination: '/a' }],
  });
  const wrong = byId(
    await runChecklist(
      input,
      gitlab,
      probes({ template: async (_p, name) => ({ name, labels: {}, metadata: { 'startup-script': other } }) }),
    ),
    'worker',
  );
  assert.equal(
    wrong.detail,
    "Template gitlab-runner-template's startup script fetches from gs://other/x/a, not gs://b.",
  );

  const stopped = byId(await runChecklist(input, { ...gitlab, vms: [vm('w1', 'TERMINATED')] }, probes()), 'worker');
  assert.match(stopped.detail, /but no VM matching labels\.role = gitlab-runner is RUNNING: w1 \(TERMINATED\)\.$/);
  assert.equal(
    stopped.fix?.text,
    'gcloud compute instances create gitlab-runner-1 --zone europe-west1-b --project p --source-instance-template gitlab-runner-template',
  );
});

test('scriptProblem reads the older metadata-driven script too', () => {
  const metadata = { 'kms-key': KEY, 'deploy-key-object': 'gs://b/runners/deploy-key.enc' };
  const older = 'KEY="$(md kms-key)"\nfetch "$(md deploy-key-object)" /root/.ssh/id_ed25519';
  assert.equal(scriptProblem(older, metadata, { bucket: 'b', kmsKey: KEY }), undefined);
  assert.equal(scriptProblem(older, metadata, { bucket: 'b', kmsKey: `${KEY}2` }), `decrypts with ${KEY}, not ${KEY}2`);
  assert.equal(scriptProblem('', {}, { bucket: 'b', kmsKey: KEY }), 'has no startup-script');
});

test('schedules: missing ones offer Create, inactive ones fail with where to activate them', async () => {
  const spec = { project: 'infra/fleet', description: 'Nightly', cron: '0 3 * * *', ref: 'main', timezone: 'UTC' };
  const withSchedules = { ...input, bootstrap: { ...input.bootstrap, schedules: [spec] } };
  const missing = byId(await runChecklist(withSchedules, gitlab, probes()), 'schedules');
  assert.equal(missing.detail, 'Missing: "Nightly" (infra/fleet).');
  assert.match(
    missing.fix!.text!,
    /--data-urlencode cron='0 3 \* \* \*' .*\/api\/v4\/projects\/infra%2Ffleet\/pipeline_schedules$/,
  );
  const inactive = byId(
    await runChecklist(
      withSchedules,
      { ...gitlab, schedules: [{ project: 'infra/fleet', description: 'Nightly', active: false }] },
      probes(),
    ),
    'schedules',
  );
  assert.equal(inactive.outcome, 'fail');
  assert.match(inactive.detail, /^Inactive: "Nightly" \(infra\/fleet\): no pipeline runs on them\.$/);
});

test('a runner more than the allowed minor versions behind GitLab warns', async () => {
  const old = {
    ...gitlab,
    runners: [{ ...(gitlab.runners as Runner[])[0], version: '17.8.1' }],
  };
  const row = byId(await runChecklist(input, old, probes()), 'runner');
  assert.equal(row.outcome, 'warn');
  assert.match(row.detail, /^#1 w1 \(17\.8\.1\) is more than 2 minor versions behind GitLab 17\.11\.2-ee\./);
});

test('independent checks run at once; one check runs alone with only what it needs', async () => {
  let inFlight = 0;
  let most = 0;
  const slow =
    <T>(value: T) =>
    async () => {
      most = Math.max(most, ++inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      inFlight--;
      return value;
    };
  const calls: string[] = [];
  await runChecklist(
    input,
    gitlab,
    probes({ bucket: slow({ versioning: true }), template: slow(undefined), key: slow(undefined) }),
  );
  assert.ok(most >= 2, `bucket, key and template asked concurrently (saw ${most})`);
  const [one] = await runChecklist(
    input,
    gitlab,
    probes({
      objects: async () => (calls.push('objects'), objects),
      template: async () => (calls.push('template'), undefined),
    }),
    undefined,
    'worker',
  );
  assert.equal(one.id, 'worker');
  assert.deepEqual(calls, ['template'], 'the secrets were not listed for the worker check');
});

test('plans name what will be created and the equivalent; the export has every row and no secret', async () => {
  const ctx: FixContext = { input, gitlabUrl: gitlab.host, projects: ['infra/fleet'] };
  const key = planFix({ kind: 'keyRing' }, ctx);
  assert.equal(
    key.question,
    'Create key ring ring (if missing) and key key in europe-west1, project p? The key encrypts and decrypts (ENCRYPT_DECRYPT) and rotates every 90 days.',
  );
  const worker = planFix({ kind: 'worker' }, ctx);
  assert.match(worker.markdown, /## Startup script \(startup-script\.sh\)/);
  assert.match(
    worker.markdown,
    /fetch_secret "gs:\/\/b\/runners\/\$\(hostname\)\/config\.toml\.enc" \/srv\/gitlab-runner\/config\/config\.toml/,
  );
  assert.match(worker.markdown, /computeMetadata\/v1\/instance\/service-accounts\/default\/token/);
  assert.match(worker.markdown, /-v \/var\/run\/docker\.sock:\/var\/run\/docker\.sock/);
  const runner = planFix({ kind: 'registerRunner', worker: 'w1' }, ctx);
  assert.doesNotMatch(runner.markdown, /glrt-[A-Za-z0-9]{4}/, 'the template shows no token');

  const results = await runChecklist(input, { ...gitlab, vms: [vm('w1'), vm('w2')] }, probes());
  results[0] = { ...results[0], detail: `${results[0].detail} glrt-AbCdEfGhIjKl1234` };
  const md = checklistMarkdown({ results, ms: 1234, at: now }, { gitlab: gitlab.host, project: 'p' });
  for (const r of results) assert.ok(md.includes(`| ${r.title} |`), `row ${r.title}`);
  assert.match(md, /\*\*7 passed, 1 warning, 1 failed\*\* · checked in 1\.2 s/);
  assert.doesNotMatch(md, /glrt-AbCd/);
  assert.match(md, /### Encrypted secrets\n\nIn Runner Ops: Register a Runner for w2/);
  assert.equal(redact('-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----'), '[redacted]');
});

test('project roles: each shortfall names the role and what it blocks; admins and unsaid roles pass', async () => {
  const project = (path: string, accessLevel?: number) => ({ id: 1, path, name: path, webUrl: '', accessLevel });
  assert.deepEqual(
    roleProblems(
      [project('a/maintained', 40), project('a/read', 20), project('a/outside', 0), project('a/unsaid')],
      'ops',
      false,
    ),
    [
      'In a/read @ops is Reporter (20): managing its runners and pipeline schedules needs Maintainer (40), retrying and cancelling its pipelines needs Developer (30).',
      'In a/outside @ops is not a member: managing its runners and pipeline schedules needs Maintainer (40), retrying and cancelling its pipelines needs Developer (30).',
    ],
  );
  assert.deepEqual(roleProblems([project('a/read', 20)], 'root', true), []);
  const results = await runChecklist(
    input,
    {
      ...gitlab,
      identity: { username: 'ops', name: 'Ops', isAdmin: false, scopes: ['api'] },
      readProjects: [project('infra/fleet', 30)],
    },
    probes(),
    undefined,
    'gitlab',
  );
  assert.deepEqual(
    results.map((r) => `${r.outcome}: ${r.detail}`),
    [
      'warn: Signed in to https://gitlab.example.com as @ops · scopes api · 1 project reachable. In infra/fleet @ops is Developer (30): managing its runners and pipeline schedules needs Maintainer (40).',
    ],
  );
});

test('Google permissions: a resource that is not there yet is not tested, a failed test is said, each gap is granted once', async () => {
  const k = parseKmsKeyName(KEY)!;
  const verdict = judgePermissions([
    { target: { kind: 'key', key: k }, held: ['cloudkms.cryptoKeyVersions.useToDecrypt'] },
    { target: { kind: 'bucket', bucket: 'b' } },
    { target: { kind: 'vm', project: 'p', zone: 'z', name: 'w1' }, held: new Error('Cannot reach Compute Engine') },
  ]);
  assert.deepEqual(verdict.blocked, [
    'uploading secrets (cloudkms.cryptoKeyVersions.useToEncrypt on key key)',
    'key rotation (cloudkms.cryptoKeyVersions.create, cloudkms.cryptoKeys.update, cloudkms.cryptoKeyVersions.update on key key)',
  ]);
  assert.deepEqual(verdict.missing, ['gs://b']);
  assert.deepEqual(verdict.failed, ['VM w1 (Cannot reach Compute Engine)']);
  assert.equal(verdict.grants.length, 3, verdict.grants.join('\n'));
  assert.match(verdict.grants[1], /--role roles\/cloudkms\.cryptoKeyEncrypterDecrypter$/);
  assert.match(verdict.grants[2], /--role roles\/cloudkms\.admin$/);
});
