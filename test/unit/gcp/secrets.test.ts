// The secrets bundle (Storage + KMS adapters) against the demo sandbox: listing with every
// generation, versioning, verify outcomes (primary, older version, disabled version), and the
// failures a view shows as rows. The plaintext never leaves the KMS adapter.
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { verifySentence, toSecrets, type SecretsPort } from '../../../src/core/secrets';
import { replaceSecret, rollbackSecret } from '../../../src/core/secret-write';
import { secretsPort } from '../../../src/gcp/secrets-bundle';
import type { Failure } from '../../../src/core/failures';
import { PACE } from '../../../src/core/pace';
import { GENERATION_FIELDS, SecretsStorage, toGeneration } from '../../../src/gcp/storage';
import { applyFieldMask, parseFieldMask } from '../../sandbox/google/field-mask';
import { FakeClock } from '../core/fake-clock';
import { startSandbox, type Sandbox } from '../../sandbox/server';
import { sandboxSettings } from './sandbox-settings';
import type { GoogleSandbox } from '../../sandbox/google/index';
import type { RunnerOpsSettings } from '../../../src/config/settings';

let sandbox: Sandbox;
let settings: RunnerOpsSettings;
let port: SecretsPort;
const google = () => sandbox.world.google as GoogleSandbox;

before(async () => {
  sandbox = await startSandbox({ seed: 'demo' });
  settings = sandboxSettings(sandbox);
  port = secretsPort(settings);
});
after(async () => {
  await port?.close?.();
  await sandbox.close();
});

test('the listing’s field mask keeps everything a secret’s rows show', async () => {
  const url = `${settings.endpoints.storage}/storage/v1/b/${settings.secretsBucket}/o?versions=true&prefix=${encodeURIComponent(settings.secretsPrefix)}`;
  const full = (await (await fetch(url)).json()) as { items: Array<Record<string, unknown>> };
  assert.ok(full.items.length >= 3);
  const masked = applyFieldMask(full, parseFieldMask(GENERATION_FIELDS)) as typeof full;
  assert.deepEqual(masked.items.map(toGeneration), full.items.map(toGeneration));
  // The listing asked for the mask, and what the mask left out did not arrive.
  const mark = sandbox.requests.mark();
  await port.listGenerations(settings.secretsPrefix);
  assert.ok(sandbox.requests.since(mark).some((r) => r.path.includes('fields=items')));
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

test('verify hands the plaintext to an inspector before zeroing it: one decrypt reads a config.toml', async () => {
  const secrets = toSecrets(await port.listGenerations(settings.secretsPrefix), settings.secretsPrefix);
  const config = secrets.find((s) => s.name.endsWith('gitlab-runner-a/config.toml.enc'))!;
  let seen: Uint8Array | undefined;
  let text = '';
  const mark = sandbox.requests.mark();
  const result = await port.verify(config.name, config.current.generation, (plaintext) => {
    seen = plaintext;
    text = new TextDecoder().decode(plaintext);
  });
  assert.deepEqual(result, { outcome: 'primary' });
  assert.match(text, /\[\[runners\]\]/);
  assert.ok(seen && seen.every((b) => b === 0), 'zeroed after the inspector ran');
  assert.equal(sandbox.requests.since(mark).filter((r) => r.path.includes(':decrypt')).length, 1);
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

// Writes, through the real @google-cloud/kms and @google-cloud/storage clients. What reached the
// sandbox is read from its state and decrypted there, independently of the adapter.
const storedText = (objectName: string, generation?: string): string => {
  const bucket = google().state.storage.bucket(settings.secretsBucket);
  const object = google().state.storage.find(bucket, objectName, generation);
  return google().state.kms.decrypt(settings.kmsKey, object.data).plaintext.toString('utf8');
};
const currentOf = async (objectName: string) =>
  toSecrets(await port.listGenerations(settings.secretsPrefix), settings.secretsPrefix).find(
    (s) => s.name === objectName,
  )!;

test('replace: the new generation decrypts (by KMS) to the new bytes; encrypt and upload carry checksums and the precondition', async () => {
  const name = `${settings.secretsPrefix}deploy-key.enc`;
  const before = await currentOf(name);
  const mark = sandbox.requests.mark();
  const value = Buffer.from('-----BEGIN OPENSSH PRIVATE KEY-----\nreplaced\n-----END OPENSSH PRIVATE KEY-----\n');
  const expected = value.toString();
  const result = await replaceSecret(port, { objectName: name, replaces: before.current.generation }, value);
  assert.equal(result.outcome, 'written');
  const after = await currentOf(name);
  assert.equal(result.outcome === 'written' && result.generation.generation, after.current.generation);
  assert.notEqual(after.current.generation, before.current.generation);
  assert.equal(storedText(name), expected);
  assert.notEqual(storedText(name, before.current.generation), expected, 'the old generation is kept as it was');
  const requests = sandbox.requests.since(mark);
  const upload = requests.find((r) => r.method === 'POST' && r.path.startsWith('/upload/storage/v1/'))!;
  assert.ok(upload.path.includes(`ifGenerationMatch=${before.current.generation}`), upload.path);
  assert.ok(
    requests.some((r) => r.path.includes(':encrypt')),
    'encrypted with KMS',
  );
  for (const r of requests) assert.ok(r.status < 400, `${r.method} ${r.path} ${r.status}`);
});

test('replace: a concurrent write in between is a 412 conflict; the other write stays current', async () => {
  const name = `${settings.secretsPrefix}sa-key.json.enc`;
  const planned = (await currentOf(name)).current.generation;
  const bucket = google().state.storage.bucket(settings.secretsBucket);
  const theirs = google().state.kms.encrypt(settings.kmsKey, Buffer.from('{"theirs": true}')).ciphertext;
  const written = google().state.storage.write(bucket, name, theirs);
  const mark = sandbox.requests.mark();
  const result = await replaceSecret(port, { objectName: name, replaces: planned }, Buffer.from('{"mine": true}'));
  assert.equal(result.outcome, 'conflict');
  assert.equal(result.outcome === 'conflict' && result.current?.generation, written.generation);
  assert.equal(storedText(name), '{"theirs": true}');
  const statuses = sandbox.requests.since(mark).map((r) => r.status);
  assert.ok(statuses.includes(412), statuses.join(' '));
});

test('rollback: the older generation is current again, copied under the precondition; a stale plan is refused', async () => {
  const name = `${settings.secretsPrefix}gitlab-runner-a/config.toml.enc`;
  const secret = await currentOf(name);
  const older = secret.generations.find((g) => g.deletedAt !== undefined)!;
  const oldText = storedText(name, older.generation);
  const mark = sandbox.requests.mark();
  const result = await rollbackSecret(
    port,
    { objectName: name, replaces: secret.current.generation },
    older.generation,
  );
  assert.equal(result.outcome, 'written');
  assert.equal(storedText(name), oldText);
  const copy = sandbox.requests.since(mark).find((r) => r.path.includes('/rewriteTo/'))!;
  assert.ok(copy.path.includes(`sourceGeneration=${older.generation}`), copy.path);
  assert.ok(copy.path.includes(`ifGenerationMatch=${secret.current.generation}`), copy.path);
  // The same plan again: its generation is no longer current.
  const again = await rollbackSecret(port, { objectName: name, replaces: secret.current.generation }, older.generation);
  assert.equal(again.outcome, 'conflict');
});

test(
  'a listing whose body is cut off midway fails at the deadline instead of waiting forever',
  { timeout: 10_000 },
  async () => {
    const clock = new FakeClock();
    const storage = new SecretsStorage(settings, clock);
    const mark = sandbox.requests.mark();
    sandbox.faults.add('storage:/storage/v1/b/*/o=truncate');
    try {
      const listing = storage.listGenerations(settings.secretsPrefix);
      listing.catch(() => undefined);
      // The cut-off answer has reached the client (it is logged once the connection closed).
      while (!sandbox.requests.since(mark).some((r) => r.fault === 'truncate'))
        await new Promise((resolve) => setTimeout(resolve, 20));
      await clock.advance(PACE.google.storage.timeoutMs);
      const failure = (await listing.then(
        () => assert.fail('the listing succeeded'),
        (e: unknown) => e,
      )) as Failure;
      assert.equal(failure.kind, 'timeout');
      assert.equal(
        failure.message,
        `Cloud Storage did not answer within 20 s while trying to list gs://${settings.secretsBucket}/${settings.secretsPrefix}. Try again shortly, or check runnerOps.gcp.endpoints and your network.`,
      );
    } finally {
      sandbox.faults.clear();
    }
  },
);
