// Two VS Code windows acting at once on the same secret, the same runner and the same VM: each
// window is its own set of adapters and stores (as two extension hosts would have), both against
// one sandbox. No update is lost, and each window says what happened. (Two rotations racing on
// the same secrets: test/unit/core/rotation.test.ts; the re-provision's whole run, recreate
// included, with two runs at once: test/unit/core/reprovision.test.ts.)
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { RunnerOpsSettings } from '../../src/config/settings';
import { realClock } from '../../src/core/clock';
import { FleetActions } from '../../src/core/fleet-actions';
import { FleetStore } from '../../src/core/fleet-store';
import { Journals, runOperation, type Journal, type OperationOutcome } from '../../src/core/operation';
import { CLAIM_LABEL } from '../../src/core/ports';
import { defaultOptions } from '../../src/core/reprovision/options';
import { reprovisionSteps, type ReprovisionState } from '../../src/core/reprovision/steps';
import { outcomeSentence, replaceSecret } from '../../src/core/secret-write';
import type { SecretsPort } from '../../src/core/secrets';
import { ReprovisionComputeAdapter } from '../../src/gcp/compute';
import { secretsPort } from '../../src/gcp/secrets-bundle';
import { GitLabFleet } from '../../src/gitlab/fleet';
import { reprovisionGitLab } from '../../src/gitlab/reprovision';
import { startSandbox, type Sandbox } from '../sandbox/server';
import { sandboxSettings } from './gcp/sandbox-settings';

let sandbox: Sandbox;
let settings: RunnerOpsSettings;
const closers: Array<() => Promise<unknown>> = [];

before(async () => {
  sandbox = await startSandbox({ seed: 'demo' });
  settings = { ...sandboxSettings(sandbox), gitlabProjects: ['infra/runner-fleet'] };
});
after(async () => {
  await Promise.all(closers.map((close) => close()));
  await sandbox.close();
});

/** One window's own adapters and stores. */
function openWindow() {
  const secrets: SecretsPort = secretsPort(settings);
  const compute = new ReprovisionComputeAdapter(settings);
  closers.push(
    async () => secrets.close?.(),
    () => compute.close(),
  );
  const gitlab = new GitLabFleet(sandbox.url, sandbox.gitlabToken);
  const store = new FleetStore({
    compute: async () => undefined,
    gitlab: async () => gitlab,
    projects: settings.gitlabProjects,
    now: Date.now,
  });
  return { secrets, compute, gitlab, store, actions: new FleetActions(() => store) };
}

const sent = (mark: number, pattern: RegExp) =>
  sandbox.requests
    .since(mark)
    .map((r) => `${r.method} ${r.path.split('?')[0]} ${r.status}`)
    .filter((r) => pattern.test(r));

test('both windows replace the same secret from the same plan: one wins, the other is told and overwrites nothing', async () => {
  const [a, b] = [openWindow(), openWindow()];
  const name = `${settings.secretsPrefix}gitlab-runner-a/config.toml.enc`;
  const current = async (w: ReturnType<typeof openWindow>) =>
    (await w.secrets.listGenerations(name)).find((g) => g.name === name && g.deletedAt === undefined)!;
  const planned = (await current(a)).generation;
  assert.equal((await current(b)).generation, planned, 'both windows planned against the same generation');
  const valueOf = (who: string) => Buffer.from(`concurrent = 1\n[[runners]]\nname = "${who}"\n`);
  const [fromA, fromB] = await Promise.all([
    replaceSecret(a.secrets, { objectName: name, replaces: planned }, valueOf('a')),
    replaceSecret(b.secrets, { objectName: name, replaces: planned }, valueOf('b')),
  ]);
  const outcomes = [fromA.outcome, fromB.outcome].sort();
  assert.deepEqual(outcomes, ['conflict', 'written'], 'exactly one write went through');
  const [won, lost, winner] = fromA.outcome === 'written' ? [fromA, fromB, 'a'] : [fromB, fromA, 'b'];
  assert.ok(won.outcome === 'written' && lost.outcome === 'conflict');
  assert.equal(lost.current?.generation, won.generation.generation, 'the loser is told which generation won');
  assert.match(
    outcomeSentence('config.toml of gitlab-runner-a', planned, lost, Date.now()),
    new RegExp(
      `^config\\.toml of gitlab-runner-a was not changed: someone else changed it since the plan\\. Generation ${won.generation.generation} \\(written .*\\) is current now, not generation ${planned}\\. Nothing was overwritten: reload, check, then try again\\.$`,
    ),
  );
  const now = await current(a);
  assert.equal(now.generation, won.generation.generation);
  const stored = await a.secrets.decrypt(await a.secrets.download(name, now.generation));
  assert.equal(Buffer.from(stored).toString(), valueOf(winner).toString(), 'the winner’s value is what is stored');
  // The loser reloads and tries again: it goes through, and the winner's value stays as a generation.
  const again = await replaceSecret(b.secrets, { objectName: name, replaces: now.generation }, valueOf('b again'));
  assert.equal(again.outcome, 'written');
  const generations = (await a.secrets.listGenerations(name)).map((g) => g.generation);
  assert.ok(
    generations.includes(won.generation.generation),
    'nothing lost: the overwritten value is kept for roll back',
  );
});

test('both windows pause the same runner: it ends paused, and a window acting on a stale view sends nothing and says so', async () => {
  const [a, b] = [openWindow(), openWindow()];
  await Promise.all([a.store.refresh('runners'), b.store.refresh('runners')]);
  const runner = a.store.runners.value!.find((r) => r.description === 'gitlab-runner-b')!;
  assert.equal(runner.paused, false);
  const mark = sandbox.requests.mark();
  const both = await Promise.all([a.actions.setRunnerPaused(runner, true), b.actions.setRunnerPaused(runner, true)]);
  assert.deepEqual(
    both.map((r) => r.runner.paused),
    [true, true],
  );
  assert.equal((await a.gitlab.runner(runner.id)).paused, true);
  // Each says what it did: a window that found it paused already sent no PUT.
  assert.equal(
    sent(mark, new RegExp(`^PUT /api/v4/runners/${runner.id} 200$`)).length,
    both.filter((r) => !r.already).length,
  );
  // Window B still shows it paused; window A resumes it; B, from its stale row, resumes too: no PUT, "already".
  const resumeMark = sandbox.requests.mark();
  const fromA = await a.actions.setRunnerPaused({ ...runner, paused: true }, false);
  const fromB = await b.actions.setRunnerPaused({ ...runner, paused: true }, false);
  assert.deepEqual([fromA.already, fromB.already], [false, true]);
  assert.deepEqual(sent(resumeMark, new RegExp(`^PUT /api/v4/runners/${runner.id}`)), [
    `PUT /api/v4/runners/${runner.id} 200`,
  ]);
  assert.equal(b.store.runners.value!.find((r) => r.id === runner.id)!.paused, false, 'B’s row shows what GitLab has');
});

test('both windows re-provision the same VM at once: one claims it, the other is refused in its preflight, before it pauses anything', async () => {
  const [a, b] = [openWindow(), openWindow()];
  const zone = 'europe-west1-c';
  const vm = (await a.compute.instance(zone, 'gitlab-runner-b'))!;
  const fleet = [await a.gitlab.project('infra/runner-fleet')];
  const runner = (await a.gitlab.runners(fleet, true)).find((r) => r.description === 'gitlab-runner-b')!;
  const journal = (): Journal<ReprovisionState> => ({
    kind: 'reprovision',
    target: vm.name,
    command: 'runnerOps.reprovisionWorker',
    title: `Re-provision ${vm.name}`,
    startedAt: Date.now(),
    done: [],
    state: {
      vm: { id: vm.id, name: vm.name, zone, internalIp: vm.internalIp, labels: vm.labels, metadata: vm.metadata },
      via: { kind: 'template', template: 'gitlab-runner-template' },
      runners: [{ id: runner.id, description: runner.description, tags: runner.tags }],
      acceptOutage: true,
      pausedBefore: [],
      times: {},
    },
  });
  const memory = () => {
    const map = new Map<string, unknown>();
    return new Journals({
      get: (k) => structuredClone(map.get(k)),
      update: async (k, v) => void (v === undefined ? map.delete(k) : map.set(k, structuredClone(v))),
      keys: () => [...map.keys()],
    });
  };
  /** Preflight, pause and drain (the recreate itself is in the core test); the drain ends at once: no job runs. */
  const upToTheRecreate = async (w: ReturnType<typeof openWindow>, j: Journal<ReprovisionState>) => {
    const log: string[] = [];
    const deps = {
      compute: w.compute,
      gitlab: reprovisionGitLab(sandbox.url, sandbox.gitlabToken),
      clock: realClock,
      options: { ...defaultOptions(), pollMs: 50 },
      allRunners: () => w.gitlab.runners(fleet, true),
      onDrainTimeout: async () => 'stop' as const,
    };
    const steps = reprovisionSteps(deps).slice(0, 3);
    const outcome = await runOperation(memory(), j, steps, new AbortController().signal, {
      log: (line) => log.push(line),
      report: () => undefined,
      now: Date.now,
    });
    return { outcome, log, journal: j };
  };
  const mark = sandbox.requests.mark();
  const runs = await Promise.all([upToTheRecreate(a, journal()), upToTheRecreate(b, journal())]);
  const done = runs.filter((r) => r.outcome.outcome === 'done');
  const refused = runs.filter((r) => r.outcome.outcome !== 'done');
  assert.equal(done.length, 1, runs.map((r) => r.log.join('\n')).join('\n---\n'));
  assert.equal(refused.length, 1);
  const winner = done[0].journal.state.runId!;
  const message = ((refused[0].outcome as Extract<OperationOutcome, { error: Error }>).error ?? {}).message;
  assert.equal(
    message,
    `Refused: gitlab-runner-b is being re-provisioned by another run (label ${CLAIM_LABEL}=${winner} on the VM, from another window or person). Nothing was changed by this run. Let that run finish; if it is over (its window was closed mid-run), resume it there, or remove the label (gcloud compute instances remove-labels gitlab-runner-b --zone ${zone} --labels=${CLAIM_LABEL}) and run again.`,
  );
  assert.deepEqual(refused[0].journal.done, [], 'the refused run stopped in its preflight, before its pause');
  assert.equal((await a.compute.instance(zone, vm.name))!.labels[CLAIM_LABEL], winner);
  // One window paused the runner; the labels changed under a fingerprint once (the other 412'd or saw the label).
  assert.equal(sent(mark, new RegExp(`^PUT /api/v4/runners/${runner.id} 200$`)).length, 1);
  assert.ok(sent(mark, /^POST .*\/instances\/gitlab-runner-b\/setLabels 200$/).length === 1);
  // A third run, started later from either window, is refused the same way; once the winner
  // gives the VM back (it stopped before the recreate), the next run may go.
  const late = await b.compute.claim(zone, vm.name, vm.id, 'later');
  assert.deepEqual(late, { kind: 'held', by: winner });
  await b.compute.release(zone, vm.name, 'later');
  assert.equal((await a.compute.instance(zone, vm.name))!.labels[CLAIM_LABEL], winner, 'only the holder releases');
  await a.compute.release(zone, vm.name, winner);
  assert.deepEqual(await b.compute.claim(zone, vm.name, vm.id, 'later'), { kind: 'claimed' });
  assert.deepEqual(await b.compute.claim(zone, vm.name, '42', 'other'), { kind: 'replaced', instanceId: vm.id });
  await b.compute.release(zone, vm.name, 'later');
  await a.gitlab.setRunnerPaused(runner.id, false);
});
