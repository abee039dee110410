// What commands and views share: built once in extension.ts, cheap to construct. The fleet
// store is rebuilt when the settings or the GitLab session change; adapters load on first use.
import * as vscode from 'vscode';
import { GitLabSessionStore } from './config/gitlab-session';
import { configuredParts, readSettings } from './config/settings';
import { FleetActions } from './core/fleet-actions';
import { FleetStore } from './core/fleet-store';
import type { ComputePort, GitLabPort } from './core/ports';
import { loadCompute, loadGitLab } from './lazy';

export class Services implements vscode.Disposable {
  readonly sessions: GitLabSessionStore;
  private readonly refreshRequested = new vscode.EventEmitter<void>();
  /** Fired by the refresh command. */
  readonly onRefresh = this.refreshRequested.event;
  private readonly storeReplaced = new vscode.EventEmitter<FleetStore | undefined>();
  /** Fired when settings or the session changed and the fleet must be read anew. */
  readonly onStoreReplaced = this.storeReplaced.event;
  private currentStore?: FleetStore;
  /** Pause/resume, retry/cancel, run schedule: on whichever store is current. */
  readonly actions = new FleetActions(() => this.store());
  private closeAdapters: Array<() => Promise<void>> = [];
  private readonly disposables: vscode.Disposable[] = [];

  constructor(readonly context: vscode.ExtensionContext) {
    this.sessions = new GitLabSessionStore(context.secrets);
    this.disposables.push(
      this.sessions,
      this.refreshRequested,
      this.storeReplaced,
      this.sessions.onDidChange(() => void this.reconfigure()),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('runnerOps')) void this.reconfigure();
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

  store(): FleetStore {
    this.currentStore ??= this.buildStore();
    return this.currentStore;
  }

  private async reconfigure(): Promise<void> {
    await this.updateContext();
    const old = this.closeAdapters;
    this.closeAdapters = [];
    this.currentStore = undefined;
    for (const close of old) void close().catch(() => undefined);
    this.storeReplaced.fire(this.store());
  }

  private buildStore(): FleetStore {
    const settings = this.settings();
    const parts = configuredParts(settings);
    let compute: Promise<ComputePort> | undefined;
    let gitlab: Promise<GitLabPort | undefined> | undefined;
    return new FleetStore({
      projects: settings.gitlabProjects,
      now: Date.now,
      compute: () => {
        if (!parts.gcp) return Promise.resolve(undefined);
        compute ??= loadCompute().then(({ ComputeAdapter }) => {
          const adapter = new ComputeAdapter(settings);
          this.closeAdapters.push(() => adapter.close());
          return adapter;
        });
        return compute;
      },
      gitlab: () => {
        if (!parts.gitlab) return Promise.resolve(undefined);
        gitlab ??= this.sessions.get(settings.gitlabUrl).then(async (session) => {
          if (!session) return undefined;
          const { GitLabFleet } = await loadGitLab();
          return new GitLabFleet(session.url, session.token);
        });
        return gitlab;
      },
    });
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
    this.actions.dispose();
    for (const close of this.closeAdapters) void close().catch(() => undefined);
    for (const d of this.disposables) d.dispose();
  }
}
