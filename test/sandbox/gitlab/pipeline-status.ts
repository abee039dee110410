// Pipeline status and timings derived from its jobs, following GitLab's Ci::Status::Composite
// and Gitlab::Ci::Pipeline::Duration.
import type { GitLabState, JobRecord, PipelineRecord, PipelineStatus } from './state';

export const COMPLETED = new Set(['success', 'failed', 'canceled', 'skipped']);
export const CANCELABLE = new Set([
  'created',
  'pending',
  'running',
  'manual',
  'scheduled',
  'preparing',
  'waiting_for_resource',
]);

/** Composite status of a set of (non-retried) jobs; a failed job with allow_failure counts as "ignored". */
export function compositeStatus(jobs: JobRecord[]): PipelineStatus {
  if (jobs.length === 0) return 'created';
  const kinds = new Set<string>(
    jobs.map((j) => (j.status === 'failed' && j.definition.allowFailure ? 'ignored' : j.status)),
  );
  const onlyOf = (...allowed: string[]) => [...kinds].every((k) => allowed.includes(k));
  const anyOf = (...wanted: string[]) => wanted.some((k) => kinds.has(k));
  if (onlyOf('skipped', 'ignored')) return 'skipped';
  if (onlyOf('success', 'skipped', 'ignored')) return 'success';
  if (onlyOf('created', 'ignored')) return 'created';
  if (onlyOf('canceled', 'success', 'skipped', 'ignored')) return 'canceled';
  if (onlyOf('pending', 'created', 'skipped', 'ignored')) return 'pending';
  if (anyOf('running', 'pending')) return 'running';
  if (anyOf('manual')) return 'manual';
  if (anyOf('created')) return 'running';
  return 'failed';
}

export function currentJobs(state: GitLabState, pipeline: PipelineRecord): JobRecord[] {
  return state.pipelineJobs(pipeline).filter((j) => !j.retried);
}

export function pipelineStatus(state: GitLabState, pipeline: PipelineRecord): PipelineStatus {
  return compositeStatus(currentJobs(state, pipeline));
}

export function hasWarnings(state: GitLabState, pipeline: PipelineRecord): boolean {
  return currentJobs(state, pipeline).some((j) => j.status === 'failed' && j.definition.allowFailure);
}

export interface PipelineTimes {
  startedAt: number | null;
  finishedAt: number | null;
  /** Seconds, union of the jobs' running periods (overlaps counted once); null until complete. */
  duration: number | null;
  /** Seconds from creation to the first job start. */
  queuedDuration: number | null;
}

export function pipelineTimes(state: GitLabState, pipeline: PipelineRecord, now: number): PipelineTimes {
  const jobs = state.pipelineJobs(pipeline);
  const started = jobs.map((j) => j.startedAt).filter((t): t is number => t !== null);
  const startedAt = started.length ? Math.min(...started) : null;
  const status = pipelineStatus(state, pipeline);
  const done = COMPLETED.has(status);
  const finished = jobs.map((j) => j.finishedAt).filter((t): t is number => t !== null);
  const finishedAt = done && finished.length ? Math.max(...finished) : null;
  const periods = jobs
    .filter((j) => j.startedAt !== null)
    .map((j) => [j.startedAt as number, j.finishedAt ?? now] as const)
    .sort((a, b) => a[0] - b[0]);
  let total = 0;
  let cursor = -Infinity;
  for (const [from, to] of periods) {
    const start = Math.max(from, cursor);
    if (to > start) total += to - start;
    cursor = Math.max(cursor, to);
  }
  return {
    startedAt,
    finishedAt,
    duration: done && startedAt !== null ? Math.round(total / 1000) : null, // GitLab fills it when the pipeline completes
    queuedDuration: startedAt === null ? null : Math.round((startedAt - pipeline.createdAt) / 1000),
  };
}

interface StatusRow {
  icon: string;
  text: string;
  label: string;
  group: string;
}

const DETAILED: Record<string, StatusRow> = {
  created: { icon: 'status_created', text: 'Created', label: 'created', group: 'created' },
  pending: { icon: 'status_pending', text: 'Pending', label: 'pending', group: 'pending' },
  preparing: { icon: 'status_preparing', text: 'Preparing', label: 'preparing', group: 'preparing' },
  running: { icon: 'status_running', text: 'Running', label: 'running', group: 'running' },
  success: { icon: 'status_success', text: 'Passed', label: 'passed', group: 'success' },
  failed: { icon: 'status_failed', text: 'Failed', label: 'failed', group: 'failed' },
  canceled: { icon: 'status_canceled', text: 'Canceled', label: 'canceled', group: 'canceled' },
  skipped: { icon: 'status_skipped', text: 'Skipped', label: 'skipped', group: 'skipped' },
  manual: { icon: 'status_manual', text: 'Manual', label: 'manual action', group: 'manual' },
  scheduled: { icon: 'status_scheduled', text: 'Scheduled', label: 'scheduled', group: 'scheduled' },
  waiting_for_resource: {
    icon: 'status_pending',
    text: 'Waiting',
    label: 'waiting for resource',
    group: 'waiting-for-resource',
  },
};
const SUCCESS_WITH_WARNINGS: StatusRow = {
  icon: 'status_warning',
  text: 'Warning',
  label: 'passed with warnings',
  group: 'success-with-warnings',
};

export function detailedStatus(
  status: PipelineStatus,
  warnings: boolean,
  detailsPath: string,
): Record<string, unknown> {
  const row = status === 'success' && warnings ? SUCCESS_WITH_WARNINGS : DETAILED[status];
  return {
    icon: row.icon,
    text: row.text,
    label: row.label,
    group: row.group,
    tooltip: row.label,
    has_details: true,
    details_path: detailsPath,
    illustration: null,
    favicon: `/assets/ci_favicons/favicon_${row.icon}.png`,
  };
}
