// Key rotation under a flaky network and under kills, through the real KMS and Storage clients
// against the sandbox: with 20% of the KMS and Storage calls failing (500, 502, 503, 429, resets,
// truncated and dripping bodies) a rotation of 50 secrets either finishes or stops with its
// journal saved, and resuming it finishes; and 100 kills at random request counts (seeded), each
// followed by a rerun from whatever the journal kept, lose nothing: every secret decrypts to its
// original bytes under the new primary.
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { RunnerOpsSettings } from '../../../src/config/settings';
import { Journals, runOperation, type Journal, type JournalStore } from '../../../src/core/operation';
import {
  planRotation,
  rotationSteps,
  ROTATION_KIND,
  type RotationPort,
  type RotationState,
} from '../../../src/core/rotation';
import { rotationPort } from '../../../src/gcp/secrets-bundle';
import type { GoogleSandbox } from '../../sandbox/google/index';
import { seededRandom } from '../../sandbox/faults';
import { startSandbox, type Sandbox } from '../../sandbox/server';
import { sandboxSettings } from '../gcp/sandbox-settings';

/** 8 rules at 2.75% each: 20% of the calls fail one way or another. Dripping bodies take 30 simulated s (0.6 s here). */
const FAULTS = ['500', '502', '503', '429:retry-after=1', 'reset', 'truncate', 'slow:30000', 'latency:5000']
  .flatMap((action) => [`kms:*=${action}@0.0275`, `storage:*=${action}@0.0275`])
  .join(',');

let sandbox: Sandbox;
let settings: RunnerOpsSettings;
const ports: Array<{ close(): Promise<void> }> = [];
const google = () => sandbox.world.google as GoogleSandbox;

before(async () => {
  sandbox = await startSandbox({ seed: 'small', timeScale: 50 });
  settings = sandboxSettings(sandbox);
});
after(async () => {
  await Promise.all(ports.map((p) => p.close()));
  await sandbox.close();
});

function newPort(): RotationPort & { close(): Promise<void> } {
  // Storage's hard deadline on the sandbox's clock, like the dripping bodies it cuts off.
  const port = rotationPort(settings, sandbox.world.clock);
  ports.push(port);
  return port;
}

const key = () => google().state.kms.key(settings.kmsKey);
const bucket = () => google().state.storage.bucket(settings.secretsBucket);

function seedSecrets(prefix: string, count: number): Map<string, Buffer> {
  const values = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    const name = `${prefix}secret-${String(i).padStart(2, '0')}.enc`;
    const value = randomBytes(40 + i); // binary: any byte may be in a secret
    const under = i % 2 === 0 ? key().name : `${key().name}/cryptoKeyVersions/1`;
    google().state.storage.write(bucket(), name, google().state.kms.encrypt(under, value).ciphertext);
    values.set(name, value);
  }
  return values;
}

/** Every secret is there, decrypts to its original bytes, under the primary: nothing lost, nothing garbled. */
function assertIntact(values: Map<string, Buffer>, why: string) {
  const primary = key().primary;
  for (const [name, value] of values) {
    const object = google().state.storage.find(bucket(), name);
    assert.ok(object, `${why}: ${name} is there`);
    const opened = google().state.kms.decrypt(key().name, object.data);
    assert.ok(opened.plaintext.equals(value), `${why}: ${name} keeps its bytes`);
    assert.equal(opened.version.number, primary, `${why}: ${name} is under the primary`);
  }
}

/** globalState as a Map; `kill()` ends the "process": that write and every later one are lost. */
function journalStore() {
  const map = new Map<string, unknown>();
  let dead = false;
  const store: JournalStore = {
    get: (k) => (map.has(k) ? structuredClone(map.get(k)) : undefined),
    update: async (k, v) => {
      if (dead) throw new Error('killed');
      if (v === undefined) map.delete(k);
      else map.set(k, structuredClone(v));
    },
    keys: () => [...map.keys()],
  };
  return { store, map, kill: () => (dead = true), revive: () => (dead = false) };
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

async function rotate(port: RotationPort, journals: Journals, journal: Journal<RotationState>, parallel = 8) {
  return runOperation(
    journals,
    journal,
    rotationSteps(async () => port, journal.state, parallel),
    new AbortController().signal,
    hooks,
  );
}

/** Plans again until the plan itself gets through (a plan changes nothing, so a failed one is simply repeated). */
async function plan(where: { key: string; bucket: string; prefix: string }, port: RotationPort = newPort()) {
  for (let attempt = 1; ; attempt++) {
    try {
      return { ...(await planRotation(port, where)), attempt };
    } catch (error) {
      if (attempt >= 20) throw error;
    }
  }
}

test('50 secrets at 20% faults: each run finishes or stops with its journal saved; resumed, all 50 keep their bytes', async (t) => {
  const prefix = 'faults-50/';
  const values = seedSecrets(prefix, 50);
  const where = { key: settings.kmsKey, bucket: settings.secretsBucket, prefix };
  const mark = sandbox.requests.mark();
  sandbox.faults.add(FAULTS);
  t.after(() => sandbox.faults.clear());
  const port = newPort();
  const { state, attempt: plans } = await plan(where, port);
  const { store, map } = journalStore();
  const journals = new Journals(store);
  let journal = journalFor(state);
  const stops: string[] = [];
  for (let run = 1; ; run++) {
    const outcome = await rotate(port, journals, journal);
    if (outcome.outcome === 'done') break;
    assert.equal(outcome.outcome, 'failed');
    // Stopped resumably: the journal is saved, says where and why, in words.
    const saved = journals.find<RotationState>(ROTATION_KIND, settings.kmsKey);
    assert.ok(saved?.stopped, `run ${run} left its journal`);
    assert.doesNotMatch(saved.stopped.message, /\n\s+at |TypeError|undefined/, 'a message, not a stack');
    stops.push(`${saved.stopped.step}: ${saved.stopped.message}`);
    assert.ok(run < 30, `still not done after ${run} runs:\n${stops.join('\n')}`);
    journal = saved;
  }
  sandbox.faults.clear();
  const requests = sandbox.requests.since(mark);
  const faulted = requests.filter((r) => r.fault).length;
  console.log(
    `${requests.length} requests, ${faulted} faulted; ${plans} plan(s), ${stops.length + 1} run(s); stops:\n${stops.join('\n')}`,
  );
  assert.ok(faulted >= requests.length * 0.1, `faults were injected (${faulted} of ${requests.length})`);
  assert.equal(map.size, 0, 'the finished journal is forgotten');
  assert.equal(key().primary, state.newVersion ?? journal.state.newVersion);
  assertIntact(values, 'after the faulted rotation');
});

test('100 kills at random request counts (seeded), each followed by a rerun: 0 secrets lost or undecryptable, every value identical', async () => {
  const random = seededRandom(14); // the kill points are the same every run
  const count = 5;
  // The calls of a rotation that is never killed (a plan and a run), to draw the kill points from.
  const probe = seedSecrets('kill-probe/', count);
  const where = (prefix: string) => ({ key: settings.kmsKey, bucket: settings.secretsBucket, prefix });
  const counted = killAfter(newPort(), Infinity, false, () => undefined);
  const probed = await planRotation(counted.port, where('kill-probe/'));
  assert.deepEqual(await rotate(counted.port, new Journals(journalStore().store), journalFor(probed.state), 2), {
    outcome: 'done',
  });
  assertIntact(probe, 'the probe');
  const perRotation = counted.calls();

  const killedAt: number[] = [];
  for (let kill = 1; kill <= 100; kill++) {
    const prefix = `kill-${kill}/`;
    const values = seedSecrets(prefix, count);
    const at = 1 + Math.floor(random() * perRotation);
    killedAt.push(at);
    const { store, kill: die, revive } = journalStore();
    // The process dies as its `at`-th request goes out: the request may still reach the server,
    // its answer and everything after it are lost, and so is every later journal write.
    const dying = killAfter(newPort(), at, random() < 0.5, die).port;
    const first = await planRotation(dying, where(prefix))
      .then(({ state }) => rotate(dying, new Journals(store), journalFor(state), 2))
      .catch((error: Error) => ({ outcome: 'killed', error }));
    assert.equal(first.outcome, 'killed', `the kill at call ${at} of ${perRotation} stopped the first run`);
    // A new process: the journal that survived is resumed with a new client; none survived, plan again.
    revive();
    const journals = new Journals(store);
    const journal =
      journals.find<RotationState>(ROTATION_KIND, settings.kmsKey) ??
      journalFor((await planRotation(newPort(), where(prefix))).state);
    const rerun = await rotate(newPort(), journals, journal, 2);
    assert.deepEqual(rerun, { outcome: 'done' }, `killed at call ${at}, then rerun`);
    assertIntact(values, `killed at call ${at}`);
  }
  console.log(`${perRotation} calls per rotation of ${count}; killed at ${killedAt.join(', ')}`);
});

/**
 * A port whose process dies at its `at`-th call: that call maybe reaches the server (`sent`), but
 * no answer comes back from it or from any later one. `calls()` counts them.
 */
function killAfter(port: RotationPort, at: number, sent: boolean, die: () => void) {
  let calls = 0;
  const wrapped: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(port)) {
    if (typeof fn !== 'function') continue;
    const call = (...args: unknown[]) => (fn as (...a: unknown[]) => Promise<unknown>)(...args);
    wrapped[name] = async (...args: unknown[]) => {
      if (++calls < at) return call(...args);
      die();
      if (calls === at && sent) await call(...args).catch(() => undefined);
      throw new Error('killed');
    };
  }
  return { port: wrapped as unknown as RotationPort, calls: () => calls };
}
