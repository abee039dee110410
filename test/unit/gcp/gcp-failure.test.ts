// The Google mapper against the sandbox's faults, through each real client: gax's gRPC codes
// (Compute, KMS, Logging) and Cloud Storage's HTTP statuses land on the same Failure kinds.
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { describeFailure, isFailure, type Failure } from '../../../src/core/failures';
import { ComputeAdapter } from '../../../src/gcp/compute';
import { KmsDecryptCheck } from '../../../src/gcp/kms';
import { logEntrySource } from '../../../src/gcp/logging';
import { SecretsStorage } from '../../../src/gcp/storage';
import { readSettings, type RunnerOpsSettings } from '../../../src/config/settings';
import { startSandbox, type Sandbox } from '../../sandbox/server';

let sandbox: Sandbox;
let settings: RunnerOpsSettings;
const closers: Array<() => Promise<void>> = [];

before(async () => {
  sandbox = await startSandbox({ seed: 'demo' });
  // The sandbox's settings as the extension reads them.
  const s: Record<string, unknown> = sandbox.settings;
  settings = readSettings({ get: <T>(key: string, fallback: T) => (s[`runnerOps.${key}`] as T) ?? fallback });
});
after(async () => {
  await Promise.all(closers.map((close) => close()));
  await sandbox.close();
});

async function failureOf(fault: string, call: () => Promise<unknown>): Promise<Failure> {
  sandbox.faults.add(fault);
  try {
    await call();
  } catch (error) {
    assert.ok(isFailure(error), `not a Failure: ${String(error)}`);
    return error;
  } finally {
    sandbox.faults.clear();
  }
  throw new Error('the call succeeded');
}

test('Compute PERMISSION_DENIED: permanent, and names the permission the credentials lack', async () => {
  const compute = new ComputeAdapter(settings);
  closers.push(() => compute.close());
  const failure = await failureOf('compute:*=403:permission=compute.instances.list', () => compute.listWorkers());
  assert.equal(failure.source, 'compute');
  assert.equal(failure.kind, 'forbidden');
  assert.equal(failure.permanent, true);
  assert.match(failure.message, /the credentials lack compute\.instances\.list\. Grant a role that includes it/);
  assert.match(failure.request?.method ?? '', /^compute\.instances\.(list|aggregatedList)$/);
  assert.equal(failure.request?.status, 'PERMISSION_DENIED');
});

test('Storage 404: not found, permanent, pointing at the bucket setting; its path without the query', async () => {
  const storage = new SecretsStorage({ ...settings, secretsBucket: 'no-such-bucket' });
  const failure = await failureOf('storage:/storage/v1/b/*=404', () => storage.listGenerations(''));
  assert.equal(failure.source, 'storage');
  assert.equal(failure.kind, 'not-found');
  assert.equal(failure.permanent, true);
  assert.match(failure.message, /not found .*runnerOps\.secrets\.bucket/);
  assert.equal(failure.request?.method, 'storage.objects.list');
  assert.equal(failure.request?.status, 404);
  assert.match(
    describeFailure(failure, 2),
    /^\[failure 2\] storage · storage\.objects\.list \/storage\/v1\/b\/no-such-bucket\/o · 404 · not-found, permanent: /,
  );
});

test('Storage 403 with the permission IAM denied: forbidden, the permission and the role named', async () => {
  const storage = new SecretsStorage(settings);
  const failure = await failureOf('storage:*=403:permission=storage.objects.list', () => storage.listGenerations(''));
  assert.equal(failure.kind, 'forbidden');
  assert.match(failure.message, /lack storage\.objects\.list.*Storage Object Viewer/);
});

test('Logging RESOURCE_EXHAUSTED: rate limited, not permanent, waits out the quota', async () => {
  const logging = logEntrySource(settings);
  const failure = await failureOf('logging:*=429', () =>
    logging.list({ filter: '', orderBy: 'timestamp asc', pageSize: 10 }),
  );
  assert.equal(failure.source, 'logging');
  assert.equal(failure.kind, 'rate-limited');
  assert.equal(failure.permanent, false);
  assert.equal(failure.retryAfterMs, 30_000);
  assert.match(failure.message, /Cloud Logging quota exceeded .*waiting 30 s/);
  // The generated client's gax maps the 429 to its gRPC twin, as for Compute and KMS.
  assert.equal(failure.request?.status, 'RESOURCE_EXHAUSTED');
});

test('KMS decrypt: the reason takes its kind from the mapper (FAILED_PRECONDITION, PERMISSION_DENIED)', async () => {
  const kms = new KmsDecryptCheck(settings);
  closers.push(() => kms.close());
  sandbox.faults.add('kms:*=403:permission=cloudkms.cryptoKeyVersions.useToDecrypt');
  try {
    const denied = await kms.check(Buffer.from('not really ciphertext'));
    assert.equal(denied.outcome, 'failed');
    assert.match(denied.outcome === 'failed' ? denied.reason : '', /^permission denied: the credentials need/);
    const failure = denied.outcome === 'failed' ? denied.failure : undefined;
    assert.ok(isFailure(failure) && failure.kind === 'forbidden' && failure.source === 'kms');
  } finally {
    sandbox.faults.clear();
  }
  sandbox.faults.add('kms:*=412');
  try {
    const result = await kms.check(Buffer.from('x'));
    assert.equal(result.outcome === 'failed' && isFailure(result.failure) && result.failure.kind, 'precondition');
  } finally {
    sandbox.faults.clear();
  }
});
