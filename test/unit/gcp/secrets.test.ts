// The secrets bundle (Storage + KMS adapters) against the demo sandbox: listing with every
// generation, versioning, verify outcomes (primary, older version, disabled version), and the
// failures a view shows as rows. The plaintext never leaves the KMS adapter.
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { verifySentence, toSecrets, type SecretsPort } from '../../../src/core/secrets';
import { secretsPort } from '../../../src/gcp/secrets-bundle';
import type { Failure } from '../../../src/core/failures';
import { startSandbox, type Sandbox } from '../../sandbox/server';
import type { GoogleSandbox } from '../../sandbox/google/index';
import type { RunnerOpsSettings } from '../../../src/config/settings';

let sandbox: Sandbox;
let settings: RunnerOpsSettings;
let port: SecretsPort;
const google = () => sandbox.world.google as GoogleSandbox;

before(async () => {
  sandbox = await startSandbox({ seed: 'demo' });
  const s = sandbox.settings;
  settings = {
    gitlabUrl: '',
    gitlabProjects: [],
    gcpProject: s['runnerOps.gcp.project'] as string,
    gcpZones: [],
    instanceFilter: '',
    credentials: 'none',
    endpoints: s['runnerOps.gcp.endpoints'] as RunnerOpsSettings['endpoints'],
    secretsBucket: s['runnerOps.secrets.bucket'] as string,
    secretsPrefix: s['runnerOps.secrets.prefix'] as string,
    kmsKey: s['runnerOps.secrets.kmsKey'] as string,
    refresh: { slowSeconds: 60 },
    logs: { maxLines: 10_000, runnerLogFilter: '' },
    problems: [],
  };
  port = secretsPort(settings);
});
after(async () => {
  await port?.close?.();
  await sandbox.close();
});

test('lists every secret under the prefix with its generations; the bucket keeps versions', async () => {
  const mark = sandbox.requests.mark();
  const bucket = await port.bucket();
  assert.deepEqual(bucket, { name: settings.secretsBucket, versioning: true });
  const secrets = toSecrets(await port.listGenerations(settings.secretsPrefix), settings.secretsPrefix);
  const names = secrets.map((s) => s.name.slice(settings.secretsPrefix.length));
  assert.ok(names.includes('deploy-key.enc') && names.includes('sa-key.json.enc'), names.join(', '));
  const configs = secrets.filter((s) => s.name.endsWith('/config.toml.enc'));
  assert.ok(configs.length >= 2, 'one config per worker');
  for (const config of configs) {
    assert.equal(config.generations.length, 2, 'the demo rewrote each config once: one noncurrent generation');
    assert.equal(config.generations[0], config.current);
    assert.ok(config.generations[1].deletedAt !== undefined, 'the older generation is noncurrent');
    assert.ok(config.current.crc32c && config.current.md5Hash);
  }
  const requests = sandbox.requests.since(mark).map((r) => `${r.method} ${r.path}`);
  assert.equal(requests.length, 2, requests.join('\n'));
});

test('verify: the deploy key is on the primary version, the service-account key on version 1', async () => {
  const secrets = toSecrets(await port.listGenerations(settings.secretsPrefix), settings.secretsPrefix);
  const byName = (n: string) => secrets.find((s) => s.name === settings.secretsPrefix + n)!;
  const mark = sandbox.requests.mark();
  const deploy = await port.verify(byName('deploy-key.enc').name, byName('deploy-key.enc').current.generation);
  assert.deepEqual(deploy, { outcome: 'primary' });
  assert.equal(verifySentence(deploy), 'decrypts with the primary version');
  const sa = await port.verify(byName('sa-key.json.enc').name, byName('sa-key.json.enc').current.generation);
  assert.deepEqual(sa, { outcome: 'older-version' });
  assert.equal(verifySentence(sa), 'decrypts with an older key version (re-encrypt on rotation)');
  const decrypts = sandbox.requests.since(mark).filter((r) => r.path.includes(':decrypt'));
  assert.equal(decrypts.length, 2);
  for (const r of sandbox.requests.since(mark)) assert.ok(r.status < 400, `${r.method} ${r.path} ${r.status}`);
});

test('verify: a disabled key version means "cannot be decrypted", naming the version', async () => {
  const kms = google().state.kms;
  const key = kms.key(settings.kmsKey);
  const v1 = key.versions[0];
  kms.setVersionState(key, v1, 'DISABLED');
  try {
    const secrets = toSecrets(await port.listGenerations(settings.secretsPrefix), settings.secretsPrefix);
    const sa = secrets.find((s) => s.name.endsWith('sa-key.json.enc'))!;
    const result = await port.verify(sa.name, sa.current.generation);
    assert.equal(result.outcome, 'failed');
    assert.match(verifySentence(result), /^cannot be decrypted: key version 1 is disabled/);
    const deploy = secrets.find((s) => s.name.endsWith('deploy-key.enc'))!;
    assert.deepEqual(await port.verify(deploy.name, deploy.current.generation), { outcome: 'primary' });
  } finally {
    kms.setVersionState(key, v1, 'ENABLED');
  }
});

test('a missing bucket and a permission denial are failures that say what fixes them', async () => {
  const missing = secretsPort({ ...settings, secretsBucket: 'no-such-bucket' });
  await assert.rejects(
    missing.bucket(),
    (e: Failure) => e.kind === 'not-found' && /runnerOps\.secrets\.bucket/.test(e.message),
  );
  sandbox.faults.add('storage:/storage/v1/b/*=403');
  try {
    await assert.rejects(
      port.listGenerations(settings.secretsPrefix),
      (e: Failure) => e.kind === 'forbidden' && e.permanent && /Storage Object Viewer/.test(e.message),
    );
  } finally {
    sandbox.faults.clear();
  }
});

test('versioning off shows in the bucket', async () => {
  const bucket = google().state.storage.bucket(settings.secretsBucket);
  bucket.versioning = false;
  try {
    assert.deepEqual(await port.bucket(), { name: settings.secretsBucket, versioning: false });
  } finally {
    bucket.versioning = true;
  }
});
