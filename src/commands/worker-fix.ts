// The worker fix's run: its two creations (template, then VM) as a journaled operation with a
// cancellable progress notification (src/commands/operation-ui.ts); an unfinished run for the
// same VM is resumed rather than started again, and the journal's `{ resume }` comes back here.
import { randomUUID } from 'node:crypto';
import type { BootstrapPorts, FixContext } from '../core/bootstrap-fixes';
import { APPLY_FIX_COMMAND } from '../core/checklist';
import type { Journal } from '../core/operation';
import {
  WORKER_FIX_KIND,
  workerFixJournal,
  workerFixSentence,
  workerFixSteps,
  workerTarget,
  type WorkerFixState,
} from '../core/worker-fix';
import type { Services } from '../services';
import { journals, runWithProgress } from './operation-ui';

export interface WorkerFixReport {
  outcome: 'applied' | 'cancelled' | 'failed';
  sentence?: string;
}

/** The journal to run: the unfinished one for this VM (same requestId, steps done skipped), or a new one. */
export function workerJournal(services: Services, ctx: FixContext, title: string): Journal<WorkerFixState> {
  const fresh = workerFixJournal(ctx, APPLY_FIX_COMMAND, title, randomUUID(), Date.now());
  return journals(services).find<WorkerFixState>(WORKER_FIX_KIND, workerTarget(fresh.state)) ?? fresh;
}

/** The journal `{ resume }` names, if it is still unfinished. */
export function unfinishedWorkerFix(services: Services, key: string): Journal<WorkerFixState> | undefined {
  const journal = journals(services).get<WorkerFixState>(key);
  return journal?.kind === WORKER_FIX_KIND ? journal : undefined;
}

export async function runWorkerFix(
  services: Services,
  ports: BootstrapPorts,
  journal: Journal<WorkerFixState>,
): Promise<WorkerFixReport> {
  const outcome = await runWithProgress(services, {
    journal,
    steps: workerFixSteps(ports),
    progressTitle: `${journal.title}…`,
  });
  if (outcome.outcome === 'done') return { outcome: 'applied', sentence: workerFixSentence(journal.state) };
  return outcome.outcome === 'failed'
    ? { outcome: 'failed', sentence: outcome.error.message }
    : { outcome: 'cancelled' };
}
