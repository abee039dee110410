// Runner Ops: Allow the Workspace's GitLab Server. A workspace (a cloned repository's
// .vscode/settings.json) that points Runner Ops at a GitLab server gets the token saved for that
// server only after a modal that names the host; a certificate authority file the workspace names
// (runnerOps.gitlab.caFile) is trusted only after a modal that names the file. Each is asked once
// per workspace on its own; the views' welcome and the checklist offer this command afterwards.
import * as vscode from 'vscode';
import { caConsentKey, caConsentQuestion } from '../core/private-ca';
import { consentQuestion } from '../core/token-consent';
import type { Services } from '../services';
import { confirmation } from './confirm';
import { refusedUntrusted } from './trust';

export function register(context: vscode.ExtensionContext, services: Services): void {
  const askedThisWindow = new Set<string>();
  const offerOnce = async () => {
    const gate = await services.gate.state();
    if (gate.kind === 'ask' && !askedThisWindow.has(gate.host) && !services.gate.wasDeclined(gate.host)) {
      askedThisWindow.add(gate.host);
      if (!(await askToken(services, gate.host))) return;
    }
    // Only once a token would go somewhere: the CA file is what that token's connection would trust.
    const file = services.gate.caFile().awaitingConsent;
    const key = file && caConsentKey(file);
    if (!file || !key || gate.kind === 'signed-out' || askedThisWindow.has(key) || services.gate.wasDeclined(key))
      return;
    askedThisWindow.add(key);
    await askCa(services, file, gate.host);
  };
  context.subscriptions.push(
    vscode.commands.registerCommand('runnerOps.allowWorkspaceGitLab', () => allow(services)),
    services.onStoreReplaced(() => void offerOnce()),
  );
  void offerOnce();
}

/** Returns whether the token may now go to the workspace's server, over the connection the workspace set up. */
async function allow(services: Services): Promise<boolean> {
  if (refusedUntrusted('runnerOps.allowWorkspaceGitLab')) return false;
  const gate = await services.gate.state();
  const file = services.gate.caFile().awaitingConsent;
  if (gate.kind === 'signed-out') {
    void vscode.window.showInformationMessage(
      'No GitLab token is saved for the server in the settings; sign in to GitLab to use it.',
    );
    return false;
  }
  if (gate.kind === 'send' && !file) {
    void vscode.window.showInformationMessage(`Runner Ops already sends your saved token to ${gate.host}.`);
    return true;
  }
  if (gate.kind === 'ask' && !(await askToken(services, gate.host))) return false;
  return file ? askCa(services, file, gate.host) : true;
}

/** Asks; the answer is recorded under `key` (a host, or caConsentKey(file)). */
async function askAndRecord(services: Services, key: string, question: string, action: string): Promise<boolean> {
  const yes = await confirmation.ask(question, action);
  if (!yes) {
    await services.gate.decline(key);
    return false;
  }
  await services.gate.allow(key);
  await services.reconfigure();
  return true;
}

const askToken = (services: Services, host: string) =>
  askAndRecord(services, host, consentQuestion(host), 'Send Token');

const askCa = (services: Services, file: string, host: string) =>
  askAndRecord(services, caConsentKey(file), caConsentQuestion(file, host), 'Trust Certificate Authority');
