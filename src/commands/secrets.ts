// Verify one secret or all of them: download the current generation, decrypt it with the KMS
// key (checksums sent and verified), and report which key version could. The plaintext stays
// inside the KMS adapter and is discarded there; only the outcome reaches the row and the message.
import * as vscode from 'vscode';
import {
  secretLabel,
  verifySentence,
  verifySummary,
  verifyTone,
  type SecretObject,
  type SecretsStore,
  type VerifyResult,
} from '../core/secrets';
import type { Services } from '../services';
import { checkTokens, configCollector, tokenSentence, tokenTrouble } from './token-drift';

type SecretArg = { secret: SecretObject } | undefined;

export function register(context: vscode.ExtensionContext, services: Services): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('runnerOps.verifySecret', (node: SecretArg) => verifyOne(services, node)),
    vscode.commands.registerCommand('runnerOps.verifyAllSecrets', () => verifyAll(services)),
  );
}

/** The Secrets store with its listing loaded; says what to configure or what failed otherwise. */
export async function loadedStore(services: Services): Promise<SecretsStore | undefined> {
  const store = services.secrets();
  if (!store) {
    void vscode.window
      .showWarningMessage('Configure runnerOps.secrets.bucket and runnerOps.secrets.kmsKey first.', 'Open Settings')
      .then((c) => c && vscode.commands.executeCommand('runnerOps.openSettings', 'runnerOps.secrets'));
    return undefined;
  }
  if (!store.state.secrets) await store.refresh();
  if (store.state.error) {
    void vscode.window.showErrorMessage(store.state.error.message);
    return undefined;
  }
  return store;
}

async function verifyOne(services: Services, node: SecretArg): Promise<VerifyResult | undefined> {
  const store = await loadedStore(services);
  if (!store) return undefined;
  const prefix = store.prefix;
  let secret = node?.secret;
  if (!secret) {
    const picked = await vscode.window.showQuickPick(
      (store.state.secrets ?? []).map((s) => ({ label: secretLabel(s.name, prefix), secret: s })),
      { placeHolder: 'Choose a secret to verify' },
    );
    secret = picked?.secret;
  }
  if (!secret) return undefined;
  const collected = configCollector();
  const [result, tokens] = await vscode.window.withProgress({ location: { viewId: 'runnerOps.secrets' } }, async () => {
    const verified = await store.verify(secret, collected.inspect);
    return [verified, await checkTokens(services, collected.configs)] as const;
  });
  const label = (name: string) => secretLabel(name, prefix);
  const message = `${label(secret.name)} ${verifySentence(result)}.${tokenSentence(tokens, label)}`;
  const tone = verifyTone(result) === 'ok' && tokenTrouble(tokens) ? 'warning' : verifyTone(result);
  if (tone === 'ok') void vscode.window.showInformationMessage(message);
  else if (tone === 'warning') void vscode.window.showWarningMessage(message);
  else void vscode.window.showErrorMessage(message);
  return result;
}

async function verifyAll(services: Services): Promise<Array<{ name: string; result: VerifyResult }> | undefined> {
  const store = await loadedStore(services);
  if (!store) return undefined;
  const collected = configCollector();
  const [results, tokens] = await vscode.window.withProgress(
    { location: { viewId: 'runnerOps.secrets' } },
    async () => {
      const verified = await store.verifyAll(undefined, collected.inspect);
      return [verified, await checkTokens(services, collected.configs)] as const;
    },
  );
  const label = (name: string) => secretLabel(name, store.prefix);
  const message =
    verifySummary(results.map((r) => ({ label: label(r.secret.name), result: r.result }))) +
    tokenSentence(tokens, label);
  const outcomes = new Set(results.map((r) => r.result.outcome));
  const shown = outcomes.has('failed')
    ? vscode.window.showErrorMessage(message, 'Show Secrets')
    : outcomes.has('older-version') || tokenTrouble(tokens)
      ? vscode.window.showWarningMessage(message, 'Show Secrets')
      : vscode.window.showInformationMessage(message, 'Show Secrets');
  void shown.then((choice) => {
    if (choice) void vscode.commands.executeCommand('runnerOps.secrets.focus');
  });
  return results.map((r) => ({ name: r.secret.name, result: r.result }));
}
