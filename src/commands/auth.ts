// Runner Ops: Sign in to GitLab / Sign out of GitLab.
import * as vscode from 'vscode';
import { InvalidGitLabUrl, normalizeGitLabUrl } from '../core/gitlab-host';
import { gitlabTokenProblem } from '../core/input-checks';
import { judgeToken } from '../core/token-check';
import { loadGitLab } from '../lazy';
import type { GitLabSession } from '../config/gitlab-session';
import type { Services } from '../services';

export type SignInResult =
  { ok: true; url: string; username: string; access: 'full' | 'read-only' } | { ok: false; message: string };

interface SignInArgs {
  url?: string;
  token?: string;
}

export function register(context: vscode.ExtensionContext, services: Services): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('runnerOps.signIn', (args?: SignInArgs) => signIn(services, args)),
    vscode.commands.registerCommand('runnerOps.signOut', () => signOut(services)),
  );
}

/**
 * With `{ url, token }` (tests, scripts) nothing is asked; otherwise the user is prompted. From
 * the palette while signed in, it says as whom and offers another account or server.
 */
async function signIn(services: Services, args?: SignInArgs): Promise<SignInResult> {
  if (!args) {
    const current = await services.gitlabSession();
    if (current) return switchAccount(services, current);
  }
  const interactive = !args?.token;
  const url = args?.url ?? (await askUrl(services.settings().gitlabUrl));
  if (url === undefined) return { ok: false, message: 'Sign-in cancelled.' };
  let host: string;
  try {
    host = normalizeGitLabUrl(url);
  } catch (error) {
    return report(error instanceof InvalidGitLabUrl ? error.message : String(error), interactive, services, args);
  }
  const token = args?.token?.trim() ?? (await askToken(host));
  if (token === undefined) return { ok: false, message: 'Sign-in cancelled.' };
  // A runner or deploy token never leaves the machine: it is refused before any request.
  const wrongToken = gitlabTokenProblem(token);
  if (wrongToken) return report(`Sign-in to ${host} failed: ${wrongToken}`, interactive, services, args);

  try {
    const { fetchTokenIdentity } = await loadGitLab();
    const identity = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Checking the token with GitLab at ${host}…` },
      () => fetchTokenIdentity(host, token, services.gate.caFile().file),
    );
    const verdict = judgeToken(identity, new Date());
    // Typing the token for the host the workspace names is the consent the gate asks for
    // (recorded first: saving the token is what makes the gate look again).
    const target = services.gate.target();
    if (target?.chosenByWorkspace && target.host === host) await services.gate.allow(host);
    await services.sessions.save(host, token);
    if (normalizeSafely(services.settings().gitlabUrl) !== host) {
      await vscode.workspace
        .getConfiguration('runnerOps')
        .update('gitlab.url', host, vscode.ConfigurationTarget.Global);
    }
    await services.updateContext();
    services.refresh();
    const notes = verdict.notes.length ? ` ${verdict.notes.join(' ')}` : '';
    void vscode.window.showInformationMessage(`Signed in to GitLab at ${host} as @${identity.username}.${notes}`);
    return { ok: true, url: host, username: identity.username, access: verdict.access };
  } catch (error) {
    // TokenRejected and Failure carry a message written for the user.
    services.failures.record(error as Error);
    return report(`Sign-in to ${host} failed: ${(error as Error).message}`, interactive, services, args);
  }
}

async function switchAccount(services: Services, current: GitLabSession): Promise<SignInResult> {
  const who = await loadGitLab()
    .then(({ fetchTokenIdentity }) => fetchTokenIdentity(current.url, current.token, current.caFile))
    .then((identity) => ` as @${identity.username}`)
    .catch(() => ' (the saved token is no longer accepted)');
  const choice = await vscode.window.showQuickPick(
    [
      {
        label: 'Switch account',
        description: `sign in to ${current.url} with another token`,
        next: { url: current.url },
      },
      { label: 'Switch server', description: 'sign in to another GitLab server', next: {} },
      { label: 'Sign out', description: `remove the token for ${current.url}`, next: undefined },
    ],
    { title: `Signed in to ${current.url}${who}`, placeHolder: 'Switch account or server?' },
  );
  if (!choice) return { ok: false, message: `Still signed in to ${current.url}${who}.` };
  if (!choice.next) {
    await signOut(services);
    return { ok: false, message: `Signed out of ${current.url}.` };
  }
  return signIn(services, choice.next);
}

function normalizeSafely(url: string): string | undefined {
  try {
    return normalizeGitLabUrl(url);
  } catch {
    return undefined;
  }
}

async function report(
  message: string,
  interactive: boolean,
  services: Services,
  args?: SignInArgs,
): Promise<SignInResult> {
  const choice = await Promise.race([
    vscode.window.showErrorMessage(message, ...(interactive ? ['Try Again'] : [])),
    // Scripted callers get their answer without waiting for the notification to be dismissed.
    ...(interactive ? [] : [Promise.resolve(undefined)]),
  ]);
  if (choice === 'Try Again') return signIn(services, { url: args?.url });
  return { ok: false, message };
}

function askUrl(current: string): Thenable<string | undefined> {
  return vscode.window.showInputBox({
    title: 'Sign in to GitLab (1/2)',
    prompt: 'Address of your GitLab server',
    value: current || 'https://gitlab.com',
    ignoreFocusOut: true,
    validateInput: (value) => {
      try {
        normalizeGitLabUrl(value);
        return undefined;
      } catch (error) {
        return (error as Error).message;
      }
    },
  });
}

function askToken(host: string): Thenable<string | undefined> {
  return vscode.window.showInputBox({
    title: 'Sign in to GitLab (2/2)',
    prompt: `Personal access token for ${host} with the api scope (read_api for read-only). It is kept in VS Code's secret storage and only sent to ${host}.`,
    password: true,
    ignoreFocusOut: true,
    placeHolder: 'glpat-…',
    validateInput: (value) => gitlabTokenProblem(value),
  });
}

async function signOut(services: Services): Promise<void> {
  const url = services.settings().gitlabUrl;
  const session = await services.sessions.get(url);
  if (!session) {
    void vscode.window.showInformationMessage(`You are not signed in to GitLab at ${url}.`);
    return;
  }
  await services.sessions.delete(session.url);
  await services.gate.revoke(session.url);
  await services.updateContext();
  void vscode.window.showInformationMessage(
    `Signed out of GitLab at ${session.url}. The token was removed from secret storage.`,
  );
}
