// The GitLab token, kept in SecretStorage under its host. A token is only ever handed out for
// the host it was saved for: change runnerOps.gitlab.url and you are signed out of the old one.
import * as vscode from 'vscode';
import { normalizeGitLabUrl, tokenStorageKey } from '../core/gitlab-host';

export interface GitLabSession {
  url: string;
  token: string;
  /** runnerOps.gitlab.caFile, when the gate trusts it (a workspace's only once allowed). */
  caFile?: string;
}

export class GitLabSessionStore implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly subscription: vscode.Disposable;
  /**
   * Tokens read, by storage key (memory only). Each SecretStorage read is a round trip through
   * the window, slow while it renders: the views, the checklist and the gate each asked on
   * first load. A change from any window (onDidChange), a save or a delete forgets them.
   */
  private readonly read = new Map<string, Promise<string | undefined>>();

  constructor(private readonly secrets: vscode.SecretStorage) {
    this.subscription = secrets.onDidChange((e) => {
      if (!e.key.startsWith('runnerOps.gitlabToken:')) return;
      this.read.delete(e.key);
      this.changed.fire();
    });
  }

  /** The session for `url`, or undefined when no token was saved for that host. */
  async get(url: string): Promise<GitLabSession | undefined> {
    let host: string;
    try {
      host = normalizeGitLabUrl(url);
    } catch {
      return undefined;
    }
    const key = tokenStorageKey(host);
    let token = this.read.get(key);
    if (!token) {
      token = Promise.resolve(this.secrets.get(key));
      this.read.set(key, token);
      token.catch(() => this.read.delete(key)); // a failed read is asked again next time
    }
    const value = await token;
    return value ? { url: host, token: value } : undefined;
  }

  async save(url: string, token: string): Promise<void> {
    this.read.delete(tokenStorageKey(url));
    await this.secrets.store(tokenStorageKey(url), token);
    this.read.delete(tokenStorageKey(url));
  }

  async delete(url: string): Promise<void> {
    this.read.delete(tokenStorageKey(url));
    await this.secrets.delete(tokenStorageKey(url));
    this.read.delete(tokenStorageKey(url));
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}
