// A hard deadline for a call whose client's own timeout does not cover everything: Cloud Storage's
// client waits out a body that drips for a minute, and forever on one cut off midway.
import { realClock, type Clock } from './clock';

/** The call did not settle in time; whatever it was doing is abandoned, not awaited. */
export class DeadlineExceeded extends Error {
  constructor(readonly ms: number) {
    super(`no answer within ${Math.round(ms / 1000)} s`);
    this.name = 'DeadlineExceeded';
  }
}

/** Name-based: each bundle has its own copy of the class. */
export const isDeadlineExceeded = (e: unknown): e is DeadlineExceeded =>
  e instanceof Error && e.name === 'DeadlineExceeded';

/** Settles as `work` does, or rejects with DeadlineExceeded once `ms` have passed. */
export function withDeadline<T>(work: Promise<T>, ms: number, clock: Clock = realClock): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = clock.setTimeout(() => reject(new DeadlineExceeded(ms)), ms);
    work.then(
      (value) => {
        clock.clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clock.clearTimeout(timer);
        reject(error as Error);
      },
    );
  });
}
