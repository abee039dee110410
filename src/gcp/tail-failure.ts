// Google API errors (gax GoogleError, gRPC codes) as tail failures: retry what may pass, stop on
// what will not (not found, no permission, not authenticated).
import { PACE } from '../core/pace';
import { TailSourceFailure } from '../core/tail/ports';

const PERMANENT = new Map([
  [3, 'the request was refused as invalid'],
  [5, 'not found'],
  [7, 'permission denied'],
  [16, 'not authenticated (check Application Default Credentials)'],
]);
const RESOURCE_EXHAUSTED = 8;

export function toTailFailure(error: unknown, what: string): TailSourceFailure {
  const code = (error as { code?: unknown })?.code;
  // gax puts a string or an array of structured details in `details`: prefer the message.
  const message = (error as Error)?.message;
  const detail = typeof message === 'string' && message ? message : String(error);
  const short = detail.split('\n')[0].slice(0, 200);
  if (typeof code === 'number' && PERMANENT.has(code)) {
    return new TailSourceFailure(`${what}: ${PERMANENT.get(code)} (${short})`, { permanent: true });
  }
  if (code === RESOURCE_EXHAUSTED)
    return new TailSourceFailure(`${what}: quota exceeded, waiting`, { retryAfterMs: PACE.tails.quotaWaitMs });
  return new TailSourceFailure(`${what}: ${short}`);
}
