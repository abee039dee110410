// What the token commands need from GitLab about runner authentication tokens. The adapter is
// src/gitlab/runner-tokens.ts; a token only ever passes through here, it is never kept.

/** GitLab's answer to POST /runners/verify for a stored token. */
export type TokenCheck =
  | { outcome: 'accepted'; runnerId: number; expiresAt?: number }
  /** 403: not the runner's current token (reset, rotated or expired). */
  | { outcome: 'rejected' }
  /** 422: the token is valid but its runner belongs to no project any more. */
  | { outcome: 'orphaned' };

export interface RunnerTokenPort {
  /** POST /runners/:id/reset_authentication_token: the old token stops working at once. */
  reset(runnerId: number): Promise<{ token: string; expiresAt?: number }>;
  /** POST /runners/verify with the manager's system id, which GitLab 16+ wants for glrt- tokens. */
  verify(token: string, systemId?: string): Promise<TokenCheck>;
}
