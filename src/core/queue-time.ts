// How long jobs waited for a runner (GitLab's `queued_duration`), per runner, per VM and per tag,
// from the jobs the views have already read: nothing is fetched for these figures.
import { jobHost, type FleetLinks } from './correlate';
import type { Loadable } from './loadable';
import type { Job } from './model';
import { formatDuration } from './time-format';

/** The setting `runnerOps.insights.queueWarnSeconds`: package.json declares the same bounds. */
export const QUEUE_WARN_SECONDS = {
  default: 120,
  /** Lower, and a runner's normal poll interval (3 s by default) already warns. */
  minimum: 5,
  /** GitLab drops a job pending for a day. */
  maximum: 86_400,
};

export interface QueueStats {
  /** Jobs measured. */
  count: number;
  medianSec: number;
  p90Sec: number;
}

/**
 * Median (the middle value, or the mean of the two middle ones) and 90th percentile (nearest
 * rank: the value at position ceil(0.9 n) when sorted) of the seconds given; undefined for none.
 */
export function queueStats(seconds: readonly number[]): QueueStats | undefined {
  if (seconds.length === 0) return undefined;
  const sorted = [...seconds].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const medianSec = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  const p90Sec = sorted[Math.ceil(0.9 * sorted.length) - 1];
  return { count: sorted.length, medianSec, p90Sec };
}

/** A job that a runner picked, with the runner that picked it. */
export interface PickedJob {
  job: Job;
  runnerId: number;
  queuedSec: number;
}

/**
 * The jobs already read (a runner's recent jobs, the jobs of expanded pipelines), each once, that
 * a runner has picked: a pending job's queue time is still growing, so it is left out.
 */
export function pickedJobs(
  runnerJobs: ReadonlyMap<number, Loadable<Job[]>>,
  pipelineJobs: ReadonlyMap<number, Loadable<Job[]>>,
): PickedJob[] {
  const byId = new Map<number, PickedJob>();
  const add = (job: Job, runnerId: number | undefined) => {
    if (runnerId === undefined || job.queuedDuration === undefined || job.startedAt === undefined) return;
    byId.set(job.id, { job, runnerId, queuedSec: job.queuedDuration });
  };
  // GitLab's runner job list does not repeat the runner: it is the list's.
  for (const [runnerId, list] of runnerJobs) for (const job of list.value ?? []) add(job, runnerId);
  for (const list of pipelineJobs.values()) for (const job of list.value ?? []) add(job, job.runner?.id);
  return [...byId.values()];
}

export interface QueueTimes {
  byRunner: Map<number, QueueStats>;
  byVm: Map<string, QueueStats>;
  byTag: Map<string, QueueStats>;
}

export function queueTimes(jobs: readonly PickedJob[], links: FleetLinks): QueueTimes {
  const runners = new Map<number, number[]>();
  const vms = new Map<string, number[]>();
  const tags = new Map<string, number[]>();
  const push = <K>(map: Map<K, number[]>, key: K, value: number) => map.set(key, [...(map.get(key) ?? []), value]);
  for (const { job, runnerId, queuedSec } of jobs) {
    push(runners, runnerId, queuedSec);
    const vm = jobHost({ ...job, runner: job.runner ?? { id: runnerId, description: '' } }, links)?.vm;
    if (vm) push(vms, vm.id, queuedSec);
    for (const tag of job.tags) push(tags, tag, queuedSec);
  }
  const stats = <K>(map: Map<K, number[]>) => new Map([...map].map(([k, v]) => [k, queueStats(v)!]));
  return { byRunner: stats(runners), byVm: stats(vms), byTag: stats(tags) };
}

/** "median 8 s, p90 14 s over 10 jobs". */
export function describeQueue(stats: QueueStats): string {
  return `median ${formatDuration(stats.medianSec)}, p90 ${formatDuration(stats.p90Sec)} over ${stats.count} job${stats.count === 1 ? '' : 's'}`;
}

/** The warning when jobs wait too long, or undefined: it is the p90 that users feel. */
export function queueWarning(stats: QueueStats | undefined, thresholdSec: number): string | undefined {
  if (!stats || stats.p90Sec <= thresholdSec) return undefined;
  return `Jobs wait long for a runner here: p90 ${formatDuration(stats.p90Sec)} is over the ${formatDuration(thresholdSec)} threshold (runnerOps.insights.queueWarnSeconds).`;
}
