// Reveal Secret: after a confirmation, the decrypted value opens as a read-only document whose
// text lives only in this window's memory (a content provider, not a file and not an untitled
// editor, which hot exit would back up to disk). Closing the editor forgets it.
import * as vscode from 'vscode';
import { secretLabel, type SecretObject } from '../core/secrets';
import type { Services } from '../services';
import { confirmation } from './confirm';
import { pick, showActionError } from './pick';
import { writableStore } from './secret-write';

export const SECRET_SCHEME = 'runner-ops-secret';

class RevealedSecrets implements vscode.TextDocumentContentProvider {
  readonly texts = new Map<string, string>();
  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.toString()) ?? '(closed: reveal the secret again to see it)';
  }
}

const revealed = new RevealedSecrets();

export function register(context: vscode.ExtensionContext, services: Services): void {
  context.subscriptions.push(
    vscode.workspace.registerTextDocumentContentProvider(SECRET_SCHEME, revealed),
    vscode.workspace.onDidCloseTextDocument((d) => {
      if (d.uri.scheme === SECRET_SCHEME) revealed.texts.delete(d.uri.toString());
    }),
    vscode.commands.registerCommand('runnerOps.revealSecret', (node: { secret: SecretObject } | undefined) =>
      reveal(services, node),
    ),
  );
}

async function reveal(services: Services, node: { secret: SecretObject } | undefined): Promise<boolean> {
  // Same gate as the writes: trusted workspace, validated bucket and key.
  const store = await writableStore(services, 'runnerOps.revealSecret');
  if (!store) return false;
  const secret =
    node?.secret ??
    (await pick({
      title: 'Reveal Secret',
      placeHolder: 'Choose a secret to decrypt and show',
      items: (store.state.secrets ?? []).map((s) => ({ label: secretLabel(s.name, store.prefix), value: s })),
      empty: 'No secrets to reveal.',
    }));
  if (!secret) return false;
  const label = secretLabel(secret.name, store.prefix);
  const confirmed = await confirmation.ask(
    `Reveal ${label}? Its decrypted value (generation ${secret.current.generation}) opens in a read-only editor of this window, kept in memory only. Anyone who can see your screen can read it: close the editor when done.`,
    'Reveal',
  );
  if (!confirmed) return false;
  let text: string;
  try {
    const port = await store.port();
    const plaintext = await port.decrypt(await port.download(secret.name, secret.current.generation));
    text = plaintext.toString('utf8');
    plaintext.fill(0);
  } catch (error) {
    showActionError(`Could not reveal ${label}`, error, services.failures.record);
    return false;
  }
  const uri = vscode.Uri.from({ scheme: SECRET_SCHEME, path: `/${label}` });
  revealed.texts.set(uri.toString(), text);
  const document = await vscode.workspace.openTextDocument(uri);
  await vscode.window.showTextDocument(document, { preview: true });
  services.failures.note('info', `Revealed ${label} (generation ${secret.current.generation}) in a read-only editor.`);
  return true;
}
