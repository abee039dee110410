// Rotate Runner Token against fake ports, through runOperation: the plan's refusals, the happy
// path (reset, guarded upload of the one-token edit, read back, GitLab's verify), and the failure
// paths: an upload refused after the reset keeps the new token in memory only and a retry
// finishes; a reload in between says the token is lost; a read-back mismatch stops the run.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { correlate } from '../../../src/core/correlate';
import { Failure } from '../../../src/core/failures';
import type { Runner } from '../../../src/core/model';
import { journalKey, Journals, runOperation, type Journal } from '../../../src/core/operation';
import type { RunnerTokenPort } from '../../../src/core/runner-token-port';
import type { SecretGeneration, SecretObject, SecretsPort } from '../../../src/core/secrets';
import {
  lostSentence,
  planRotation,
  rotationSteps,
  TokenLost,
  TokenVault,
  writeFailedSentence,
  ROTATE_TOKEN_KIND,
  type RotationState,
} from '../../../src/core/token-rotation';
import { runner as fixtureRunner, vm } from '../views/fixtures';

const URL = 'https://gitlab.example.com';
const OLD = 'glrt-oldToken1234567';
const NAME = 'runners/gitlab-runner-a/config.toml.enc';
const CONFIG = `concurrent = 2 # keep\n\n[[runners]]\n  name = "gitlab-runner-a"\n  url = "${URL}"\n  id = 12\n  token = "${OLD}"\n  executor = "shell"\n`;

const runner: Runner = {
  ...fixtureRunner,
  id: 12,
  managers: [{ systemId: 's_aaa', ipAddress: vm.internalIp, contactedAt: 1 }],
};

/** A bucket of one object with versioning; "encryption" reverses the bytes. */
function fakeBucket(opts: { corruptUpload?: boolean; conflictOnce?: boolean } = {}) {
  const calls: string[] = [];
  const gens: Array<{ generation: string; data: Buffer }> = [{ generation: '100', data: seal(CONFIG) }];
  let conflict = opts.conflictOnce ?? false;
  const meta = (g: { generation: string }, current: boolean): SecretGeneration => ({
    name: NAME,
    generation: g.generation,
    size: 1,
    createdAt: 0,
    updatedAt: 0,
    deletedAt: current ? undefined : 1,
  });
  const current = () => gens[gens.length - 1];
  const port: SecretsPort = {
    bucket: async () => ({ name: 'b', versioning: true }),
    listGenerations: async () => gens.map((g) => meta(g, g === current())),
    verify: async () => ({ outcome: 'primary' }),
    encrypt: async (p) => seal(Buffer.from(p).toString()),
    decrypt: async (c) => Buffer.from(c).reverse(),
    download: async (_n, generation) => Buffer.from(gens.find((g) => g.generation === generation)!.data),
    upload: async (_n, data, ifGenerationMatch) => {
      calls.push(`upload if ${ifGenerationMatch}`);
      if (conflict || current().generation !== ifGenerationMatch) {
        conflict = false;
        throw new Failure({ source: 'storage', kind: 'conflict', message: 'Someone else changed it.' });
      }
      const stored = Buffer.from(data);
      if (opts.corruptUpload) stored[0] ^= 1;
      gens.push({ generation: String(Number(current().generation) + 1), data: stored });
      return meta(current(), true);
    },
    restore: async () => {
      throw new Error('not used');
    },
  };
  const secret = (): SecretObject => ({ name: NAME, current: meta(current(), true), generations: [] });
  return { port, calls, secret, text: () => Buffer.from(current().data).reverse().toString() };
}
const seal = (text: string) => Buffer.from(text).reverse();

function fakeGitLab() {
  const calls: string[] = [];
  let valid = OLD;
  let issued = 0;
  const gitlab: RunnerTokenPort = {
    reset: async (id) => {
      calls.push(`reset ${id}`);
      valid = `glrt-newToken${String(++issued).padStart(7, '0')}`;
      return { token: valid, expiresAt: undefined };
    },
    verify: async (token, systemId) => {
      calls.push(`verify ${token === valid ? 'current' : 'other'} token with ${systemId}`);
      return token === valid ? { outcome: 'accepted', runnerId: 12 } : { outcome: 'rejected' };
    },
  };
  return { gitlab, calls, current: () => valid };
}

function memoryJournals() {
  const map = new Map<string, unknown>();
  const journals = new Journals({
    get: (k) => (map.has(k) ? structuredClone(map.get(k)) : undefined),
    update: async (k, v) => void (v === undefined ? map.delete(k) : map.set(k, structuredClone(v))),
    keys: () => [...map.keys()],
  });
  return { journals, map };
}

const hooks = (lines: string[]) => ({ log: (l: string) => lines.push(l), report: () => undefined, now: () => 5_000 });

async function plan(bucket: ReturnType<typeof fakeBucket>, secrets = [bucket.secret()], r = runner, vms = [vm]) {
  return planRotation(bucket.port, {
    runner: r,
    links: correlate({ vms, runners: [r] }),
    secrets,
    prefix: 'runners/',
    bucket: 'b',
    gitlabUrl: URL,
  });
}

function setup(opts: Parameters<typeof fakeBucket>[0] = {}) {
  const bucket = fakeBucket(opts);
  const gl = fakeGitLab();
  const { journals, map } = memoryJournals();
  const vault = new TokenVault();
  const key = journalKey(ROTATE_TOKEN_KIND, 'runner-12');
  const lines: string[] = [];
  const steps = (v = vault) =>
    rotationSteps({ secrets: bucket.port, gitlab: gl.gitlab, vault: v, key, now: () => 5_000 });
  const journal = async (): Promise<Journal<RotationState>> => {
    const state = await plan(bucket);
    assert.ok(typeof state !== 'string', String(state));
    return {
      kind: ROTATE_TOKEN_KIND,
      target: 'runner-12',
      command: 'c',
      title: 'Rotate',
      startedAt: 1,
      done: [],
      state,
    };
  };
  const run = (j: Journal<RotationState>, v = vault) =>
    runOperation(journals, j, steps(v), new AbortController().signal, hooks(lines));
  return { bucket, gl, map, vault, key, lines, journal, run };
}

test('plan: finds the VM, its config.toml and the generation; refuses what it cannot tell', async () => {
  const bucket = fakeBucket();
  const state = await plan(bucket);
  assert.ok(typeof state !== 'string');
  assert.deepEqual(
    { vm: state.vm.name, object: state.objectName, generation: state.generation, systemId: state.systemId },
    { vm: 'gitlab-runner-a', object: NAME, generation: '100', systemId: 's_aaa' },
  );
  const unlinked = await plan(bucket, [bucket.secret()], { ...runner, managers: [] }, [{ ...vm, name: 'other' }]);
  assert.match(String(unlinked), /is not linked to any runner VM/);
  const twoVms = await plan(
    bucket,
    [bucket.secret()],
    {
      ...runner,
      managers: [...runner.managers!, { systemId: 's_bbb', ipAddress: '10.0.0.3', contactedAt: 1 }],
    },
    [vm, { ...vm, id: '2', name: 'gitlab-runner-b', internalIp: '10.0.0.3' }],
  );
  assert.match(String(twoVms), /runs on 2 VMs \(gitlab-runner-a, gitlab-runner-b\) with one shared token/);
  assert.match(String(await plan(bucket, [])), /No config\.toml secret for VM gitlab-runner-a/);
  const otherRunner = await plan(bucket, [bucket.secret()], { ...runner, id: 99 });
  assert.match(
    String(otherRunner),
    /^Nothing was changed: gitlab-runner-a\/config\.toml\.enc: config\.toml has 1 \[\[runners\]\] entries for .* none is marked id = 99$/,
  );
  assert.deepEqual(bucket.calls, [], 'planning writes nothing');
});

test('rotation: reset, one-token edit uploaded under the planned generation, read back, verified by GitLab', async () => {
  const t = setup();
  const outcome = await t.run(await t.journal());
  assert.deepEqual(outcome, { outcome: 'done' });
  assert.deepEqual(t.bucket.calls, ['upload if 100']);
  assert.equal(t.bucket.text(), CONFIG.replace(OLD, t.gl.current()));
  assert.deepEqual(t.gl.calls, ['reset 12', 'verify current token with s_aaa']);
  assert.equal(t.vault.get(t.key), undefined, 'the token leaves memory once GitLab accepts the stored copy');
  assert.equal(t.map.size, 0, 'the journal is discarded when done');
  assert.doesNotMatch(t.lines.join('\n'), /glrt-/);
});

test('upload refused after the reset: the token stays in memory only, and a retry finishes the job', async () => {
  const t = setup({ conflictOnce: true });
  const journal = await t.journal();
  const first = await t.run(journal);
  assert.equal(first.outcome, 'failed');
  assert.equal(first.outcome === 'failed' && first.step, 'write');
  assert.deepEqual(journal.done, ['reset']);
  assert.equal(t.vault.get(t.key), t.gl.current(), 'held for the retry');
  const persisted = JSON.stringify([...t.map.values()]);
  assert.doesNotMatch(persisted, /glrt-/, 'no token in the journal');
  assert.doesNotMatch(t.lines.join('\n'), /glrt-/, 'no token in the log');
  const said = writeFailedSentence(journal.state, first.outcome === 'failed' ? first.error.message : '');
  assert.match(
    said,
    /exists only in this window's memory: choose Retry Write now\. If this window closes first, the token is lost/,
  );
  assert.doesNotMatch(said, /glrt-/);

  const second = await t.run(journal);
  assert.deepEqual(second, { outcome: 'done' });
  assert.deepEqual(t.gl.calls, ['reset 12', 'verify current token with s_aaa'], 'no second reset');
  assert.equal(t.bucket.text(), CONFIG.replace(OLD, t.gl.current()));
});

test('resumed after a reload between reset and write: the lost token is said, nothing is written', async () => {
  const t = setup({ conflictOnce: true });
  const journal = await t.journal();
  await t.run(journal);
  const reloaded = new TokenVault(); // a new window: memory is gone
  const resumed = await t.run(journal, reloaded);
  assert.equal(resumed.outcome, 'failed');
  const error = resumed.outcome === 'failed' ? resumed.error : undefined;
  assert.ok(error instanceof TokenLost);
  assert.match(
    lostSentence(error),
    /was reset in GitLab, but the token GitLab issued at .* was kept only in the memory of the window that reset it, and that memory is gone: it was never written to gitlab-runner-a\/config\.toml\.enc, which still holds the old token .* Choose Rotate Again/,
  );
  assert.equal(t.bucket.text(), CONFIG, 'config.toml unchanged');
});

test('a read-back that does not decrypt to the edited bytes stops the run before GitLab is asked', async () => {
  const t = setup({ corruptUpload: true });
  const journal = await t.journal();
  const outcome = await t.run(journal);
  assert.equal(outcome.outcome === 'failed' && outcome.step, 'write');
  assert.match(
    outcome.outcome === 'failed' ? outcome.error.message : '',
    /generation 101 of .* does not decrypt to the edited config\.toml: roll it back to generation 100/,
  );
  assert.deepEqual(t.gl.calls, ['reset 12']);
});
