// Replace and roll back, sequenced against a fake port: what reaches "Google" in which order,
// the 412 path (nothing overwritten, the current generation named), a read-back mismatch, and
// nothing uploaded when the value is refused. The value buffer is zeroed whatever happens.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { Failure } from '../../../src/core/failures';
import {
  outcomeSentence,
  refuseValue,
  replaceQuestion,
  replaceSecret,
  rollbackQuestion,
  rollbackSecret,
  targetProblem,
  MAX_SECRET_BYTES,
} from '../../../src/core/secret-write';
import type { SecretGeneration, SecretsPort } from '../../../src/core/secrets';

const NAME = 'runners/gitlab-runner-a/config.toml.enc';
const VALID_TOML = '[[runners]]\nname = "a"\nurl = "https://gitlab.example"\ntoken = "glrt-new"\n';

/** An in-memory bucket of one object; "encryption" reverses the bytes so a mix-up shows. */
function fakePort(opts: { corruptUpload?: boolean } = {}) {
  const calls: string[] = [];
  const generations: Array<{ generation: string; data: Buffer; current: boolean }> = [
    { generation: '100', data: seal('[[runners]]\ntoken = "glrt-old"\n'), current: true },
  ];
  let next = 101;
  const meta = (g: { generation: string; current: boolean }): SecretGeneration => ({
    name: NAME,
    generation: g.generation,
    size: 1,
    createdAt: 1000,
    updatedAt: 1000,
    deletedAt: g.current ? undefined : 2000,
  });
  const write = (data: Buffer, ifGenerationMatch: string) => {
    const live = generations.find((g) => g.current)!;
    if (live.generation !== ifGenerationMatch)
      throw new Failure({ source: 'storage', kind: 'conflict', message: 'precondition failed' });
    live.current = false;
    const fresh = { generation: String(next++), data, current: true };
    generations.push(fresh);
    return meta(fresh);
  };
  const port: SecretsPort = {
    bucket: async () => ({ name: 'b', versioning: true }),
    listGenerations: async () => generations.map(meta),
    verify: async () => ({ outcome: 'primary' }),
    encrypt: async (plaintext) => {
      calls.push('encrypt');
      return Buffer.from(plaintext).reverse();
    },
    decrypt: async (ciphertext) => {
      calls.push('decrypt');
      return Buffer.from(ciphertext).reverse();
    },
    download: async (_name, generation) => {
      calls.push(`download ${generation}`);
      return Buffer.from(generations.find((g) => g.generation === generation)!.data);
    },
    upload: async (_name, data, ifGenerationMatch) => {
      calls.push(`upload if ${ifGenerationMatch}`);
      const stored = Buffer.from(data);
      if (opts.corruptUpload) stored[0] ^= 1;
      return write(stored, ifGenerationMatch);
    },
    restore: async (_name, source, ifGenerationMatch) => {
      calls.push(`restore ${source} if ${ifGenerationMatch}`);
      return write(Buffer.from(generations.find((g) => g.generation === source)!.data), ifGenerationMatch);
    },
  };
  /** Someone else writes between the plan and the upload. */
  const concurrentWrite = (text: string) => write(seal(text), generations.find((g) => g.current)!.generation);
  const currentText = () => open(generations.find((g) => g.current)!.data);
  return { port, calls, generations, concurrentWrite, currentText };
}

function seal(text: string): Buffer {
  return Buffer.from(text).reverse();
}
function open(data: Buffer): string {
  return Buffer.from(data).reverse().toString();
}

test('replace: encrypt, upload guarded by the planned generation, read back and decrypt; the value is zeroed', async () => {
  const fake = fakePort();
  const value = Buffer.from(VALID_TOML);
  const result = await replaceSecret(fake.port, { objectName: NAME, replaces: '100' }, value);
  assert.equal(result.outcome, 'written');
  assert.equal(result.outcome === 'written' && result.generation.generation, '101');
  assert.deepEqual(fake.calls, ['encrypt', 'upload if 100', 'download 101', 'decrypt']);
  assert.equal(fake.currentText(), VALID_TOML);
  assert.ok(
    value.every((b) => b === 0),
    'the plaintext buffer is zeroed',
  );
});

test('replace: a concurrent write in between is a conflict naming the generation now current; nothing overwritten', async () => {
  const fake = fakePort();
  fake.concurrentWrite('[[runners]]\ntoken = "glrt-theirs"\n');
  const value = Buffer.from(VALID_TOML);
  const result = await replaceSecret(fake.port, { objectName: NAME, replaces: '100' }, value);
  assert.equal(result.outcome, 'conflict');
  assert.equal(result.outcome === 'conflict' && result.current?.generation, '101');
  assert.equal(fake.currentText(), '[[runners]]\ntoken = "glrt-theirs"\n', 'their write stays current');
  assert.deepEqual(fake.calls, ['encrypt', 'upload if 100']);
  assert.ok(value.every((b) => b === 0));
});

test('replace: a read-back that does not decrypt to the same bytes is a mismatch', async () => {
  const fake = fakePort({ corruptUpload: true });
  const result = await replaceSecret(fake.port, { objectName: NAME, replaces: '100' }, Buffer.from(VALID_TOML));
  assert.equal(result.outcome, 'mismatch');
});

test('replace: invalid TOML is refused with its line before any call, quoting nothing of the value', async () => {
  const fake = fakePort();
  const value = Buffer.from('[[runners]]\nname = "a"\ntoken = glrt-secret-value\n');
  const result = await replaceSecret(fake.port, { objectName: NAME, replaces: '100' }, value);
  assert.equal(result.outcome, 'refused');
  const reason = result.outcome === 'refused' ? result.reason : '';
  assert.match(reason, /^The value is not valid TOML: line 3, column \d+: /);
  assert.doesNotMatch(reason, /glrt|secret-value/);
  assert.deepEqual(fake.calls, [], 'nothing encrypted or uploaded');
  assert.ok(value.every((b) => b === 0));
});

test('values are refused when empty, too large or binary; other secrets need not be TOML', () => {
  assert.match(refuseValue('k.enc', Buffer.alloc(0))!, /empty/);
  assert.match(refuseValue('k.enc', Buffer.alloc(MAX_SECRET_BYTES + 1, 0x61))!, /65,536 bytes \(64 KiB\)/);
  assert.equal(refuseValue('k.enc', Buffer.alloc(MAX_SECRET_BYTES, 0x61)), undefined);
  assert.match(refuseValue('k.enc', Buffer.from([0x61, 0x00, 0x62]))!, /binary/);
  assert.match(refuseValue('k.enc', Buffer.from([0xff, 0xfe, 0x00]))!, /binary/);
  assert.equal(refuseValue('deploy-key.enc', Buffer.from('not = [toml')), undefined);
  assert.match(refuseValue('a/config.toml', Buffer.from('not = [toml'))!, /not valid TOML: line 1/);
});

test('rollback: checks the old generation decrypts, copies it over the planned one, reads it back', async () => {
  const fake = fakePort();
  fake.concurrentWrite('[[runners]]\ntoken = "glrt-newer"\n'); // 101 current, 100 noncurrent
  const result = await rollbackSecret(fake.port, { objectName: NAME, replaces: '101' }, '100');
  assert.equal(result.outcome, 'written');
  assert.equal(result.outcome === 'written' && result.generation.generation, '102');
  assert.deepEqual(fake.calls, ['download 100', 'decrypt', 'restore 100 if 101', 'download 102', 'decrypt']);
  assert.equal(fake.currentText(), '[[runners]]\ntoken = "glrt-old"\n');
});

test('rollback: a write since the plan is a conflict; the newer generation stays current', async () => {
  const fake = fakePort();
  fake.concurrentWrite('[[runners]]\ntoken = "glrt-newer"\n');
  fake.concurrentWrite('[[runners]]\ntoken = "glrt-newest"\n');
  const result = await rollbackSecret(fake.port, { objectName: NAME, replaces: '101' }, '100');
  assert.equal(result.outcome, 'conflict');
  assert.equal(result.outcome === 'conflict' && result.current?.generation, '102');
  assert.equal(fake.currentText(), '[[runners]]\ntoken = "glrt-newest"\n');
});

test('rollback: an old generation that cannot be decrypted is not restored', async () => {
  const fake = fakePort();
  fake.concurrentWrite('x = 1\n');
  fake.port.decrypt = async () => {
    throw new Failure({
      source: 'kms',
      kind: 'precondition',
      message: 'It cannot be decrypted: key version 1 is disabled.',
    });
  };
  await assert.rejects(
    rollbackSecret(fake.port, { objectName: NAME, replaces: '101' }, '100'),
    /key version 1 is disabled/,
  );
  assert.ok(!fake.calls.some((c) => c.startsWith('restore')));
});

test('the plan names where the write goes and the generation it replaces; outcomes name generations, never values', () => {
  const now = Date.UTC(2026, 11, 2, 12);
  const current: SecretGeneration = {
    name: NAME,
    generation: '100',
    size: 10,
    createdAt: now - 7_200_000,
    updatedAt: 0,
  };
  const facts = { label: 'gitlab-runner-a/config.toml.enc', bucket: 'b', kmsKey: 'projects/p/k', current, now };
  const question = replaceQuestion(facts, 2048, 'from config.toml');
  assert.match(question, /^Replace gitlab-runner-a\/config\.toml\.enc\?\n\n/);
  assert.ok(question.includes('The new value (2.0 KB, from config.toml) is encrypted with projects/p/k'), question);
  assert.ok(question.includes(`gs://b/${NAME} as a new generation`), question);
  assert.ok(question.includes('It replaces generation 100 (written 2 h ago'), question);
  const back = rollbackQuestion(facts, { ...current, generation: '90', deletedAt: now - 1000 });
  assert.match(back, /^Roll back gitlab-runner-a\/config\.toml\.enc to generation 90\?/);
  assert.ok(back.includes('It replaces generation 100 (written'), back);
  const theirs = { ...current, generation: '101', createdAt: now - 60_000 };
  assert.match(
    outcomeSentence('x.enc', '100', { outcome: 'conflict', current: theirs }, now),
    /^x\.enc was not changed: someone else changed it since the plan\. Generation 101 \(written 1 min ago .*\) is current now, not generation 100\. Nothing was overwritten/,
  );
  assert.match(
    outcomeSentence('x.enc', '100', { outcome: 'written', generation: theirs }, now),
    /^x\.enc: generation 101 is current, read back and decrypted by KMS to the intended bytes\.$/,
  );
  assert.match(
    outcomeSentence('x.enc', '100', { outcome: 'mismatch', generation: theirs }, now),
    /Roll back to generation 100/,
  );
});

test('bucket and key names are checked before any call', () => {
  const key = 'projects/my-project/locations/global/keyRings/runners/cryptoKeys/secrets';
  assert.equal(targetProblem('runner-ops-demo-runner-secrets', key), undefined);
  assert.match(
    targetProblem('gs://bucket', key)!,
    /runnerOps\.secrets\.bucket "gs:\/\/bucket" is not a valid bucket name/,
  );
  assert.match(targetProblem('Bucket', key)!, /not a valid bucket name/);
  assert.match(targetProblem('bucket', 'secrets')!, /runnerOps\.secrets\.kmsKey must be a full key name/);
  assert.match(targetProblem('bucket', `${key}/cryptoKeyVersions/1`)!, /kmsKey/);
});
