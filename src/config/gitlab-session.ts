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

  constructor(private readonly secrets: vscode.SecretStorage) {
    this.subscription = secrets.onDidChange((e) => {
      if (e.key.startsWith('runnerOps.gitlabToken:')) this.changed.fire();
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
    const token = await this.secrets.get(tokenStorageKey(host));
    return token ? { url: host, token } : undefined;
  }

  async save(url: string, token: string): Promise<void> {
    await this.secrets.store(tokenStorageKey(url), token);
  }

  async delete(url: string): Promise<void> {
    await this.secrets.delete(tokenStorageKey(url));
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}
