// The one way to the GitLab token: whatever sends it (stores, checklist, commands) asks here.
// A GitLab URL set by the workspace or a folder gets the stored token only after the user
// allowed that host for that workspace; the consent lives in globalState, keyed by host, so
// signing out of a host withdraws it in every workspace.
import * as vscode from 'vscode';
import { caConsentKey, chooseCaFile, type CaFileChoice } from '../core/private-ca';
import { decideTokenUse, gitlabTarget, type GitLabTarget, type TokenGate, type UrlLayers } from '../core/token-consent';
import type { GitLabSession, GitLabSessionStore } from './gitlab-session';

const CONSENTS = 'runnerOps.tokenConsent';
const DECLINED = 'runnerOps.tokenConsentDeclined';

export class TokenGateKeeper {
  constructor(
    private readonly sessions: GitLabSessionStore,
    private readonly context: vscode.ExtensionContext,
  ) {}

  /**
   * The server the settings name, and whether the workspace (not the user) chose it. An untrusted
   * workspace's URL does not count (package.json restricts the setting; said here too, so no
   * consent can be asked there): the user's own server is used.
   */
  target(): GitLabTarget | undefined {
    const layers: UrlLayers = vscode.workspace.getConfiguration('runnerOps').inspect<string>('gitlab.url') ?? {};
    const { defaultValue, globalValue } = layers;
    return gitlabTarget(vscode.workspace.isTrusted ? layers : { defaultValue, globalValue });
  }

  async state(): Promise<TokenGate> {
    const target = this.target();
    const stored = target ? (await this.sessions.get(target.host)) !== undefined : false;
    return decideTokenUse(target, stored, target ? this.consented(target.host) : false);
  }

  /** The session the settings point at, only when the token may be sent there; with the CA file to trust. */
  async session(): Promise<GitLabSession | undefined> {
    const gate = await this.state();
    const session = gate.kind === 'send' ? await this.sessions.get(gate.host) : undefined;
    return session && { ...session, caFile: this.caFile().file };
  }

  /** runnerOps.gitlab.caFile: the user's, or the workspace's once allowed (the same consent store, keyed by file). */
  caFile(): CaFileChoice {
    const layers = vscode.workspace.getConfiguration('runnerOps').inspect<string>('gitlab.caFile') ?? {};
    return chooseCaFile(layers, (file) => this.consented(caConsentKey(file)));
  }

  /** `host`: a GitLab host, or caConsentKey(file) for a workspace's CA file. */
  async allow(host: string): Promise<void> {
    const consents = this.consents();
    consents[host] = [...new Set([...(consents[host] ?? []), workspaceId()])];
    await this.context.globalState.update(CONSENTS, consents);
    await this.context.workspaceState.update(
      DECLINED,
      this.declined().filter((h) => h !== host),
    );
  }

  /** Signing out of a host withdraws every workspace's consent for it. */
  async revoke(host: string): Promise<void> {
    const { [host]: _withdrawn, ...rest } = this.consents();
    await this.context.globalState.update(CONSENTS, rest);
  }

  /** Remembered so the question is asked once per workspace; the views still offer to allow. */
  async decline(host: string): Promise<void> {
    await this.context.workspaceState.update(DECLINED, [...new Set([...this.declined(), host])]);
  }

  wasDeclined(host: string): boolean {
    return this.declined().includes(host);
  }

  private consented(host: string): boolean {
    return (this.consents()[host] ?? []).includes(workspaceId());
  }

  private consents(): Record<string, string[]> {
    return { ...this.context.globalState.get<Record<string, string[]>>(CONSENTS, {}) };
  }

  private declined(): string[] {
    return this.context.workspaceState.get<string[]>(DECLINED, []);
  }
}

/** The open workspace: its .code-workspace file, or its folders. */
function workspaceId(): string {
  const file = vscode.workspace.workspaceFile;
  if (file) return file.toString();
  return (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.toString()).join('|');
}
