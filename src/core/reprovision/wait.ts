// Waiting inside a step: on the injected clock, and cut short by the operator's cancel.
import type { Clock } from '../clock';
import { OperationCancelled, throwIfCancelled } from '../operation';

export function pause(clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
  throwIfCancelled(signal);
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clock.clearTimeout(timer);
      reject(new OperationCancelled());
    };
    const timer = clock.setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
