// The bootstrap checklist against the demo sandbox, through the real KMS, Storage, Compute and
// GitLab clients: the demo's two warnings first (a runner offline on a running VM, a secret under
// the older key version), then broken through the real APIs or settings, one thing at a time.
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { Storage } from '@google-cloud/storage';
import { KeyManagementServiceClient } from '@google-cloud/kms';
import { PassThroughClient } from 'google-auth-library';
import {
  DEFAULT_BOOTSTRAP,
  readAccessFacts,
  readGitLabFacts,
  runChecklist,
  type ChecklistInput,
  type CheckResult,
  type GitLabFacts,
  parseKmsKeyName,
} from '../../../src/core/checklist';
import type { GoogleSandbox } from '../../sandbox/google/index';
import { OWNER } from '../../sandbox/google/iam';
import { FleetStore } from '../../../src/core/fleet-store';
import { ChecklistAdapter, type ChecklistSettings } from '../../../src/gcp/checklist';
import { ComputeAdapter } from '../../../src/gcp/compute';
import { fetchTokenIdentity, GitLabFleet, verifyRunnerToken } from '../../../src/gitlab/index';
import { startSandbox, type Sandbox } from '../../sandbox/server';

let sandbox: Sandbox;
let settings: ChecklistSettings;
let input: ChecklistInput;
let gitlab: GitLabFacts;
const adapters: Array<{ close(): Promise<void> }> = [];
let kms: KeyManagementServiceClient;
const adapter = (overrides: Partial<ChecklistSettings> = {}) => {
  const a = new ChecklistAdapter({ ...settings, ...overrides }, (token) => verifyRunnerToken(sandbox.url, token));
  adapters.push(a);
  return a;
};
/** The key and bucket stories without the demo's stale config.toml (its own test above). */
const withoutConfigs = () => ({
  ...input,
  bootstrap: { ...DEFAULT_BOOTSTRAP, requiredSecrets: ['deploy-key.enc', 'sa-key.json.enc'] },
});
const summary = (results: CheckResult[]) => results.map((r) => `${r.id}:${r.outcome}`);
const row = (results: CheckResult[], id: string) => results.find((r) => r.id === id)!;

before(async () => {
  sandbox = await startSandbox({ seed: 'demo' });
  const s = sandbox.settings as Record<string, never>;
  settings = {
    gcpProject: s['runnerOps.gcp.project'],
    credentials: 'none',
    endpoints: s['runnerOps.gcp.endpoints'],
    gitlabUrl: s['runnerOps.gitlab.url'],
  };
  input = {
    gcpProject: s['runnerOps.gcp.project'],
    kmsKey: s['runnerOps.secrets.kmsKey'],
    bucket: s['runnerOps.secrets.bucket'],
    prefix: s['runnerOps.secrets.prefix'],
    now: Date.now(),
  };
  const projects = s['runnerOps.gitlab.projects'] as string[];
  const token = sandbox.gitlabToken;
  const compute = new ComputeAdapter({
    ...settings,
    gcpZones: s['runnerOps.gcp.zones'],
    instanceFilter: s['runnerOps.gcp.instanceFilter'],
  });
  adapters.push(compute);
  const store = new FleetStore({
    projects,
    now: Date.now,
    compute: async () => compute,
    gitlab: async () => new GitLabFleet(sandbox.url, token),
  });
  gitlab = await readGitLabFacts({
    configured: true,
    host: sandbox.url,
    projects,
    session: { url: sandbox.url, token },
    identity: fetchTokenIdentity,
    store,
  });
  kms = new KeyManagementServiceClient({
    apiEndpoint: '127.0.0.1',
    port: Number(new URL(settings.endpoints.kms!).port),
    protocol: 'http',
    fallback: true,
    authClient: new PassThroughClient(),
  });
});
after(async () => {
  await Promise.all([...adapters.map((a) => a.close()), kms.close()]);
  await sandbox.close();
});

test('the demo fleet: the stale config.toml fails, the offline runner on its running VM warns, the rest pass', async () => {
  const mark = sandbox.requests.mark();
  const results = await runChecklist(input, gitlab, adapter());
  assert.deepEqual(
    summary(results),
    [
      'gitlab:pass',
      'gcp:pass',
      'keyRing:pass',
      'key:pass',
      'bucket:pass',
      'secrets:fail',
      'runner:warn',
      'worker:skipped',
      'schedules:pass',
    ],
    results.map((r) => r.detail).join('\n'),
  );
  assert.match(
    row(results, 'gitlab').detail,
    /^Signed in to http:\/\/127\.0\.0\.1:\d+ as @\S+ · scopes api · 2 projects reachable$/,
  );
  assert.match(row(results, 'key').detail, /ENCRYPT_DECRYPT, primary version 2 ENABLED, rotates every \d+ days/);
  assert.match(row(results, 'bucket').detail, /versioning on/);

  // gitlab-runner-c's config.toml carries a token GitLab no longer accepts: the reason its runner never checks in.
  const secrets = row(results, 'secrets');
  assert.match(
    secrets.detail,
    /^gitlab-runner-c\/config\.toml\.enc: GitLab refuses the token of runner "gitlab-runner-c" \(POST \/runners\/verify: 403\)\. sa-key\.json\.enc is under an older key version, not the primary\. 5 objects under gs:\/\/\S+\/runners\/\.$/,
  );
  assert.match(secrets.fix!.text!, /^Register the runner again \(or reset its token in GitLab\)/);
  const since = sandbox.requests.since(mark);
  assert.equal(
    since.filter((r) => r.path.includes(':decrypt')).length,
    5,
    'one decrypt per secret: a config.toml is checked from what its decrypt check read',
  );
  assert.equal(
    since.filter((r) => r.api === 'storage' && /\/o\/[^?]+\?.*alt=media/.test(r.path)).length,
    5,
    'one download per secret',
  );
  assert.equal(since.filter((r) => r.path === '/api/v4/runners/verify').length, 3, 'each config.toml token verified');

  const runner = row(results, 'runner');
  assert.match(
    runner.detail,
    /^Runner #3 'gitlab-runner-c' has not contacted GitLab for \d+ (min|h|d) although its VM gitlab-runner-c is running\. No online runner takes jobs tagged docker: they wait\. 2 of 3 runners online: .* · not online: #3 gitlab-runner-c \(offline\)$/,
  );
  assert.equal(runner.fix?.command?.id, 'runnerOps.tailWorkerLog');
  assert.deepEqual(
    (runner.fix?.command?.args?.[0] as { vm: { name: string; zone: string } }).vm.name,
    'gitlab-runner-c',
  );
  assert.match(
    runner.fix!.text!,
    /^gitlab-runner-c: tail its console .* gcloud compute ssh gitlab-runner-c --zone europe-west1-b --project \S+ --command "sudo docker restart gitlab-runner"/,
  );
  assertNoPlaintext(results);
});

test('after a rotation (a new primary version) every secret warns as under an older version; a disabled version fails', async () => {
  const [v3] = await kms.createCryptoKeyVersion({ parent: input.kmsKey, cryptoKeyVersion: {} });
  await kms.updateCryptoKeyPrimaryVersion({ name: input.kmsKey, cryptoKeyVersionId: v3.name!.split('/').pop()! });
  const v1 = `${input.kmsKey}/cryptoKeyVersions/1`;
  try {
    let results = await runChecklist(withoutConfigs(), gitlab, adapter());
    assert.equal(row(results, 'key').outcome, 'pass');
    assert.match(row(results, 'key').detail, /primary version 3 ENABLED/);
    let secrets = row(results, 'secrets');
    assert.equal(secrets.outcome, 'warn');
    assert.match(
      secrets.detail,
      /^5 secrets are under an older key version, not the primary: deploy-key\.enc, gitlab-runner-a\/config\.toml\.enc, gitlab-runner-b\/config\.toml\.enc, gitlab-runner-c\/config\.toml\.enc, … \(1 more\)\./,
    );

    await kms.updateCryptoKeyVersion({
      cryptoKeyVersion: { name: v1, state: 'DISABLED' },
      updateMask: { paths: ['state'] },
    });
    results = await runChecklist(withoutConfigs(), gitlab, adapter());
    secrets = row(results, 'secrets');
    assert.equal(secrets.outcome, 'fail');
    assert.match(
      secrets.detail,
      /^sa-key\.json\.enc cannot be decrypted: key version 1 is disabled \(enable or restore it to read this secret\)\. 4 secrets are under an older key version/,
    );
    assertNoPlaintext(results);
  } finally {
    await kms.updateCryptoKeyVersion({
      cryptoKeyVersion: { name: v1, state: 'ENABLED' },
      updateMask: { paths: ['state'] },
    });
    await kms.updateCryptoKeyPrimaryVersion({ name: input.kmsKey, cryptoKeyVersionId: '2' });
  }
  assert.equal(
    row(await runChecklist(withoutConfigs(), gitlab, adapter()), 'secrets').outcome,
    'warn',
    'back to the demo',
  );
});

/** The seeded secrets' plaintext (keys, runner tokens) never reaches a row. */
function assertNoPlaintext(results: CheckResult[]) {
  const shown = results.map((r) => `${r.detail} ${r.fix?.text ?? ''}`).join('\n');
  assert.doesNotMatch(shown, /PRIVATE KEY|glrt-[A-Za-z0-9_-]{8}|private_key|\[\[runners\]\]/);
}

test('a missing key fails with the gcloud command that creates it, with a rotation period', async () => {
  const missing = input.kmsKey.replace(/cryptoKeys\/.*$/, 'cryptoKeys/nope');
  const results = await runChecklist({ ...input, kmsKey: missing }, gitlab, adapter());
  const key = row(results, 'key');
  assert.equal(key.outcome, 'fail');
  assert.match(key.detail, /^Key nope does not exist in key ring /);
  assert.match(
    key.fix!.text!,
    /gcloud kms keys create nope --keyring \S+ --location \S+ --project \S+ --purpose encryption --rotation-period 90d --next-rotation-time \d{4}-\d\d-\d\dT/,
  );
  assert.equal(row(results, 'keyRing').outcome, 'pass');
});

test('a key name that is not a resource name fails the key ring with the format, and skips the key', async () => {
  const results = await runChecklist({ ...input, kmsKey: 'runner-secrets' }, gitlab, adapter());
  assert.equal(row(results, 'gcp').outcome, 'pass', 'credentials still checked (list key rings)');
  assert.equal(row(results, 'keyRing').outcome, 'fail');
  assert.match(
    row(results, 'keyRing').detail,
    /projects\/PROJECT\/locations\/LOCATION\/keyRings\/RING\/cryptoKeys\/KEY/,
  );
  assert.deepEqual(
    [row(results, 'key').outcome, row(results, 'key').detail],
    ['skipped', 'Skipped because KMS key ring failed.'],
  );
});

test('a missing bucket fails with the create command and skips the secrets', async () => {
  const results = await runChecklist({ ...input, bucket: 'no-such-bucket' }, gitlab, adapter());
  assert.equal(row(results, 'bucket').outcome, 'fail');
  assert.match(row(results, 'bucket').fix!.text!, /gcloud storage buckets create gs:\/\/no-such-bucket .*--versioning/);
  assert.equal(row(results, 'secrets').outcome, 'skipped');
  assert.match(row(results, 'gcp').detail, /· not tested yet \(missing\): gs:\/\/no-such-bucket\.$/);
});

test('a prefix without the required secrets fails, names them and lists what is there', async () => {
  const results = await runChecklist({ ...input, prefix: `${input.prefix}deploy` }, gitlab, adapter());
  assert.equal(row(results, 'secrets').outcome, 'fail');
  assert.match(
    row(results, 'secrets').detail,
    /^Missing under gs:\/\/\S+\/runners\/deploy: deploy-key\.enc, sa-key\.json\.enc, gitlab-runner-a\/config\.toml\.enc, .* \(found 1: -key\.enc\)\.$/,
  );
  assert.match(
    row(results, 'secrets').fix!.text!,
    /^gcloud kms encrypt --key \S+ .* --plaintext-file deploy-key --ciphertext-file - \| gcloud storage cp - gs:\/\/\S+\/runners\/deploydeploy-key\.enc$/,
  );
});

test('an endpoint that does not answer fails the Google Cloud item and skips what depends on it', async () => {
  const dead = 'http://127.0.0.1:9';
  const results = await runChecklist(input, gitlab, adapter({ endpoints: { kms: dead, storage: dead } }));
  assert.deepEqual(summary(results).slice(1, 6), [
    'gcp:fail',
    'keyRing:skipped',
    'key:skipped',
    'bucket:skipped',
    'secrets:skipped',
  ]);
  assert.equal(row(results, 'gcp').fix?.command?.id, 'runnerOps.openSettings');
});

test('an Owner: the Google Cloud row names where the permissions were tested', async () => {
  const results = await runChecklist(input, gitlab, adapter(), undefined, 'gcp');
  assert.deepEqual(summary(results), ['gcp:pass']);
  const key = input.kmsKey.split('/').pop();
  assert.equal(
    results[0].detail,
    `Google Cloud answers for project ${settings.gcpProject} · permissions tested on key ${key}, gs://${input.bucket}.`,
  );
});

test('credentials without the rotation and write roles: the Google Cloud row warns with each missing permission, the feature it blocks and the grant', async () => {
  const google = sandbox.world.google as GoogleSandbox;
  google.state.iam.roles = new Set([
    'roles/cloudkms.viewer',
    'roles/cloudkms.cryptoKeyEncrypterDecrypter',
    'roles/storage.objectViewer',
  ]);
  let results: CheckResult[];
  try {
    results = await runChecklist(input, gitlab, adapter());
  } finally {
    google.state.iam.roles = new Set([OWNER]);
  }
  const gcp = row(results, 'gcp');
  const k = parseKmsKeyName(input.kmsKey)!;
  assert.equal(gcp.outcome, 'warn');
  assert.equal(
    gcp.detail,
    `Google Cloud answers for project ${settings.gcpProject}, but the credentials lack what these need: key rotation (cloudkms.cryptoKeyVersions.create, cloudkms.cryptoKeys.update, cloudkms.cryptoKeyVersions.update on key ${k.key}); uploading and replacing secrets (storage.objects.create, storage.objects.delete on gs://${input.bucket}).`,
  );
  assert.deepEqual(gcp.fix!.text!.split('\n').slice(2), [
    `gcloud kms keys add-iam-policy-binding ${k.key} --keyring ${k.ring} --location ${k.location} --project ${k.project} --member "$MEMBER" --role roles/cloudkms.admin`,
    `gcloud storage buckets add-iam-policy-binding gs://${input.bucket} --member "$MEMBER" --role roles/storage.objectAdmin`,
  ]);
  assert.equal(row(results, 'keyRing').outcome, 'pass', 'a warning does not skip the rows that need Google Cloud');
  // The routes refuse what the roles lack: the bucket's metadata needs storage.buckets.get.
  assert.equal(row(results, 'bucket').outcome, 'fail');
  assert.match(row(results, 'bucket').detail, /storage\.buckets\.get/);
});

test('a Developer of the projects: the GitLab row warns that managing runners and schedules needs Maintainer', async () => {
  const projects = sandbox.settings['runnerOps.gitlab.projects'] as string[];
  const token = sandbox.tokens.user;
  const store = new FleetStore({
    projects,
    now: Date.now,
    compute: async () => undefined,
    gitlab: async () => new GitLabFleet(sandbox.url, token),
  });
  const facts = await readGitLabFacts({
    configured: true,
    host: sandbox.url,
    projects,
    session: { url: sandbox.url, token },
    identity: fetchTokenIdentity,
    store,
  });
  const [result] = await runChecklist(input, facts, adapter(), undefined, 'gitlab');
  assert.equal(result.outcome, 'warn');
  assert.match(
    result.detail,
    /^Signed in to \S+ as @dana · scopes api · 2 projects reachable\. In infra\/runner-fleet @dana is Developer \(30\): managing its runners and pipeline schedules needs Maintainer \(40\)\. In infra\/version-updater @dana is Developer \(30\): managing its runners and pipeline schedules needs Maintainer \(40\)\.$/,
  );
  assert.match(result.fix!.text!, /give the user the Maintainer role/);
});

test("the GitLab row settles from the token and the projects, before GitLab's runners are read", async () => {
  const projects = sandbox.settings['runnerOps.gitlab.projects'] as string[];
  const token = sandbox.gitlabToken;
  const store = new FleetStore({
    projects,
    now: Date.now,
    compute: async () => undefined,
    gitlab: async () => new GitLabFleet(sandbox.url, token),
  });
  const options = {
    configured: true,
    host: sandbox.url,
    projects,
    session: { url: sandbox.url, token },
    identity: fetchTokenIdentity,
    store,
  };
  const mark = sandbox.requests.mark();
  const access = readAccessFacts(options);
  let releaseAll!: () => void;
  const held = new Promise<void>((resolve) => (releaseAll = resolve));
  const all = held.then(() => readGitLabFacts(options, access));
  const settled: string[] = [];
  const run = runChecklist(input, { vms: access, access, all }, adapter(), undefined, undefined, (r) =>
    settled.push(`${r.id}:${r.outcome}`),
  );
  await eventually(() => settled.includes('gitlab:pass'));
  const paths = sandbox.requests.since(mark).map((r) => r.path.split('?')[0]);
  assert.ok(!paths.some((p) => p.includes('/runners')), `no runner read yet: ${paths.join(' ')}`);
  assert.ok(
    !settled.some((r) => r.startsWith('runner:') || r.startsWith('schedules:')),
    'the GitLab checks that read runners wait',
  );
  releaseAll();
  const results = await run;
  assert.equal(row(results, 'gitlab').outcome, 'pass');
  assert.equal(row(results, 'runner').outcome, 'warn');
  const tokenReads = sandbox.requests
    .since(mark)
    .filter((r) => r.path.split('?')[0] === '/api/v4/personal_access_tokens/self').length;
  assert.equal(tokenReads, 1, 'the token is read once for both stages');
});

async function eventually(done: () => boolean, ms = 10_000) {
  for (const started = Date.now(); !done(); await new Promise((r) => setTimeout(r, 10)))
    if (Date.now() - started > ms) throw new Error('timed out');
}

test('versioning off and no rotation period warn, with the commands that fix them; a disabled primary fails', async () => {
  const endpoint = settings.endpoints.storage!;
  const storage = new Storage({ apiEndpoint: endpoint, projectId: settings.gcpProject });
  await storage.bucket(input.bucket).setMetadata({ versioning: { enabled: false } });
  await kms.updateCryptoKey({
    cryptoKey: { name: input.kmsKey, rotationPeriod: null, nextRotationTime: null },
    updateMask: { paths: ['rotation_period', 'next_rotation_time'] },
  });
  let results = await runChecklist(withoutConfigs(), gitlab, adapter());
  assert.equal(row(results, 'bucket').outcome, 'warn');
  assert.match(row(results, 'bucket').detail, /versioning is off: a rotation cannot be rolled back/);
  assert.equal(
    row(results, 'bucket').fix!.text,
    `gcloud storage buckets update gs://${input.bucket} --versioning --uniform-bucket-level-access --public-access-prevention`,
  );
  assert.equal(row(results, 'secrets').outcome, 'warn', 'a warning does not skip what follows');
  assert.equal(row(results, 'key').outcome, 'warn');
  assert.match(
    row(results, 'key').fix!.text!,
    /gcloud kms keys update \S+ .*--rotation-period 90d --next-rotation-time /,
  );

  const [key] = await kms.getCryptoKey({ name: input.kmsKey });
  await kms.updateCryptoKeyVersion({
    cryptoKeyVersion: { name: key.primary!.name, state: 'DISABLED' },
    updateMask: { paths: ['state'] },
  });
  results = await runChecklist(withoutConfigs(), gitlab, adapter());
  assert.equal(row(results, 'key').outcome, 'fail');
  assert.match(row(results, 'key').detail, /primary version 2 is DISABLED, not ENABLED/);
  assert.match(row(results, 'key').fix!.text!, /gcloud kms keys versions enable 2 --key /);
  assert.match(row(results, 'secrets').detail, /not decrypt-checked: the KMS key is not usable/);
});

test('at scale the secrets check sees every worker’s config.toml: the listing reads every page', async () => {
  const scale = await startSandbox({ seed: 'scale' });
  try {
    const s = scale.settings as Record<string, never>;
    const probe = new ChecklistAdapter(
      {
        gcpProject: s['runnerOps.gcp.project'],
        credentials: 'none',
        endpoints: s['runnerOps.gcp.endpoints'],
        gitlabUrl: s['runnerOps.gitlab.url'],
      },
      (token) => verifyRunnerToken(scale.url, token),
    );
    const mark = scale.requests.mark();
    const names = new Set(
      (await probe.objects(s['runnerOps.secrets.bucket'], s['runnerOps.secrets.prefix'])).map((o) => o.name),
    );
    await probe.close();
    for (const required of [
      'runners/deploy-key.enc',
      'runners/sa-key.json.enc',
      'runners/gitlab-runner-0000/config.toml.enc',
      'runners/gitlab-runner-1999/config.toml.enc',
    ])
      assert.ok(names.has(required), `${required} listed (${names.size} names)`);
    assert.ok(names.size >= 2002, `${names.size} names`);
    const pages = scale.requests.since(mark).filter((r) => r.path.includes('/o?'));
    assert.ok(
      pages.length >= 3 && pages.every((r) => r.path.includes('fields=items')),
      pages.map((r) => r.path).join('\n'),
    );
  } finally {
    await scale.close();
  }
});
