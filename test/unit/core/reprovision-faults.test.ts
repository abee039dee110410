// Re-provision under a flaky network: every port call (Compute, GitLab, KMS/Storage) fails about
// 20% of the time with the transient failures the adapters make of 500/502/503, 429 with
// Retry-After, resets, truncated and dripping bodies; half of those that can come after the
// request reached the server do (the delete happened, the pause was applied, the answer was lost).
// Each run either finishes or stops saying, truthfully, where the runner and the VM stand; resumed
// from its journal until done, the VM is recreated once, no job is killed, and the runner is back
// on the new VM.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Failure, type FailureSource } from '../../../src/core/failures';
import { stoppedSentence, type Journal } from '../../../src/core/operation';
import { CLAIM_LABEL } from '../../../src/core/ports';
import {
  claimGivenBack,
  reprovisionSteps,
  stateSentence,
  type ReprovisionDeps,
  type ReprovisionState,
} from '../../../src/core/reprovision/steps';
import { seededRandom } from '../../sandbox/faults';
import { FakeClock } from './fake-clock';
import { B, depsFor, job, journalFor, memoryJournals, run, world } from './reprovision-world';

const RATE = 0.2;
const SEEDS = 20;

type World = ReturnType<typeof world>;

/** As src/gitlab/errors.ts and src/gcp/gcp-failure.ts classify them; `reached`: may come after the server acted. */
const FAULTS: Array<{ name: string; reached: boolean; make(source: FailureSource, call: string): Failure }> = [
  ...[500, 502, 503].map((status) => ({
    name: String(status),
    reached: true,
    make: (source: FailureSource, call: string) =>
      new Failure({
        source,
        kind: 'unavailable',
        message: `${source} had an error (${status}) while trying to ${call}. Try again shortly.`,
        request: { method: call, status },
      }),
  })),
  {
    name: '429',
    reached: false,
    make: (source, call) =>
      new Failure({
        source,
        kind: 'rate-limited',
        message: `${source} is rate limiting requests (429); retrying in 1 s.`,
        retryAfterMs: 1_000,
        request: { method: call, status: 429 },
      }),
  },
  {
    name: 'reset',
    reached: true,
    make: (source, call) =>
      new Failure({ source, kind: 'network', message: `Cannot reach ${source} to ${call} (ECONNRESET).` }),
  },
  {
    name: 'truncate',
    reached: true,
    make: (source, call) =>
      new Failure({
        source,
        kind: 'network',
        message: `${source} broke off its answer to ${call} midway (the connection closed). Try again shortly.`,
      }),
  },
  {
    name: 'slow',
    reached: true,
    make: (source, call) =>
      new Failure({ source, kind: 'timeout', message: `${source} did not answer in time (${call}).` }),
  },
];

/** The port with each call failing at RATE, sometimes after it reached the world; `injected` lists what. */
function flaky<T extends object>(port: T, source: FailureSource, random: () => number, injected: string[]): T {
  const wrapped: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(port)) {
    if (typeof fn !== 'function') continue;
    const call = (args: unknown[]) => (fn as (...a: unknown[]) => Promise<unknown>).apply(port, args);
    wrapped[name] = async (...args: unknown[]) => {
      if (random() >= RATE) return call(args);
      const fault = FAULTS[Math.floor(random() * FAULTS.length)]!;
      const reached = fault.reached && random() < 0.5;
      if (reached) await call(args).catch(() => undefined); // the effect happened; its answer is lost
      injected.push(`${source}.${name} ${fault.name}${reached ? ' (after it acted)' : ''}`);
      throw fault.make(source, name);
    };
  }
  return wrapped as T;
}

function flakyDeps(clock: FakeClock, w: World, random: () => number, injected: string[]): ReprovisionDeps {
  const deps = depsFor(clock, w, []);
  return {
    ...deps,
    compute: flaky(w.compute, 'compute', random, injected),
    gitlab: flaky(w.gitlab, 'gitlab', random, injected),
    secrets: flaky(w.secrets, 'kms', random, injected),
    allRunners: flaky({ allRunners: deps.allRunners }, 'gitlab', random, injected).allRunners,
    // The job finishes in 30 s, well within the drain timeout: never cancel it.
    onDrainTimeout: async () => 'wait',
  };
}

/** What a stop says about the runner and the VM, and what must then be true of the world. */
const STANDINGS: Array<[RegExp, { paused?: boolean; vm: 'old' | 'new' | 'any' | 'named' }]> = [
  [/Nothing was changed: runner #2 'worker-b' and VM worker-b are as they were\./, { paused: false, vm: 'old' }],
  [/Runner #2 'worker-b' is paused; VM worker-b is untouched\./, { paused: true, vm: 'old' }],
  [/Runner #2 'worker-b' may already be paused; VM worker-b is untouched\./, { vm: 'old' }],
  [/Runner #2 'worker-b' is paused; VM worker-b is being recreated\./, { paused: true, vm: 'any' }],
  [/Runner #2 'worker-b' is paused; VM worker-b has been recreated \(instance (\d+)/, { paused: true, vm: 'named' }],
  [
    /VM worker-b has been recreated \(instance (\d+)[^)]*\) and runner #2 'worker-b' checked in from it/,
    { vm: 'named' },
  ],
  [/Runner #2 'worker-b' is back on the new VM worker-b\./, { paused: false, vm: 'new' }],
];

function assertTrueOfTheWorld(said: string, w: World, at: string) {
  const matching = STANDINGS.filter(([pattern]) => pattern.test(said));
  assert.equal(matching.length, 1, `${at}: says where the runner and the VM stand: ${said}`);
  const [pattern, expected] = matching[0]!;
  const vm = w.vm();
  if (expected.paused !== undefined)
    assert.equal(w.runners.get(2)!.paused, expected.paused, `${at}: the runner's pause is as said: ${said}`);
  if (expected.vm === 'old') assert.equal(vm?.id, '100', `${at}: the old VM is there, as said: ${said}`);
  if (expected.vm === 'new') assert.ok(vm && vm.id !== '100', `${at}: a new VM is there, as said: ${said}`);
  if (expected.vm === 'named') assert.equal(vm?.id, pattern.exec(said)![1], `${at}: the VM named is there: ${said}`);
}

test(`re-provision at ${RATE * 100}% faults, ${SEEDS} seeds: each stop says where things stand; resumed, the VM is recreated once and the runner is back`, async () => {
  const summary: string[] = [];
  const lostAnswers: string[] = [];
  for (let seed = 1; seed <= SEEDS; seed++) {
    const random = seededRandom(seed);
    const clock = new FakeClock();
    // The new VM gets the old one's IP back: only the managers seen before the recreate tell the old runner apart.
    const w = world(clock, { runningJobs: [job(7)], newIp: '10.0.0.3' });
    clock.setTimeout(() => w.finishJobs(), 30_000);
    const jobsAtDelete: number[] = [];
    const deleteInstance = w.compute.deleteInstance;
    w.compute.deleteInstance = async (...args) => {
      jobsAtDelete.push(w.running().length);
      return deleteInstance(...args);
    };
    const injected: string[] = [];
    const deps = flakyDeps(clock, w, random, injected);
    const steps = reprovisionSteps(deps);
    const journals = memoryJournals();
    let journal: Journal<ReprovisionState> = journalFor([B]);
    const stops: string[] = [];
    for (let runs = 1; ; runs++) {
      const { outcome } = await run(clock, deps, journal, journals);
      if (outcome.outcome === 'done') break;
      const at = `seed ${seed}, run ${runs}`;
      assert.equal(outcome.outcome, 'failed', at);
      // Stopped resumably: the journal is kept, and says where and why, in words.
      const saved = journals.find<ReprovisionState>('reprovision', 'worker-b');
      assert.ok(saved?.stopped, `${at}: the journal is kept`);
      assert.doesNotMatch(saved.stopped.message, /\n\s+at |TypeError|undefined/, `${at}: a message, not a stack`);
      // As src/commands/operation-ui.ts says it, with the re-provision's state sentence.
      const said = `${stoppedSentence(saved, steps)}. ${stateSentence(saved.state, saved.stopped.step)}`;
      assert.doesNotMatch(said, /\.\./, `${at}: one full stop`);
      assertTrueOfTheWorld(said, w, at);
      stops.push(said);
      assert.ok(runs < 60, `${at}: still not done:\n${stops.join('\n')}`);
      journal = saved;
      // src/commands/reprovision.ts forgets a run stopped in the preflight once its claim is given
      // back (nothing else changed): the operator runs the command again, a new run.
      if (saved.done.length === 0 && (await claimGivenBack(deps, saved.state))) {
        await journals.discard(saved);
        journal = journalFor([B]);
      }
    }
    const at = `seed ${seed}`;
    const calls = w.calls;
    assert.equal(calls.filter((c) => c.startsWith('delete')).length, 1, `${at}: deleted once`);
    assert.equal(calls.filter((c) => c.startsWith('insert')).length, 1, `${at}: inserted once`);
    assert.deepEqual(jobsAtDelete, [0], `${at}: no job was running when the VM was deleted`);
    assert.ok(!calls.some((c) => c.startsWith('cancel')), `${at}: no job cancelled`);
    assert.equal(calls.at(-1), 'resume #2', `${at}: the runner resumed last`);
    assert.equal(w.runners.get(2)!.paused, false, `${at}: the runner takes jobs again`);
    assert.equal(w.vm()?.status, 'RUNNING', `${at}: the new VM runs`);
    assert.equal(
      journal.state.checkedIn?.[2]?.systemId,
      `s_${w.vm()?.id}`,
      `${at}: the runner checked in from the new VM, not the old one`,
    );
    assert.equal(w.vm()?.labels[CLAIM_LABEL], undefined, `${at}: the new VM carries no claim`);
    assert.equal(journals.find('reprovision', 'worker-b'), undefined, `${at}: finished, nothing left to resume`);
    assert.ok(injected.length > 0, `${at}: faults were injected`);
    const lost = injected.filter((f) => f.endsWith('(after it acted)'));
    lostAnswers.push(...lost);
    summary.push(
      `seed ${seed}: ${stops.length + 1} runs, ${injected.length} faults (${lost.length} after the call acted)`,
    );
  }
  console.log(summary.join('\n'));
  // The lost answers that matter happened in some seed: a delete, an insert, a pause and a resume.
  for (const call of ['deleteInstance', 'insertFromTemplate', 'setRunnerPaused', 'claim'])
    assert.ok(
      lostAnswers.some((f) => f.includes(`.${call} `)),
      `a lost answer to ${call} was injected: ${lostAnswers.join(', ')}`,
    );
  const mutations = ['deleteInstance', 'insertFromTemplate', 'setRunnerPaused', 'claim', 'release'];
  console.log(
    `lost answers: ${mutations.map((m) => `${m} ${lostAnswers.filter((f) => f.includes(`.${m} `)).length}`).join(', ')}`,
  );
});
