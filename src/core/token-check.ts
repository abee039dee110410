// Decides whether a GitLab personal access token is fit for Runner Ops, from what the server
// says about it. Pure: the adapter fetches, this judges and explains.

export interface TokenIdentity {
  username: string;
  name: string;
  isAdmin: boolean;
  /** Scopes from GET /personal_access_tokens/self; undefined when the server did not say (OAuth, older GitLab). */
  scopes?: string[];
  expiresAt?: string | null;
  active?: boolean;
  revoked?: boolean;
}

export interface TokenVerdict {
  access: 'full' | 'read-only';
  /** Shown after a successful sign-in, e.g. "read-only: pause/retry need the api scope". */
  notes: string[];
}

export class TokenRejected extends Error {}

export function judgeToken(identity: TokenIdentity, now: Date): TokenVerdict {
  if (identity.revoked)
    throw new TokenRejected('This token has been revoked. Create a new personal access token with the api scope.');
  if (identity.active === false)
    throw new TokenRejected(
      'This token is not active (expired or revoked). Create a new personal access token with the api scope.',
    );
  if (identity.expiresAt && Date.parse(`${identity.expiresAt}T23:59:59Z`) < now.getTime()) {
    throw new TokenRejected(
      `This token expired on ${identity.expiresAt}. Create a new personal access token with the api scope.`,
    );
  }
  const notes: string[] = [];
  if (identity.expiresAt) {
    const days = Math.floor((Date.parse(`${identity.expiresAt}T00:00:00Z`) - now.getTime()) / 86_400_000);
    if (days <= 7) notes.push(`The token expires on ${identity.expiresAt}.`);
  }
  const scopes = identity.scopes;
  if (!scopes) return { access: 'full', notes };
  if (scopes.includes('api')) return { access: 'full', notes };
  if (scopes.includes('read_api')) {
    notes.push(
      'Read-only: the token has read_api but not api, so pausing runners and retrying or cancelling pipelines will be refused.',
    );
    return { access: 'read-only', notes };
  }
  throw new TokenRejected(
    `This token's scopes (${scopes.join(', ') || 'none'}) do not include api or read_api, which Runner Ops needs to read runners and pipelines. Create a token with the api scope.`,
  );
}
