// Whether the stored GitLab token may be sent to the configured server. A repository can carry
// .vscode/settings.json, so a GitLab URL set by the workspace (or a folder) gets a stored token
// only after the user said yes for that host in that workspace; a URL the user set themselves
// (user settings, or the default) needs no question.
import { normalizeGitLabUrl } from './gitlab-host';

/** The layers of `inspect('gitlab.url')` that matter here. */
export interface UrlLayers {
  defaultValue?: string;
  globalValue?: string;
  workspaceValue?: string;
  workspaceFolderValue?: string;
}

export type TokenGate =
  /** No token is stored for the host (or the URL is not valid): signed out. */
  | { kind: 'signed-out' }
  /** The token may go to `host`. */
  | { kind: 'send'; host: string }
  /** A token is stored for `host`, but the workspace chose that host and the user has not agreed yet. */
  | { kind: 'ask'; host: string };

/** The GitLab server the settings name, and who chose it; undefined when the URL is not valid. */
export interface GitLabTarget {
  host: string;
  /** True when the workspace or a folder set a host other than the user's own. */
  chosenByWorkspace: boolean;
}

export function gitlabTarget(layers: UrlLayers): GitLabTarget | undefined {
  const fromWorkspace = layers.workspaceFolderValue ?? layers.workspaceValue;
  const fromUser = layers.globalValue ?? layers.defaultValue;
  const host = hostOf(fromWorkspace ?? fromUser);
  if (!host) return undefined;
  // The workspace repeating the user's own choice sends the token nowhere new.
  return { host, chosenByWorkspace: fromWorkspace !== undefined && host !== hostOf(fromUser) };
}

export function decideTokenUse(target: GitLabTarget | undefined, tokenStored: boolean, consented: boolean): TokenGate {
  if (!target || !tokenStored) return { kind: 'signed-out' };
  if (target.chosenByWorkspace && !consented) return { kind: 'ask', host: target.host };
  return { kind: 'send', host: target.host };
}

/** The question a user answers before a workspace's GitLab URL gets their token. */
export function consentQuestion(host: string): string {
  const name = hostName(host);
  return `This workspace's settings point Runner Ops at ${host}. Send your saved GitLab token for ${name} there? Only do this if you trust this workspace.`;
}

function hostOf(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  try {
    return normalizeGitLabUrl(url);
  } catch {
    return undefined;
  }
}

function hostName(host: string): string {
  return new URL(host).host;
}
