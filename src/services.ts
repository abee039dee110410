// What commands and views share: built once in extension.ts, cheap to construct.
import * as vscode from 'vscode';
import { GitLabSessionStore } from './config/gitlab-session';
import { configuredParts, readSettings } from './config/settings';

export class Services implements vscode.Disposable {
  readonly sessions: GitLabSessionStore;
  private readonly refreshRequested = new vscode.EventEmitter<void>();
  /** Fired by the refresh command, sign-in/out and settings changes. */
  readonly onRefresh = this.refreshRequested.event;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(readonly context: vscode.ExtensionContext) {
    this.sessions = new GitLabSessionStore(context.secrets);
    this.disposables.push(
      this.sessions,
      this.refreshRequested,
      this.sessions.onDidChange(() => void this.updateContext().then(() => this.refresh())),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('runnerOps')) void this.updateContext().then(() => this.refresh());
      }),
    );
  }

  settings() {
    return readSettings();
  }

  async gitlabSession() {
    return this.sessions.get(this.settings().gitlabUrl);
  }

  refresh(): void {
    this.refreshRequested.fire();
  }

  /** Sets the context keys that pick the welcome content of each view. */
  async updateContext(): Promise<void> {
    const parts = configuredParts(this.settings());
    const signedIn = (await this.gitlabSession()) !== undefined;
    await Promise.all([
      vscode.commands.executeCommand('setContext', 'runnerOps.gitlabConfigured', parts.gitlab),
      vscode.commands.executeCommand('setContext', 'runnerOps.gcpConfigured', parts.gcp),
      vscode.commands.executeCommand('setContext', 'runnerOps.secretsConfigured', parts.secrets),
      vscode.commands.executeCommand('setContext', 'runnerOps.anyConfigured', parts.any),
      vscode.commands.executeCommand('setContext', 'runnerOps.signedIn', signedIn),
    ]);
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
