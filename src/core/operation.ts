// The one shape of an acting command's run: named steps run in order, the journal saved after
// each one (and whenever a step saves its own progress), so that a crash, a reload or a cancel
// leaves a record to resume from; a resumed run skips the steps already done. The UI around it
// (plan, confirmation, progress, log) is src/commands/operation-ui.ts.

/** Where journals are kept between sessions (the extension's globalState, or a map in tests). */
export interface JournalStore {
  get(key: string): unknown;
  update(key: string, value: unknown): PromiseLike<void>;
  keys(): readonly string[];
}

/** A run's persisted record. `state` is the operation's own data: plain JSON, never a secret value. */
export interface Journal<S> {
  /** The operation's kind, e.g. 'rotate-secrets' or 'reprovision'. */
  kind: string;
  /** What it acts on, e.g. the key's or the VM's name: one unfinished run per kind and target. */
  target: string;
  /** The command that resumes it, called with `{ resume: journalKey(kind, target) }`. */
  command: string;
  /** "Re-provision gitlab-runner-b", for notifications and the log. */
  title: string;
  startedAt: number;
  /** Ids of the steps completed, in order. */
  done: string[];
  /** The last run's stop, when it did not finish: where and why. */
  stopped?: { step: string; reason: 'cancelled' | 'failed' | 'interrupted'; message: string; at: number };
  state: S;
}

export interface StepContext<S> {
  readonly journal: Journal<S>;
  readonly signal: AbortSignal;
  /** One line for the operation's log; never a value. */
  log(line: string, level?: 'info' | 'warn' | 'error'): void;
  /** Progress for the notification: a message and, when known, the share of this step done (0..1). */
  report(message: string, fraction?: number): void;
  /** Persists `journal.state` now: call after each unit of work a step must never redo. */
  save(): Promise<void>;
}

export interface Step<S> {
  id: string;
  /** "Pause runner #12", shown as progress and in the log. */
  title: string;
  run(context: StepContext<S>): Promise<void>;
}

export type OperationOutcome =
  { outcome: 'done' } | { outcome: 'cancelled'; step: string } | { outcome: 'failed'; step: string; error: Error };

export interface OperationHooks {
  log(line: string, level: 'info' | 'warn' | 'error'): void;
  report(message: string, fraction?: number): void;
  now(): number;
}

/** Thrown by a step (or `throwIfCancelled`) when the operator cancelled. */
export class OperationCancelled extends Error {
  constructor() {
    super('Cancelled by the operator.');
  }
}

export function throwIfCancelled(signal: AbortSignal): void {
  if (signal.aborted) throw new OperationCancelled();
}

const PREFIX = 'runnerOps.operation:';

export const journalKey = (kind: string, target: string) => `${PREFIX}${kind}:${target}`;

export class Journals {
  constructor(private readonly store: JournalStore) {}

  /** The unfinished run for this kind and target, if any. */
  find<S>(kind: string, target: string): Journal<S> | undefined {
    return this.get<S>(journalKey(kind, target));
  }

  get<S>(key: string): Journal<S> | undefined {
    const value = this.store.get(key);
    return isJournal(value) ? (value as Journal<S>) : undefined;
  }

  /** Every unfinished run, oldest first: offered for resumption at activation. */
  unfinished(): Journal<unknown>[] {
    return this.store
      .keys()
      .filter((k) => k.startsWith(PREFIX))
      .map((k) => this.get<unknown>(k))
      .filter((j): j is Journal<unknown> => j !== undefined)
      .sort((a, b) => a.startedAt - b.startedAt);
  }

  save(journal: Journal<unknown>): PromiseLike<void> {
    return this.store.update(journalKey(journal.kind, journal.target), journal);
  }

  /** Forgets a run: finished, or discarded by the operator. */
  discard(journal: Pick<Journal<unknown>, 'kind' | 'target'>): PromiseLike<void> {
    return this.store.update(journalKey(journal.kind, journal.target), undefined);
  }
}

function isJournal(value: unknown): boolean {
  const j = value as Journal<unknown> | undefined;
  return typeof j === 'object' && j !== null && typeof j.kind === 'string' && Array.isArray(j.done);
}

/**
 * Runs the steps not yet done, saving the journal after each. On success the journal is
 * discarded; on cancel or failure it is kept with `stopped` saying where, so a later run resumes.
 */
export async function runOperation<S>(
  journals: Journals,
  journal: Journal<S>,
  steps: readonly Step<S>[],
  signal: AbortSignal,
  hooks: OperationHooks,
): Promise<OperationOutcome> {
  const resumed = journal.done.length > 0 || journal.stopped !== undefined;
  if (resumed) hooks.log(`${journal.title}: resuming after ${journal.done.length} of ${steps.length} steps.`, 'info');
  journal.stopped = undefined;
  await journals.save(journal);
  const todo = steps.filter((s) => !journal.done.includes(s.id));
  for (const step of todo) {
    const index = steps.indexOf(step) + 1;
    const context: StepContext<S> = {
      journal,
      signal,
      log: (line, level = 'info') => hooks.log(`${journal.title} · ${step.title}: ${line}`, level),
      report: (message, fraction) => hooks.report(`${index}/${steps.length} ${step.title}: ${message}`, fraction),
      save: async () => journals.save(journal),
    };
    try {
      throwIfCancelled(signal);
      hooks.report(`${index}/${steps.length} ${step.title}`);
      hooks.log(`${journal.title} · step ${index}/${steps.length} ${step.title}: started.`, 'info');
      await step.run(context);
    } catch (thrown) {
      const error = thrown instanceof Error ? thrown : new Error(String(thrown));
      const cancelled = error instanceof OperationCancelled || signal.aborted;
      journal.stopped = {
        step: step.id,
        reason: cancelled ? 'cancelled' : 'failed',
        message: cancelled ? 'cancelled by the operator' : error.message,
        at: hooks.now(),
      };
      await journals.save(journal);
      hooks.log(
        `${journal.title} · step ${index}/${steps.length} ${step.title}: ${cancelled ? 'cancelled' : `failed: ${error.message}`}`,
        cancelled ? 'warn' : 'error',
      );
      return cancelled ? { outcome: 'cancelled', step: step.id } : { outcome: 'failed', step: step.id, error };
    }
    journal.done.push(step.id);
    await journals.save(journal);
    hooks.log(`${journal.title} · step ${index}/${steps.length} ${step.title}: done.`, 'info');
  }
  await journals.discard(journal);
  hooks.log(`${journal.title}: finished.`, 'info');
  return { outcome: 'done' };
}

/** "stopped at step 3 of 8 (Drain running jobs): cancelled by the operator". */
export function stoppedSentence(
  journal: Journal<unknown>,
  steps: readonly Pick<Step<unknown>, 'id' | 'title'>[],
): string {
  const stop = journal.stopped;
  const at = stop ? steps.findIndex((s) => s.id === stop.step) : journal.done.length;
  const step = steps[at];
  const where = step ? `step ${at + 1} of ${steps.length} (${step.title})` : `after step ${journal.done.length}`;
  // Callers end the sentence: a message's own full stop would make it "..".
  return stop ? `stopped at ${where}: ${stop.message.replace(/\.$/, '')}` : `interrupted at ${where}`;
}
