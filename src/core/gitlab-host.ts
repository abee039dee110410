// The GitLab host a token belongs to. Tokens are keyed by origin so a token saved for one
// server is never sent to another (a changed `runnerOps.gitlab.url` means "signed out").

export class InvalidGitLabUrl extends Error {}

/** `https://gitlab.example.com/` -> `https://gitlab.example.com`; keeps a sub-path install (`/gitlab`). */
export function normalizeGitLabUrl(input: string): string {
  const trimmed = input.trim();
  if (!trimmed)
    throw new InvalidGitLabUrl(
      'The GitLab URL is empty. Enter the address of your GitLab server, e.g. https://gitlab.example.com',
    );
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `https://${trimmed}`);
  } catch {
    throw new InvalidGitLabUrl(
      `"${trimmed}" is not a URL. Enter the address of your GitLab server, e.g. https://gitlab.example.com`,
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new InvalidGitLabUrl(
      `The GitLab URL uses ${url.protocol}; GitLab is reached over https (or http for a local server).`,
    );
  }
  // Before anything that quotes the URL, so no message repeats a password or token typed into it.
  if (url.username || url.password) {
    throw new InvalidGitLabUrl(
      'The GitLab URL carries a user name or password (before the @). Remove it: the token goes in the token prompt, never in the URL.',
    );
  }
  if (url.search || url.hash)
    throw new InvalidGitLabUrl(
      `"${url.origin}${url.pathname}" is followed by a query or fragment (? or #). Enter the address of your GitLab server only, e.g. https://gitlab.example.com`,
    );
  const path = url.pathname.replace(/\/+$/, '').replace(/\/api\/v4$/, '');
  return `${url.origin}${path}`;
}

/** SecretStorage key of the token for a GitLab server. */
export function tokenStorageKey(gitlabUrl: string): string {
  return `runnerOps.gitlabToken:${normalizeGitLabUrl(gitlabUrl)}`;
}
