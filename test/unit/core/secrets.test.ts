// The Secrets view's pure logic: listings to rows, outcomes to sentences, the store's refresh and verify.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import {
  compareGenerations,
  decryptFailureReason,
  formatSize,
  generationDescription,
  secretDescription,
  secretLabel,
  SecretsStore,
  toSecrets,
  verifySentence,
  verifySummary,
  verifyTone,
  type SecretGeneration,
  type SecretsPort,
  type VerifyResult,
} from '../../../src/core/secrets';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 25, 12);
const gen = (name: string, generation: string, extra: Partial<SecretGeneration> = {}): SecretGeneration => ({
  name,
  generation,
  size: 2150,
  createdAt: NOW - 3 * DAY,
  updatedAt: NOW - 3 * DAY,
  ...extra,
});

test('a listing groups into secrets with their generations, newest first; deleted objects and folders drop out', () => {
  const listing = [
    gen('runners/a/config.toml.enc', '1700000000000001', { deletedAt: NOW - 3 * DAY }),
    gen('runners/a/config.toml.enc', '1700000000000003'),
    gen('runners/a/config.toml.enc', '999999999999999', { deletedAt: NOW - 9 * DAY }),
    gen('runners/deploy-key.enc', '5'),
    gen('runners/gone.enc', '7', { deletedAt: NOW - DAY }),
    gen('runners/', '8', { size: 0 }),
    gen('other/x.enc', '9'),
  ];
  const secrets = toSecrets(listing, 'runners/');
  assert.deepEqual(
    secrets.map((s) => s.name),
    ['runners/a/config.toml.enc', 'runners/deploy-key.enc'],
  );
  assert.deepEqual(
    secrets[0].generations.map((g) => g.generation),
    ['1700000000000003', '1700000000000001', '999999999999999'],
  );
  assert.equal(secrets[0].current.generation, '1700000000000003');
});

test('rows: label without the prefix, size, age and the version count only when older ones are kept', () => {
  const [multi, single] = toSecrets(
    [
      gen('runners/a.enc', '2'),
      gen('runners/a.enc', '1', { deletedAt: NOW - DAY }),
      gen('runners/b.enc', '3', { size: 300 }),
    ],
    'runners/',
  );
  assert.equal(secretLabel(multi.name, 'runners/'), 'a.enc');
  assert.equal(secretLabel('x.enc', ''), 'x.enc');
  assert.equal(secretDescription(multi, NOW), '2.1 KB · updated 3 d ago · 2 versions');
  assert.equal(secretDescription(single, NOW), '300 B · updated 3 d ago');
  assert.equal(generationDescription(multi.generations[1], NOW), '2.1 KB · written 3 d ago · noncurrent since 1 d ago');
  assert.equal(generationDescription(multi.generations[0], NOW), '2.1 KB · written 3 d ago · current');
  assert.equal(formatSize(3 * 1024 * 1024), '3.0 MB');
  assert.ok(
    compareGenerations('10', '9') > 0 && compareGenerations('9', '10') < 0 && compareGenerations('5', '5') === 0,
  );
});

test('outcomes read as sentences, tones and a summary', () => {
  const results: VerifyResult[] = [
    { outcome: 'primary' },
    { outcome: 'older-version' },
    { outcome: 'failed', reason: 'key version 1 is disabled' },
  ];
  assert.deepEqual(results.map(verifySentence), [
    'decrypts with the primary version',
    'decrypts with an older key version (re-encrypt on rotation)',
    'cannot be decrypted: key version 1 is disabled',
  ]);
  assert.deepEqual(results.map(verifyTone), ['ok', 'warning', 'error']);
  assert.equal(
    verifySummary(results.map((result, i) => ({ label: ['a.enc', 'b.enc', 'c.enc'][i], result }))),
    '3 secrets verified: 1 decrypts with the primary key version; 1 only with an older version (b.enc: re-encrypt it); ' +
      '1 cannot be decrypted (c.enc: key version 1 is disabled).',
  );
});

test('KMS failures become reasons: a disabled or destroyed version (FAILED_PRECONDITION) names its state', () => {
  const key = 'projects/p/locations/l/keyRings/r/cryptoKeys/k';
  assert.equal(
    decryptFailureReason(
      'precondition',
      `9 FAILED_PRECONDITION: ${key}/cryptoKeyVersions/1 is not enabled, current state is: DISABLED.`,
    ),
    'key version 1 is disabled (enable or restore it to read this secret)',
  );
  assert.equal(
    decryptFailureReason(
      'precondition',
      `${key}/cryptoKeyVersions/2 is not enabled, current state is: DESTROY_SCHEDULED.`,
    ),
    'key version 2 is destroy scheduled (enable or restore it to read this secret)',
  );
  assert.match(decryptFailureReason('not-found', 'CryptoKey x not found.'), /runnerOps\.secrets\.kmsKey/);
  assert.match(decryptFailureReason('invalid', 'Decryption failed'), /not made by this key/);
});

test('the store lists, verifies each secret until the next refresh, and turns failures into state', async () => {
  let fail = false;
  const verifyCalls: string[] = [];
  // Only what the store reads: writes are src/core/secret-write.ts's (test/unit/core/secret-write.test.ts).
  const port = {
    bucket: async () => {
      if (fail) throw new Error('Permission denied');
      return { name: 'b', versioning: false };
    },
    listGenerations: async () => [gen('p/a.enc', '1'), gen('p/b.enc', '2')],
    verify: async (name) => {
      verifyCalls.push(name);
      if (name === 'p/b.enc') throw new Error('boom');
      return { outcome: 'primary' as const };
    },
  } as Partial<SecretsPort> as SecretsPort;
  const store = new SecretsStore(async () => port, 'p/');
  let changes = 0;
  store.onChange(() => changes++);
  await store.refresh();
  assert.equal(store.state.bucket?.versioning, false);
  assert.equal(store.state.secrets?.length, 2);
  const results = await store.verifyAll();
  assert.deepEqual(
    results.map((r) => r.result.outcome),
    ['primary', 'failed'],
  );
  assert.deepEqual(store.verified.get('p/a.enc'), { outcome: 'primary' });
  assert.deepEqual(verifyCalls.sort(), ['p/a.enc', 'p/b.enc']);
  assert.ok(changes >= 5, `${changes} changes: the listing, then each secret running and done`);
  fail = true;
  await store.refresh();
  assert.equal(store.state.error?.message, 'Permission denied');
  assert.equal(store.state.secrets, undefined);
  assert.equal(store.verified.size, 0, 'a refresh clears the outcomes');
});

test('a first listing of several pages shows what it has read (but the last, maybe split, object); a refresh does not', async () => {
  let releaseLast!: () => void;
  const held = new Promise<void>((resolve) => (releaseLast = resolve));
  const page1 = [gen('p/a.enc', '1'), gen('p/b.enc', '2'), gen('p/c.enc', '3')];
  const page2 = [gen('p/c.enc', '4'), gen('p/d.enc', '5')];
  const port = {
    bucket: async () => ({ name: 'b', versioning: true }),
    listGenerations: async (_prefix: string, listed?: (soFar: SecretGeneration[]) => void) => {
      listed?.(page1);
      await held;
      return [...page1, ...page2];
    },
  } as Partial<SecretsPort> as SecretsPort;
  const store = new SecretsStore(async () => port, 'p/');
  const shown: string[][] = [];
  store.onChange(() => shown.push((store.state.secrets ?? []).map((s) => s.name)));
  const first = store.refresh();
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(
    shown,
    [['p/a.enc', 'p/b.enc']],
    'no event for the start of a first read: "Loading…" is already shown',
  );
  assert.deepEqual(
    store.state.secrets?.map((s) => s.name),
    ['p/a.enc', 'p/b.enc'],
    'c.enc may go on: held back',
  );
  assert.equal(store.state.loading, true);
  releaseLast();
  await first;
  assert.deepEqual(
    store.state.secrets?.map((s) => s.name),
    ['p/a.enc', 'p/b.enc', 'p/c.enc', 'p/d.enc'],
  );
  assert.deepEqual(
    store.state.secrets?.[2].generations.map((g) => g.generation),
    ['4', '3'],
  );
  shown.length = 0;
  await store.refresh();
  assert.ok(
    shown.every((names) => names.length === 4),
    `a refresh keeps the whole list on screen: ${JSON.stringify(shown)}`,
  );
});

test('firstRefresh: none before a read; then the first listing, settled with rows or with the failure, kept by later reads', async () => {
  let fail = true;
  const port = {
    bucket: async () => {
      if (fail) throw new Error('Permission denied');
      return { name: 'b', versioning: true };
    },
    listGenerations: async () => [gen('p/a.enc', '1')],
  } as Partial<SecretsPort> as SecretsPort;
  const store = new SecretsStore(async () => port, 'p/');
  assert.equal(store.firstRefresh, undefined, 'nothing to wait for: the Secrets view has not read');
  const first = store.refresh();
  assert.equal(store.firstRefresh, first);
  await store.firstRefresh;
  assert.ok(store.state.error, 'a failed listing settles it too: the checklist does not wait for a retry');
  fail = false;
  await store.refresh();
  assert.equal(store.firstRefresh, first);
  assert.equal(store.state.secrets?.length, 1);
});
