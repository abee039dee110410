// Runner Ops: Refresh, and the settings shortcut the welcome views link to.
import * as vscode from 'vscode';
import type { Services } from '../services';

export function register(context: vscode.ExtensionContext, services: Services): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('runnerOps.refresh', () => services.refresh()),
    vscode.commands.registerCommand('runnerOps.openSettings', (section?: string) =>
      vscode.commands.executeCommand('workbench.action.openSettings', section ?? 'runnerOps'),
    ),
  );
}
