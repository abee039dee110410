// Runner and manager status, derived from contact times the way GitLab's Ci::Runner does.
import type { GitLabState, ManagerRecord, RunnerRecord } from './state';

const HOUR = 3_600_000;
/** Ci::Runner::ONLINE_CONTACT_TIMEOUT */
export const ONLINE_CONTACT_TIMEOUT_MS = 2 * HOUR;
/** Ci::Runner::STALE_TIMEOUT */
export const STALE_TIMEOUT_MS = 7 * 24 * HOUR;
/** A live gitlab-runner polls every few seconds; a manager silent for longer is not picking jobs now. */
export const POLLING_FRESHNESS_MS = 60_000;

export type RunnerStatus = 'online' | 'offline' | 'stale' | 'never_contacted';

export function contactStatus(createdAt: number, contactedAt: number | null, now: number): RunnerStatus {
  const stale = contactedAt === null ? createdAt <= now - STALE_TIMEOUT_MS : contactedAt <= now - STALE_TIMEOUT_MS;
  if (stale) return 'stale';
  if (contactedAt === null) return 'never_contacted';
  return contactedAt > now - ONLINE_CONTACT_TIMEOUT_MS ? 'online' : 'offline';
}

/** The runner's contacted_at is the latest contact of any of its managers. */
export function runnerContactedAt(state: GitLabState, runner: RunnerRecord): number | null {
  let latest: number | null = null;
  for (const m of state.managersByRunner.get(runner.id) ?? []) {
    if (m.contactedAt !== null && (latest === null || m.contactedAt > latest)) latest = m.contactedAt;
  }
  return latest;
}

export function runnerStatus(state: GitLabState, runner: RunnerRecord, now: number): RunnerStatus {
  return contactStatus(runner.createdAt, runnerContactedAt(state, runner), now);
}

/** `online` in the API: null (Ruby nil) when never contacted. */
export function runnerOnline(state: GitLabState, runner: RunnerRecord, now: number): boolean | null {
  const contactedAt = runnerContactedAt(state, runner);
  if (contactedAt === null) return null;
  return contactedAt > now - ONLINE_CONTACT_TIMEOUT_MS;
}

export function managerStatus(manager: ManagerRecord, now: number): RunnerStatus {
  return contactStatus(manager.createdAt, manager.contactedAt, now);
}

export function isRunnerBusy(state: GitLabState, runnerId: number): boolean {
  return (state.jobsByRunner.get(runnerId) ?? []).some((j) => j.status === 'running');
}

export function isManagerBusy(state: GitLabState, manager: ManagerRecord): boolean {
  return (state.jobsByRunner.get(manager.runnerId) ?? []).some(
    (j) => j.status === 'running' && j.managerId === manager.id,
  );
}

/** Polling right now: alive and seen within the last poll window. */
export function isManagerPolling(manager: ManagerRecord, now: number): boolean {
  return manager.processAlive && manager.contactedAt !== null && manager.contactedAt > now - POLLING_FRESHNESS_MS;
}
