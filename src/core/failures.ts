// Failures the views show as nodes and the commands as messages: each says what went wrong and
// what fixes it, and never carries a token or a secret.

export type GitLabFailureKind =
  'unauthorized' | 'forbidden' | 'not-found' | 'rate-limited' | 'server' | 'timeout' | 'network' | 'bad-request';

export interface FailureDetails {
  retryAfterSeconds?: number;
  missingScope?: string;
}

export class GitLabFailure extends Error {
  constructor(
    readonly kind: GitLabFailureKind,
    message: string,
    readonly details: FailureDetails = {},
  ) {
    super(message);
    this.name = 'GitLabFailure';
  }

  static fromStatus(status: number, serverMessage: string, host: string, details: FailureDetails = {}): GitLabFailure {
    const said = serverMessage ? ` GitLab said: "${serverMessage.slice(0, 200)}".` : '';
    switch (true) {
      case status === 401:
        return new GitLabFailure(
          'unauthorized',
          `GitLab at ${host} rejected the token (401): it is wrong, expired or revoked. Sign in again with a valid personal access token.`,
          details,
        );
      case status === 403:
        return new GitLabFailure(
          'forbidden',
          details.missingScope || /insufficient_scope/.test(serverMessage)
            ? `The token lacks a scope GitLab requires here (${details.missingScope ?? 'api'}). Create a token with the api scope and sign in again.`
            : `GitLab at ${host} refused this (403): the token's user lacks the permission.${said}`,
          details,
        );
      case status === 404:
        return new GitLabFailure(
          'not-found',
          `Not found on GitLab at ${host} (404), or the token's user cannot see it.${said}`,
          details,
        );
      case status === 429:
        return new GitLabFailure(
          'rate-limited',
          `GitLab at ${host} is rate limiting requests (429)${details.retryAfterSeconds ? `; retrying in ${details.retryAfterSeconds} s` : ''}.`,
          details,
        );
      case status >= 500:
        return new GitLabFailure('server', `GitLab at ${host} had an error (${status}). Try again shortly.`, details);
      case status === 400:
        return new GitLabFailure('bad-request', `GitLab at ${host} rejected the request (400).${said}`, details);
      default:
        return new GitLabFailure('server', `Unexpected answer from GitLab at ${host} (${status}).${said}`, details);
    }
  }
}

export type GcpService = 'compute' | 'kms' | 'storage' | 'logging';
export type GcpFailureKind =
  | 'api-disabled'
  | 'permission-denied'
  | 'unauthenticated'
  | 'not-found'
  | 'invalid'
  | 'rate-limited'
  | 'unavailable'
  /** A precondition (ifGenerationMatch) did not hold: someone else wrote first. */
  | 'conflict';

export class GcpFailure extends Error {
  constructor(
    readonly kind: GcpFailureKind,
    readonly service: GcpService,
    message: string,
    readonly details: { permission?: string; retryAfterSeconds?: number } = {},
  ) {
    super(message);
    this.name = 'GcpFailure';
  }
}
