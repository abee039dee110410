// Show All Rows: a long list shows its first rows and a row for the rest (views/rows/row-cap.ts).
// From that row it lists the rest of its view; from the palette, of every view.
import * as vscode from 'vscode';
import type { RunnerOpsViews } from '../views';

export function register(context: vscode.ExtensionContext, views: RunnerOpsViews): void {
  const capped = [views.workers, views.runners, views.secrets];
  const ids: Record<string, (typeof capped)[number]> = {
    'runnerOps.workers': views.workers,
    'runnerOps.runners': views.runners,
    'runnerOps.secrets': views.secrets,
  };
  context.subscriptions.push(
    vscode.commands.registerCommand('runnerOps.showAllRows', (viewId?: unknown) => {
      const targets = typeof viewId === 'string' && ids[viewId] ? [ids[viewId]] : capped;
      for (const view of targets) if (view.cap.showAll()) view.fire();
    }),
  );
}
