// Re-provision of the demo's worker B against an in-process sandbox at real speed (time scale 1):
// how long the whole run takes, how much of it the simulated cloud needed (delete, insert, boot,
// the first check-in of the new manager), and how late after that first check-in step 6 noticed it.
import { performance } from 'node:perf_hooks';
import { readSettings } from '../src/config/settings';
import { realClock } from '../src/core/clock';
import { Journals, runOperation, type Journal } from '../src/core/operation';
import { defaultOptions } from '../src/core/reprovision/options';
import { reprovisionSteps, type ReprovisionState } from '../src/core/reprovision/steps';
import { ReprovisionComputeAdapter } from '../src/gcp/compute';
import { workerSecrets } from '../src/gcp/worker-secrets';
import { reprovisionGitLab } from '../src/gitlab';
import type { GitLabHalf } from '../test/sandbox/gitlab/index';
import { startSandbox } from '../test/sandbox/server';
import { summarize, type Summary } from './stats';

export interface ReprovisionBenchResult {
  reps: number;
  pollMs: number;
  /** Preflight to resume done (no smoke test). */
  totalMs: Summary;
  /** Waiting for running jobs to finish: the jobs' time, not the orchestration's. */
  drainMs: Summary;
  /** From the recreate's start to the new manager's first check-in, in the sandbox's time. */
  cloudMs: Summary;
  /** total − drain − cloud: what the orchestration adds (API calls, polling lag, preflight, resume). */
  ownMs: Summary;
  /** From the new manager's first check-in to step 6 noticing it. */
  checkInNoticedMs: Summary;
  requests: number[];
  /** Each run's own figures, for the budget. */
  runs: Array<{ total: number; drain: number; cloud: number }>;
}

const ZONE = 'europe-west1-c';
const VM = 'gitlab-runner-b';

async function once(): Promise<{
  total: number;
  drain: number;
  cloud: number;
  noticed: number;
  requests: number;
}> {
  const sandbox = await startSandbox({ seed: 'demo' });
  const s: Record<string, unknown> = sandbox.settings;
  const settings = readSettings({ get: <T>(key: string, fallback: T) => (s[`runnerOps.${key}`] as T) ?? fallback });
  const ports = {
    compute: new ReprovisionComputeAdapter(settings),
    secrets: workerSecrets(settings),
    gitlab: reprovisionGitLab(sandbox.url, sandbox.gitlabToken),
  };
  const { compute, secrets } = ports;
  try {
    const half = sandbox.world.gitlab as GitLabHalf;
    const runner = [...half.state.runners.values()].find((r) => r.description === VM)!;
    const vm = (await compute.instance(ZONE, VM))!;
    const options = defaultOptions();
    const journal: Journal<ReprovisionState> = {
      kind: 'reprovision',
      target: VM,
      command: 'runnerOps.reprovisionWorker',
      title: `Re-provision ${VM}`,
      startedAt: Date.now(),
      done: [],
      state: {
        vm,
        via: { kind: 'template', template: vm.template ?? 'gitlab-runner-template' },
        runners: [{ id: runner.id, description: runner.description, tags: runner.tagList }],
        acceptOutage: true,
        pausedBefore: [],
        times: {},
      },
    };
    const store = new Map<string, unknown>();
    const journals = new Journals({
      get: (k) => store.get(k),
      update: async (k, v) => void (v === undefined ? store.delete(k) : store.set(k, v)),
      keys: () => [...store.keys()],
    });
    // The outage is accepted, so nobody asks for the other runners; a drain timeout waits on.
    const steps = reprovisionSteps({
      ...ports,
      clock: realClock,
      options,
      allRunners: async () => [],
      onDrainTimeout: async () => 'wait',
    });
    const mark = sandbox.requests.mark();
    const started = performance.now();
    const outcome = await runOperation(journals, journal, steps, new AbortController().signal, {
      log: () => undefined,
      report: () => undefined,
      now: () => Date.now(),
    });
    const total = performance.now() - started;
    if (outcome.outcome !== 'done') throw new Error(`re-provision ${outcome.outcome}: ${journal.stopped?.message}`);
    // The sandbox's clock runs at the wall clock's pace from its own epoch: convert its times.
    const offset = sandbox.world.clock.now() - Date.now();
    const manager = half.state.managersByRunner
      .get(runner.id)!
      .find((m) => m.systemId === journal.state.checkedIn?.[runner.id]?.systemId)!;
    const firstContact = manager.createdAt - offset;
    const t = journal.state.times;
    const drain = t.drain!.endedAt! - t.drain!.startedAt;
    return {
      total,
      drain,
      cloud: firstContact - t.recreate!.startedAt,
      noticed: t.checkIn!.endedAt! - firstContact,
      requests: sandbox.requests.since(mark).length,
    };
  } finally {
    await Promise.all([compute.close(), secrets.close()]);
    await sandbox.close();
  }
}

export async function measureReprovision(reps: number, progress: (m: string) => void): Promise<ReprovisionBenchResult> {
  const runs = [];
  for (let i = 0; i < reps; i++) {
    progress(`re-provision: run ${i + 1}/${reps}`);
    runs.push(await once());
  }
  return {
    reps,
    pollMs: defaultOptions().pollMs,
    totalMs: summarize(runs.map((r) => r.total)),
    drainMs: summarize(runs.map((r) => r.drain)),
    cloudMs: summarize(runs.map((r) => r.cloud)),
    ownMs: summarize(runs.map((r) => r.total - r.drain - r.cloud)),
    checkInNoticedMs: summarize(runs.map((r) => r.noticed)),
    requests: runs.map((r) => r.requests),
    runs: runs.map(({ total, drain, cloud }) => ({ total, drain, cloud })),
  };
}
