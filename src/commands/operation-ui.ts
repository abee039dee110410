// What every acting command shows around src/core/operation.ts: the plan (and the final report)
// as a read-only Markdown document, a confirmation (the target's name typed back for destructive
// ones), a cancellable progress notification, every step in the Runner Ops log, and at
// activation an offer to resume a run a crash or a reload interrupted.
import * as vscode from 'vscode';
import {
  journalKey,
  Journals,
  runOperation,
  stoppedSentence,
  type Journal,
  type OperationOutcome,
  type Step,
} from '../core/operation';
import type { Services } from '../services';

export const PLAN_SCHEME = 'runner-ops-plan';

/** Plans and reports: read-only documents whose text lives in memory only (never a value in them). */
class PlanDocuments implements vscode.TextDocumentContentProvider {
  private readonly texts = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;

  set(uri: vscode.Uri, text: string): void {
    this.texts.set(uri.toString(), text);
    this.changed.fire(uri);
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.toString()) ?? '(this document is no longer available: run the command again)';
  }
}

const documents = new PlanDocuments();

export function register(context: vscode.ExtensionContext, services: Services): void {
  context.subscriptions.push(vscode.workspace.registerTextDocumentContentProvider(PLAN_SCHEME, documents));
  void offerResume(services);
}

/** The journals of this installation's acting commands, kept across reloads and crashes. */
export function journals(services: Services): Journals {
  const state = services.context.globalState;
  return new Journals({ get: (k) => state.get(k), update: (k, v) => state.update(k, v), keys: () => state.keys() });
}

/** Opens `markdown` as a read-only document named `name` (e.g. "Plan: re-provision gitlab-runner-b.md"). */
export async function showDocument(name: string, markdown: string): Promise<vscode.TextEditor> {
  const uri = vscode.Uri.from({ scheme: PLAN_SCHEME, path: `/${name.replace(/[\\/]/g, '-')}` });
  documents.set(uri, markdown);
  const document = await vscode.workspace.openTextDocument(uri);
  await vscode.languages.setTextDocumentLanguage(document, 'markdown');
  return vscode.window.showTextDocument(document, { preview: false });
}

/**
 * Asks for `name` typed back before a destructive action; true only for an exact match.
 * An input box, not a modal, so the plan document stays readable while the operator types.
 */
export async function confirmByTypingName(title: string, prompt: string, name: string): Promise<boolean> {
  const typed = await vscode.window.showInputBox({
    title,
    prompt,
    placeHolder: name,
    ignoreFocusOut: true,
    validateInput: (value) => (value === name || value === '' ? undefined : `Type ${name} exactly to go on.`),
  });
  return typed === name;
}

export interface OperationRun<S> {
  journal: Journal<S>;
  steps: readonly Step<S>[];
  /** The notification's title, e.g. "Rotating projects/p/…/cryptoKeys/runner-secrets". */
  progressTitle: string;
  /** Where everything stands after a stop ("Runner #12 is paused; VM b is being recreated."), said with it. */
  explain?: (journal: Journal<S>) => string;
  /** A safe way back offered after a stop, when there is one (e.g. resume the runner). */
  rollBack?: (journal: Journal<S>) => { label: string; run: () => Promise<void> } | undefined;
  /** The caller says how a stopped run ended (and what to do) itself. */
  explainsStop?: boolean;
}

/**
 * Runs the operation with a cancellable progress notification, logging every step; says how it
 * ended, with "Resume" after a cancel or a failure (the journal keeps where it stopped).
 */
export async function runWithProgress<S>(services: Services, run: OperationRun<S>): Promise<OperationOutcome> {
  const store = journals(services);
  const outcome = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: run.progressTitle, cancellable: true },
    async (progress, token) => {
      const abort = new AbortController();
      const listener = token.onCancellationRequested(() => abort.abort());
      let reported = 0;
      try {
        return await runOperation(store, run.journal, run.steps, abort.signal, {
          log: (line, level) => services.failures.note(level, line),
          report: (message, fraction) => {
            // VS Code's progress takes increments; a step's fraction maps onto its share of the bar.
            const done = run.journal.done.length + (fraction ?? 0);
            const total = (done / run.steps.length) * 100;
            progress.report({ message, increment: Math.max(0, total - reported) });
            reported = Math.max(reported, total);
          },
          now: Date.now,
        });
      } finally {
        listener.dispose();
      }
    },
  );
  if (outcome.outcome !== 'done' && !run.explainsStop) {
    const where = stoppedSentence(run.journal as Journal<unknown>, run.steps as Step<unknown>[]);
    const show = outcome.outcome === 'failed' ? vscode.window.showErrorMessage : vscode.window.showWarningMessage;
    const state = run.explain ? ` ${run.explain(run.journal)}` : '';
    const back = run.rollBack?.(run.journal);
    const choices = ['Resume', ...(back ? [back.label] : []), 'Show Log'];
    void show(`${run.journal.title} ${where}.${state} Run it again to resume from there.`, ...choices).then(
      (choice) => {
        if (choice === 'Resume') void resume(run.journal as Journal<unknown>);
        if (back && choice === back.label) void back.run();
        if (choice === 'Show Log') void services.failures.showDetails();
      },
    );
  }
  return outcome;
}

function resume(journal: Journal<unknown>): Thenable<unknown> {
  return vscode.commands.executeCommand(journal.command, { resume: journalKey(journal.kind, journal.target) });
}

/** At activation: each run a crash or a reload left unfinished is offered for resumption, once. */
async function offerResume(services: Services): Promise<void> {
  const store = journals(services);
  for (const journal of store.unfinished()) {
    const how = journal.stopped ? `stopped: ${journal.stopped.message}` : 'was interrupted (window closed or reloaded)';
    const choice = await vscode.window.showWarningMessage(
      `${journal.title} ${how} after ${journal.done.length} completed steps. Resume it?`,
      'Resume',
      'Discard',
    );
    if (choice === 'Resume') void resume(journal);
    if (choice === 'Discard') {
      await store.discard(journal);
      services.failures.note('warn', `${journal.title}: the unfinished run was discarded by the operator.`);
    }
  }
}
