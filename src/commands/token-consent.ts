// Runner Ops: Allow the Workspace's GitLab Server. A workspace (a cloned repository's
// .vscode/settings.json) that points Runner Ops at a GitLab server gets the token saved for that
// server only after a modal that names the host. Asked once per workspace on its own; the views'
// welcome and the checklist offer this command afterwards.
import * as vscode from 'vscode';
import { consentQuestion } from '../core/token-consent';
import type { Services } from '../services';
import { confirmation } from './confirm';
import { refusedUntrusted } from './trust';

export function register(context: vscode.ExtensionContext, services: Services): void {
  const askedThisWindow = new Set<string>();
  const offerOnce = async () => {
    const gate = await services.gate.state();
    if (gate.kind !== 'ask' || askedThisWindow.has(gate.host) || services.gate.wasDeclined(gate.host)) return;
    askedThisWindow.add(gate.host);
    await askAndRecord(services, gate.host);
  };
  context.subscriptions.push(
    vscode.commands.registerCommand('runnerOps.allowWorkspaceGitLab', () => allow(services)),
    services.onStoreReplaced(() => void offerOnce()),
  );
  void offerOnce();
}

/** Returns whether the token may now go to the workspace's server. */
async function allow(services: Services): Promise<boolean> {
  if (refusedUntrusted('runnerOps.allowWorkspaceGitLab')) return false;
  const gate = await services.gate.state();
  if (gate.kind === 'send') {
    void vscode.window.showInformationMessage(`Runner Ops already sends your saved token to ${gate.host}.`);
    return true;
  }
  if (gate.kind === 'signed-out') {
    void vscode.window.showInformationMessage(
      'No GitLab token is saved for the server in the settings; sign in to GitLab to use it.',
    );
    return false;
  }
  return askAndRecord(services, gate.host);
}

async function askAndRecord(services: Services, host: string): Promise<boolean> {
  const yes = await confirmation.ask(consentQuestion(host), 'Send Token');
  if (!yes) {
    await services.gate.decline(host);
    return false;
  }
  await services.gate.allow(host);
  await services.reconfigure();
  return true;
}
