// A run that goes on after a window reload: a test asks the harness to reload the window once the
// suites ran (ui.continueAfterReload), and the next life of the run runs only what it left to do.
import { ui } from './bridge';

export type Continuation = { grep: string } & Record<string, unknown>;

let continued: Continuation | undefined;

/** Called once at the start of a life of the run: what to continue with, after a reload. */
export async function loadContinuation(): Promise<Continuation | undefined> {
  const { value, reloaded } = await ui.continuation();
  continued = reloaded && value ? value : undefined;
  return continued;
}

/** What the test before the reload left, in the life after it; undefined before any reload. */
export const continuation = () => continued;
