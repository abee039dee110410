// What every part of the Google half shares: simulated time, the GitLab side, the scheduler and ids.
import { randomBytes } from 'node:crypto';
import type { SandboxClock } from '../clock';
import type { GitLabWorld } from '../world';
import { Scheduler } from './scheduler';

export interface GoogleContext {
  readonly clock: SandboxClock;
  readonly gitlab: GitLabWorld;
  readonly scheduler: Scheduler;
  /** Simulated now; inside a scheduled task, that task's due time. */
  now(): number;
  /** Origin the sandbox is reachable at (set after listen); used for selfLinks. */
  baseUrl: string;
  /** A fresh unsigned 64-bit id in decimal, like Compute's resource ids. */
  newNumericId(): string;
}

export function createContext(clock: SandboxClock, gitlab: GitLabWorld, baseUrl: string): GoogleContext {
  const scheduler = new Scheduler();
  // Ids come from one random start and a counter: unique, id-like, and cheap for 2,000-VM seeds.
  let nextId = (randomBytes(8).readBigUInt64BE() >> 2n) + 1_000_000_000_000_000n;
  return {
    clock,
    gitlab,
    scheduler,
    now: () => scheduler.runningAt ?? clock.now(),
    baseUrl,
    newNumericId: () => (nextId += 7_919n).toString(),
  };
}

/** RFC 3339 with milliseconds, as Compute and KMS print timestamps. */
export const rfc3339 = (ms: number): string => new Date(ms).toISOString();

/** Opaque page tokens: the offset into a sorted listing. */
export function pageTokenFor(offset: number): string {
  return Buffer.from(`o:${offset}`).toString('base64url');
}

export function offsetFromPageToken(token: string | null, onInvalid: () => Error): number {
  if (!token) return 0;
  const match = /^o:(\d+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
  if (!match) throw onInvalid();
  return Number(match[1]);
}

export function paginate<T>(items: T[], offset: number, pageSize: number): { page: T[]; nextPageToken?: string } {
  const page = items.slice(offset, offset + pageSize);
  const next = offset + page.length;
  return { page, nextPageToken: next < items.length ? pageTokenFor(next) : undefined };
}
