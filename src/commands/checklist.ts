// Runner Ops: Run Bootstrap Checklist. The checks themselves are gathered in src/services.ts and
// judged in src/core/checklist.ts; the view shows them. Asked for (palette, view title,
// walkthrough), a run shows progress in a notification too and ends with a result message.
import * as vscode from 'vscode';
import { checklistSummary, type CheckResult } from '../core/checklist';
import { checklistMarkdown } from '../core/checklist-export';
import type { Services } from '../services';
import type { RunnerOpsViews } from '../views';
import { CHECKLIST_VIEW, type ChecklistView } from '../views/checklist-view';
import * as fixes from './checklist-fixes';

export function register(context: vscode.ExtensionContext, services: Services, views: RunnerOpsViews): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('runnerOps.runChecklist', () => runAsked(views.checklist, services)),
    vscode.commands.registerCommand('runnerOps.exportChecklist', () => exportChecklist(views.checklist, services)),
  );
  fixes.register(context, services, views);
}

/** The last run as Markdown: a new document and the clipboard (a run first when there is none). */
async function exportChecklist(view: ChecklistView, services: Services): Promise<string | undefined> {
  if (!view.lastRun) await view.run();
  const run = view.lastRun;
  if (!run?.results.length) {
    void vscode.window.showInformationMessage('Nothing to export: Runner Ops is not configured yet.');
    return undefined;
  }
  const settings = services.settings();
  const markdown = checklistMarkdown(run, { gitlab: settings.gitlabUrl, project: settings.gcpProject });
  const document = await vscode.workspace.openTextDocument({ language: 'markdown', content: markdown });
  await vscode.window.showTextDocument(document, { preview: false });
  await vscode.env.clipboard.writeText(markdown);
  void vscode.window.showInformationMessage('The bootstrap checklist is in a new document and on the clipboard.');
  return markdown;
}

/** Runs the checklist with progress in a notification (the view's own progress stays) and says the result. */
async function runAsked(view: ChecklistView, services: Services): Promise<CheckResult[]> {
  let results: CheckResult[];
  try {
    results = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Running the bootstrap checklist…' },
      () => view.run(),
    );
  } catch (e) {
    services.failures.record(e as Error);
    void vscode.window.showErrorMessage(`The bootstrap checklist could not run: ${(e as Error).message ?? String(e)}`);
    return [];
  }
  const { tone, text } = checklistSummary(results);
  const show =
    tone === 'error'
      ? vscode.window.showErrorMessage
      : tone === 'warning'
        ? vscode.window.showWarningMessage
        : vscode.window.showInformationMessage;
  const action = results.length ? 'Show Checklist' : 'Open Settings';
  void show(text, action).then((chosen) => {
    if (chosen === 'Show Checklist') void vscode.commands.executeCommand(`${CHECKLIST_VIEW}.focus`);
    else if (chosen) void vscode.commands.executeCommand('runnerOps.openSettings', 'runnerOps');
  });
  return results;
}
