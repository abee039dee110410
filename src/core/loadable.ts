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
 * A failure is reported to `onFailure` once, as it happens. On a first load, `fetch` may show
 * what it has read so far (`shown`: rows first, details after); a failure then keeps that.
 */
export async function load<T>(
  current: Loadable<T>,
  fetch: (shown: (partial: T) => void) => Promise<T>,
  now: () => number,
  changed: (next: Loadable<T>) => void,
  onFailure: FailureSink = ignoreFailures,
): Promise<Loadable<T>> {
  let kept = current;
  // A list already on screen keeps showing its rows while it reloads: announcing "loading" would
  // only re-render it (and close a tooltip the operator is reading in a live view).
  if (current.value === undefined) changed({ ...current, loading: true });
  const shown = (partial: T) => {
    if (current.value !== undefined) return; // a reload replaces whole rows, never with part of them
    kept = { ...kept, value: partial, loadedAt: now() };
    changed({ ...kept, loading: true });
  };
  try {
    const next = { value: await fetch(shown), loading: false, loadedAt: now() };
    changed(next);
    return next;
  } catch (error) {
    const next = { ...kept, loading: false, error: error as Error };
    onFailure(next.error);
    changed(next);
    return next;
  }
}
