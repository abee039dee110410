// Key rotation (src/core/rotation.ts) through the real KMS and Storage clients against the
// sandbox: 50 secrets re-encrypted and checked byte for byte; a crash at every persisted point,
// then a resume, with nothing lost and nothing re-encrypted twice (counted from the sandbox's
// request log); two rotations racing from two clients plus a third writer, with no lost update;
// unreadable secrets reported and old versions disabled only once nothing current needs them.
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { RunnerOpsSettings } from '../../../src/config/settings';
import { Failure } from '../../../src/core/failures';
import { Journals, runOperation, type Journal } from '../../../src/core/operation';
import {
  disableOldVersions,
  planRotation,
  rotationSteps,
  ROTATION_KIND,
  type RotationPort,
  type RotationState,
} from '../../../src/core/rotation';
import { rotationPort } from '../../../src/gcp/secrets-bundle';
import type { GoogleSandbox } from '../../sandbox/google/index';
import { startSandbox, type Sandbox } from '../../sandbox/server';
import { sandboxSettings } from '../gcp/sandbox-settings';
import { crashingStore } from './crashing-store';

let sandbox: Sandbox;
let settings: RunnerOpsSettings;
const ports: Array<{ close(): Promise<void> }> = [];
const google = () => sandbox.world.google as GoogleSandbox;

before(async () => {
  sandbox = await startSandbox({ seed: 'small' });
  settings = sandboxSettings(sandbox);
});
after(async () => {
  await Promise.all(ports.map((p) => p.close()));
  await sandbox.close();
});

function newPort(): RotationPort {
  const port = rotationPort(settings);
  ports.push(port);
  return port;
}

const key = () => google().state.kms.key(settings.kmsKey);
const bucket = () => google().state.storage.bucket(settings.secretsBucket);

/** `count` secrets under a fresh prefix, alternately under the primary and under version 1; returns their plaintexts. */
function seedSecrets(prefix: string, count: number): Map<string, string> {
  const kms = google().state.kms;
  const values = new Map<string, string>();
  for (let i = 0; i < count; i++) {
    const name = `${prefix}secret-${String(i).padStart(2, '0')}.enc`;
    const value = `value ${i} ${randomBytes(24).toString('base64')}`;
    const under = i % 2 === 0 ? key().name : `${key().name}/cryptoKeyVersions/1`;
    google().state.storage.write(bucket(), name, kms.encrypt(under, Buffer.from(value)).ciphertext);
    values.set(name, value);
  }
  return values;
}

/** What each current generation decrypts to, and under which version, read from the sandbox's state. */
function stored(values: Map<string, string>) {
  return [...values.keys()].map((name) => {
    const object = google().state.storage.find(bucket(), name);
    const opened = google().state.kms.decrypt(key().name, object.data);
    return { name, text: opened.plaintext.toString('utf8'), version: opened.version.number };
  });
}

function assertAllUnder(values: Map<string, string>, version: number) {
  for (const s of stored(values)) {
    assert.equal(s.text, values.get(s.name), `${s.name} keeps its bytes`);
    assert.equal(s.version, version, `${s.name} is under version ${version}`);
  }
}

const hooks = { log: () => undefined, report: () => undefined, now: () => 1_000 };

function journalFor(state: RotationState): Journal<RotationState> {
  return {
    kind: ROTATION_KIND,
    target: state.key,
    command: 'runnerOps.rotateSecrets',
    title: 'Rotate key',
    startedAt: 1,
    done: [],
    state,
  };
}

async function run(port: RotationPort, journals: Journals, journal: Journal<RotationState>, parallel = 8) {
  return runOperation(
    journals,
    journal,
    rotationSteps(async () => port, journal.state, parallel),
    new AbortController().signal,
    hooks,
  );
}

/** Requests since `mark`, as "METHOD path-without-query" plus the object name an upload names. */
function requestsSince(mark: number) {
  return sandbox.requests.since(mark).map((r) => {
    const url = new URL(r.path, 'http://x');
    return { method: r.method, path: url.pathname, object: url.searchParams.get('name') ?? undefined, url };
  });
}
const encrypts = (mark: number) => requestsSince(mark).filter((r) => r.path.endsWith(':encrypt')).length;
const versionCreates = (mark: number) =>
  requestsSince(mark).filter((r) => r.method === 'POST' && r.path.endsWith('/cryptoKeyVersions')).length;
function uploadsPerObject(mark: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of requestsSince(mark).filter((x) => x.path.startsWith('/upload/storage/')))
    counts.set(r.object!, (counts.get(r.object!) ?? 0) + 1);
  return counts;
}

test('50 secrets: one new primary, each re-encrypted once under it, read back identical, no extra decrypt checks', async () => {
  const prefix = 'rot-50/';
  const values = seedSecrets(prefix, 50);
  const port = newPort();
  const { state, facts } = await planRotation(port, { key: settings.kmsKey, bucket: settings.secretsBucket, prefix });
  assert.equal(state.secrets.length, 50);
  assert.equal(state.plannedVersion, facts.versions.length + 1);
  assert.deepEqual(
    new Set(state.secrets.map((s) => s.before.under)),
    new Set(['primary', 'older']),
    'the plan tells which are under the primary',
  );
  const mark = sandbox.requests.mark();
  const { store, map } = crashingStore();
  const outcome = await run(port, new Journals(store), journalFor(state));
  assert.deepEqual(outcome, { outcome: 'done' });
  assert.equal(map.size, 0, 'the finished journal is forgotten');
  assert.equal(key().primary, state.plannedVersion);
  assertAllUnder(values, state.plannedVersion);
  assert.equal(versionCreates(mark), 1);
  assert.equal(encrypts(mark), 50);
  assert.deepEqual([...uploadsPerObject(mark).values()], Array(50).fill(1));
  const decrypts = requestsSince(mark).filter((r) => r.path.endsWith(':decrypt')).length;
  assert.equal(decrypts, 100, 'one decrypt and one read-back each; the final check trusts what was read back');
  assert.ok(state.final!.every((f) => f.result === 'primary'));
  assert.ok(state.secrets.every((s) => s.status === 'reencrypted'));
  const journalText = JSON.stringify(state);
  for (const value of values.values()) assert.ok(!journalText.includes(value), 'no value in the journal');
});

/** `port`, whose `method` fails with `failure` on its first `times` calls; `calls()` counts them all. */
function failingFirst(port: RotationPort, method: 'describeKey' | 'listGenerations', times: number, failure: Failure) {
  let calls = 0;
  const original = port[method].bind(port) as (...args: unknown[]) => Promise<unknown>;
  const failing = async (...args: unknown[]) => (++calls <= times ? Promise.reject(failure) : original(...args));
  return { port: { ...port, [method]: failing } as RotationPort, calls: () => calls };
}

test('a plan reads the key and the listing again on a blip, up to 5 times; a refusal it does not', async () => {
  const prefix = 'rot-blips/';
  seedSecrets(prefix, 3);
  const where = { key: settings.kmsKey, bucket: settings.secretsBucket, prefix };
  const blip = () => new Failure({ source: 'storage', kind: 'unavailable', message: 'Cloud Storage did not answer' });
  const listing = failingFirst(newPort(), 'listGenerations', 4, blip());
  const keyed = failingFirst(listing.port, 'describeKey', 4, blip());
  const { state } = await planRotation(keyed.port, where);
  assert.equal(state.secrets.length, 3, 'planned after four blips of each read');
  assert.deepEqual([listing.calls(), keyed.calls()], [5, 5]);

  const stubborn = failingFirst(newPort(), 'listGenerations', 5, blip());
  await assert.rejects(planRotation(stubborn.port, where), /did not answer/, 'five blips in a row fail the plan');
  const refused = new Failure({ source: 'kms', kind: 'forbidden', message: 'Permission denied to get the key' });
  const denied = failingFirst(newPort(), 'describeKey', 1, refused);
  await assert.rejects(planRotation(denied.port, where), /Permission denied/);
  assert.equal(denied.calls(), 1, 'a refusal is not asked again');
});

test('a crash at every persisted point, then a resume: nothing lost, nothing re-encrypted twice', async () => {
  // Count the writes of a run that does not crash, then crash at each one in turn.
  const count = 6;
  const probe = seedSecrets('rot-probe/', count);
  const probeStore = crashingStore();
  const probeState = (
    await planRotation(newPort(), { key: settings.kmsKey, bucket: settings.secretsBucket, prefix: 'rot-probe/' })
  ).state;
  await run(newPort(), new Journals(probeStore.store), journalFor(probeState), 2);
  assertAllUnder(probe, probeState.plannedVersion);
  const points = probeStore.writes();
  assert.ok(points >= count + 5, `saves: start, version, ${count} secrets, 3 steps done, discard (${points})`);

  for (let crashAt = 1; crashAt <= points; crashAt++) {
    const prefix = `rot-crash-${crashAt}/`;
    const values = seedSecrets(prefix, count);
    const where = { key: settings.kmsKey, bucket: settings.secretsBucket, prefix };
    const { state } = await planRotation(newPort(), where);
    const mark = sandbox.requests.mark();
    const crash = crashingStore(crashAt);
    await assert.rejects(run(newPort(), new Journals(crash.store), journalFor(state), 2), /crashed at write/);
    // A new process: whatever journal survived is resumed, with a new client; none survived, plan again.
    crash.revive();
    const journals = new Journals(crash.store);
    const journal =
      journals.find<RotationState>(ROTATION_KIND, settings.kmsKey) ??
      journalFor((await planRotation(newPort(), where)).state);
    const outcome = await run(newPort(), journals, journal, 2);
    assert.deepEqual(outcome, { outcome: 'done' }, `crash at write ${crashAt}`);
    assertAllUnder(values, key().primary!);
    const uploads = uploadsPerObject(mark);
    assert.equal(uploads.size, count, `crash at write ${crashAt}: every secret uploaded`);
    assert.ok(
      [...uploads.values()].every((n) => n === 1),
      `crash at write ${crashAt}: each secret uploaded once (${[...uploads.values()]})`,
    );
    assert.equal(encrypts(mark), count, `crash at write ${crashAt}: each secret encrypted once`);
    assert.equal(versionCreates(mark), 1, `crash at write ${crashAt}: one new version`);
    assert.equal(crash.map.size, 0);
  }
});

test('a cancel stops taking secrets; running again finishes only the rest', async () => {
  const prefix = 'rot-cancel/';
  const values = seedSecrets(prefix, 12);
  const port = newPort();
  const { state } = await planRotation(port, { key: settings.kmsKey, bucket: settings.secretsBucket, prefix });
  const { store } = crashingStore();
  const journals = new Journals(store);
  const abort = new AbortController();
  const mark = sandbox.requests.mark();
  let saved = 0;
  const counting = { ...hooks };
  const steps = rotationSteps(async () => port, state, 2).map((step) => ({
    ...step,
    run: (context: Parameters<typeof step.run>[0]) =>
      step.run({
        ...context,
        save: async () => {
          await context.save();
          if (step.id === 'reencrypt' && ++saved === 4) abort.abort();
        },
      }),
  }));
  const first = await runOperation(journals, journalFor(state), steps, abort.signal, counting);
  assert.deepEqual(first, { outcome: 'cancelled', step: 'reencrypt' });
  const saved1 = journals.find<RotationState>(ROTATION_KIND, settings.kmsKey)!;
  const doneFirst = saved1.state.secrets.filter((s) => s.status !== 'pending').length;
  assert.ok(doneFirst >= 4 && doneFirst < 12, `${doneFirst} done before the cancel took effect`);
  assert.equal(saved1.stopped?.reason, 'cancelled');
  const second = await run(port, journals, saved1, 2);
  assert.deepEqual(second, { outcome: 'done' });
  assertAllUnder(values, state.plannedVersion);
  assert.equal(encrypts(mark), 12);
  assert.ok([...uploadsPerObject(mark).values()].every((n) => n === 1));
});

test('two rotations racing from two clients, and a third writer: no lost update, all under the last primary', async () => {
  const prefix = 'rot-race/';
  const values = seedSecrets(prefix, 16);
  const where = { key: settings.kmsKey, bucket: settings.secretsBucket, prefix };
  const a = newPort();
  const b = newPort();
  const [planA, planB] = await Promise.all([planRotation(a, where), planRotation(b, where)]);
  // Someone replaces one secret while the rotations run: their value must survive, re-encrypted.
  const replaced = `${prefix}secret-03.enc`;
  const theirs = `their new value ${randomBytes(8).toString('hex')}`;
  let injected = false;
  const racingA: RotationPort = {
    ...a,
    upload: async (name, data, ifGenerationMatch) => {
      if (name === replaced && !injected) {
        injected = true;
        const ciphertext = google().state.kms.encrypt(key().name, Buffer.from(theirs)).ciphertext;
        google().state.storage.write(bucket(), name, ciphertext);
      }
      return a.upload(name, data, ifGenerationMatch);
    },
  };
  const [outA, outB] = await Promise.all([
    run(racingA, new Journals(crashingStore().store), journalFor(planA.state), 4),
    run(b, new Journals(crashingStore().store), journalFor(planB.state), 4),
  ]);
  assert.deepEqual(outA, { outcome: 'done' });
  assert.deepEqual(outB, { outcome: 'done' });
  assert.ok(injected);
  values.set(replaced, theirs);
  assertAllUnder(values, key().primary!);
  const entryA = planA.state.secrets.find((s) => s.name === replaced)!;
  assert.ok(
    entryA.changedSince || planB.state.secrets.find((s) => s.name === replaced)!.changedSince,
    'the write after the plan was noticed',
  );
});

test('an unreadable secret is reported, not touched; old versions are disabled only once nothing current needs them', async () => {
  const prefix = 'rot-retire/';
  const values = seedSecrets(prefix, 4);
  const kms = google().state.kms;
  // One secret under a version that is disabled already: it cannot be read, so it cannot be re-encrypted.
  const stale = kms.addVersion(key());
  const strandedName = `${prefix}stranded.enc`;
  google().state.storage.write(
    bucket(),
    strandedName,
    kms.encrypt(`${key().name}/cryptoKeyVersions/${stale.number}`, Buffer.from('stranded')).ciphertext,
  );
  kms.setVersionState(key(), stale, 'DISABLED');
  const port = newPort();
  const where = { key: settings.kmsKey, bucket: settings.secretsBucket, prefix };
  const { state } = await planRotation(port, where);
  const stranded = state.secrets.find((s) => s.name === strandedName)!;
  assert.equal(stranded.status, 'unreadable');
  assert.match(stranded.before.under === 'unreadable' ? stranded.before.reason : '', /key version \d+ is disabled/);
  assert.deepEqual(await run(port, new Journals(crashingStore().store), journalFor(state)), { outcome: 'done' });
  assert.equal(google().state.storage.find(bucket(), strandedName).generation, stranded.before.generation);
  const enabledBefore = key()
    .versions.filter((v) => v.state === 'ENABLED')
    .map((v) => v.number);
  const blocked = await disableOldVersions(port, state);
  assert.equal(blocked.outcome, 'needed');
  assert.deepEqual(
    key()
      .versions.filter((v) => v.state === 'ENABLED')
      .map((v) => v.number),
    enabledBefore,
    'nothing disabled while a current generation needs an old version',
  );

  // Replaced by the operator: nothing current under the prefix needs an old version any more.
  kms.setVersionState(key(), stale, 'ENABLED');
  google().state.storage.write(bucket(), strandedName, kms.encrypt(key().name, Buffer.from('fresh')).ciphertext);
  const { state: all } = await planRotation(port, where);
  assert.deepEqual(await run(port, new Journals(crashingStore().store), journalFor(all)), { outcome: 'done' });
  // A write under an old version sneaks in after the final check: the re-check catches it.
  const sneaky = `${prefix}secret-01.enc`;
  const old = kms.encrypt(`${key().name}/cryptoKeyVersions/1`, Buffer.from(values.get(sneaky)!)).ciphertext;
  google().state.storage.write(bucket(), sneaky, old);
  assert.equal((await disableOldVersions(port, all)).outcome, 'needed');
  google().state.storage.write(bucket(), sneaky, kms.encrypt(key().name, Buffer.from(values.get(sneaky)!)).ciphertext);
  const enabledNow = key()
    .versions.filter((v) => v.state === 'ENABLED')
    .map((v) => v.number);
  const retired = await disableOldVersions(port, all);
  assert.equal(retired.outcome, 'disabled');
  const primary = key().primary!;
  assert.deepEqual(
    key()
      .versions.filter((v) => v.state === 'ENABLED')
      .map((v) => v.number),
    [primary],
  );
  assert.deepEqual(
    retired.outcome === 'disabled' ? retired.versions : [],
    enabledNow.filter((v) => v !== primary),
  );
  assert.ok(enabledNow.includes(stale.number), 'the re-enabled version is retired too');
});
