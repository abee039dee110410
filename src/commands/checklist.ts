// Runner Ops: Run Bootstrap Checklist. The checks themselves are gathered in src/services.ts and
// judged in src/core/checklist.ts; the view shows them.
import * as vscode from 'vscode';
import type { Services } from '../services';
import type { RunnerOpsViews } from '../views';

export function register(context: vscode.ExtensionContext, _services: Services, views: RunnerOpsViews): void {
  context.subscriptions.push(vscode.commands.registerCommand('runnerOps.runChecklist', () => views.checklist.run()));
}
