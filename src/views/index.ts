// Registers the five views of the Runner Ops container.
import * as vscode from 'vscode';
import { configuredParts } from '../config/settings';
import type { Services } from '../services';
import { PendingViewProvider } from './pending-view';

export function registerViews(context: vscode.ExtensionContext, services: Services): void {
  const parts = () => configuredParts(services.settings());
  const signedIn = async () => (await services.gitlabSession()) !== undefined;
  const views: Array<[string, () => Promise<boolean>, string]> = [
    ['runnerOps.workers', async () => parts().gcp && (await signedIn()), 'Runner VMs appear here.'],
    ['runnerOps.runners', async () => parts().gitlab && (await signedIn()), 'Registered runners appear here.'],
    ['runnerOps.pipelines', async () => parts().gitlab && (await signedIn()), 'Pipelines appear here.'],
    ['runnerOps.secrets', async () => parts().secrets && (await signedIn()), 'Encrypted secrets appear here.'],
    ['runnerOps.checklist', async () => parts().any && (await signedIn()), 'Checklist items appear here.'],
  ];
  for (const [id, ready, message] of views) {
    const provider = new PendingViewProvider(services, ready, message);
    context.subscriptions.push(vscode.window.createTreeView(id, { treeDataProvider: provider, showCollapseAll: true }));
  }
}
