// Runner Ops: Run Bootstrap Checklist, and the view it fills. Gathers what GitLab says (token,
// projects, runners through the fleet store) and hands the Google checks the lazily loaded
// read-only adapter; src/core/checklist.ts judges.
import * as vscode from 'vscode';
import { configuredParts } from '../config/settings';
import { readGitLabFacts, runChecklist, type CheckResult } from '../core/checklist';
import { loadChecklist, loadGitLab } from '../lazy';
import type { Services } from '../services';
import { ChecklistView } from '../views/checklist-view';

export function register(context: vscode.ExtensionContext, services: Services): void {
  const view = new ChecklistView(() => runBootstrapChecklist(services));
  context.subscriptions.push(
    view,
    vscode.commands.registerCommand('runnerOps.runChecklist', () => view.run()),
    services.onRefresh(() => view.invalidate()),
    services.onStoreReplaced(() => view.invalidate()),
  );
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
        onFailure: services.failures.record,
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
      services.failures.record,
    );
  } finally {
    void google.close().catch(() => undefined);
  }
}
