// How the checklist row commands (Apply Fix, Copy gcloud Equivalent, Run This Check Again) ask
// for their check when run from the palette: a titled quick pick of the last run's checks in the
// view's words (title, Passed/Warning/Failed, what the fix does), only those the command applies
// to; the checklist runs first when it has not yet.
import * as vscode from 'vscode';
import type { CheckResult } from '../core/checklist';
import { checkStatus } from '../core/status-table';
import type { ChecklistView } from '../views/checklist-view';
import { pick } from './pick';

export type CheckPurpose = 'apply' | 'copy' | 'rerun';

const firstLine = (text: string) => text.split('\n')[0];

const PICKS: Record<
  CheckPurpose,
  { title: string; placeHolder: string; empty: string; offers(r: CheckResult): string | undefined }
> = {
  apply: {
    title: 'Apply which check’s fix?',
    placeHolder: 'Checks with a fix Runner Ops applies or opens, in checklist order',
    empty: 'No check offers a fix: every check passes or needs nothing Runner Ops can do.',
    offers: (r) => r.fix?.command?.title,
  },
  copy: {
    title: 'Copy the gcloud equivalent of which check’s fix?',
    placeHolder: 'Checks with a command to copy, in checklist order',
    empty: 'No check has a command to copy.',
    offers: (r) => r.fix?.text && firstLine(r.fix.text),
  },
  rerun: {
    title: 'Run which check again?',
    placeHolder: 'The checks of the last run, in checklist order',
    empty: 'Nothing to check: Runner Ops is not configured yet (runnerOps.gitlab, runnerOps.gcp, runnerOps.secrets).',
    offers: (r) => r.detail,
  },
};

/** Asks which check, from the last run (running the checklist first when there is none); undefined when none or dismissed. */
export async function pickCheck(view: ChecklistView, purpose: CheckPurpose): Promise<CheckResult | undefined> {
  const results =
    view.lastRun?.results ??
    (await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Running the bootstrap checklist…' },
      () => view.run(),
    ));
  const spec = PICKS[purpose];
  return pick({
    title: spec.title,
    placeHolder: spec.placeHolder,
    empty: spec.empty,
    items: results.flatMap((r) => {
      const offered = spec.offers(r);
      return offered ? [{ label: r.title, description: `${checkStatus(r.outcome).label} · ${offered}`, value: r }] : [];
    }),
  });
}
