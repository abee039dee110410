// Runner Ops: Run Bootstrap Checklist, and the view it fills. Gathers what GitLab says (token,
// projects, runners through the fleet store) and hands the Google checks the lazily loaded
// read-only adapter; src/core/checklist.ts judges.
import * as vscode from 'vscode';
import { configuredParts } from '../config/settings';
import { checklistSummary, readGitLabFacts, runChecklist, type CheckResult } from '../core/checklist';
import { loadChecklist, loadGitLab } from '../lazy';
import type { Services } from '../services';
import { CHECKLIST_VIEW, ChecklistView } from '../views/checklist-view';

export function register(context: vscode.ExtensionContext, services: Services): void {
  const view = new ChecklistView(() => runBootstrapChecklist(services));
  context.subscriptions.push(
    view,
    vscode.commands.registerCommand('runnerOps.runChecklist', () => runAsked(view)),
    services.onRefresh(() => view.invalidate()),
    services.onStoreReplaced(() => view.invalidate()),
  );
}

/** Asked for (palette, view title, walkthrough): progress in a notification too, and the result in a message. */
async function runAsked(view: ChecklistView): Promise<CheckResult[]> {
  let results: CheckResult[];
  try {
    results = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Running the bootstrap checklist…' },
      () => view.run(),
    );
  } catch (e) {
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

/** Every check, in order; nothing when nothing is configured (the view's welcome explains). */
async function runBootstrapChecklist(services: Services): Promise<CheckResult[]> {
  const settings = services.settings();
  const parts = configuredParts(settings);
  if (!parts.any) return [];
  const [gitlab, { ChecklistAdapter }] = await Promise.all([
    services.gitlabSession().then((session) =>
      readGitLabFacts({
        configured: parts.gitlab,
        host: settings.gitlabUrl,
        projects: settings.gitlabProjects,
        session,
        identity: async (url, token) => (await loadGitLab()).fetchTokenIdentity(url, token),
        store: services.store(),
      }),
    ),
    loadChecklist(),
  ]);
  const google = new ChecklistAdapter(settings);
  try {
    return await runChecklist(
      {
        gcpProject: settings.gcpProject,
        kmsKey: settings.kmsKey,
        bucket: settings.secretsBucket,
        prefix: settings.secretsPrefix,
        now: Date.now(),
      },
      gitlab,
      google,
    );
  } finally {
    void google.close().catch(() => undefined);
  }
}
