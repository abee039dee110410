// Runner Ops: Refresh, the settings shortcut the welcome views link to, and Show Failure Details.
import * as vscode from 'vscode';
import type { Services } from '../services';
import { failureOfRow } from '../views/rows/common';

export function register(context: vscode.ExtensionContext, services: Services): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('runnerOps.refresh', () => services.refresh()),
    vscode.commands.registerCommand('runnerOps.openSettings', (section?: string) =>
      vscode.commands.executeCommand('workbench.action.openSettings', section ?? 'runnerOps'),
    ),
    // From an error row: that row's failure; from the palette: the latest one.
    vscode.commands.registerCommand('runnerOps.showFailureDetails', (node?: { item?: vscode.TreeItem }) =>
      services.failures.showDetails(node?.item && failureOfRow(node.item)),
    ),
  );
}
