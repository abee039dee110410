// A value fetched from a service: what we have, whether a fetch is in flight, and the last error.
import { ignoreFailures, type FailureSink } from './failures';

export interface Loadable<T> {
  value?: T;
  error?: Error;
  loading: boolean;
  loadedAt?: number;
}

export const notLoaded = <T>(): Loadable<T> => ({ loading: false });

/**
 * Runs `fetch`, keeping the previous value while loading and after a failure (stale beats empty).
 * A failure is reported to `onFailure` once, as it happens.
 */
export async function load<T>(
  current: Loadable<T>,
  fetch: () => Promise<T>,
  now: () => number,
  changed: (next: Loadable<T>) => void,
  onFailure: FailureSink = ignoreFailures,
): Promise<Loadable<T>> {
  // A list already on screen keeps showing its rows while it reloads: announcing "loading" would
  // only re-render it (and close a tooltip the operator is reading in a live view).
  if (current.value === undefined) changed({ ...current, loading: true });
  try {
    const next = { value: await fetch(), loading: false, loadedAt: now() };
    changed(next);
    return next;
  } catch (error) {
    const next = { ...current, loading: false, error: error as Error };
    onFailure(next.error);
    changed(next);
    return next;
  }
}
