// Who is calling: PRIVATE-TOKEN or Authorization: Bearer, checked like GitLab's API guard
// (unknown -> 401, revoked/expired -> 401 invalid_token, missing scope -> 403 insufficient_scope).
import { HttpError, type SandboxRequest } from '../http';
import { tokenExpired } from './entities';
import { unauthorized } from './errors';
import type { GitLabState, TokenRecord, UserRecord } from './state';

export interface Caller {
  user: UserRecord;
  token: TokenRecord;
}

/** Scopes that grant reads / writes of the REST API. */
const READ_SCOPES = ['api', 'read_api'];
const WRITE_SCOPES = ['api'];
const DESCRIPTION = 'The request requires higher privileges than provided by the access token.';

function presentedToken(req: SandboxRequest): string | undefined {
  const header = req.headers['private-token'];
  if (typeof header === 'string' && header) return header;
  const auth = req.headers.authorization;
  if (typeof auth === 'string' && /^Bearer\s+/i.test(auth)) return auth.replace(/^Bearer\s+/i, '');
  const query = req.url.searchParams.get('private_token');
  return query ?? undefined;
}

function invalidToken(description: string): HttpError {
  return new HttpError(
    401,
    { error: 'invalid_token', error_description: description },
    {
      'www-authenticate': `Bearer realm="Protected by OAuth 2.0", error="invalid_token", error_description="${description}"`,
    },
  );
}

function insufficientScope(scopes: string[]): HttpError {
  const scope = scopes.join(' ');
  return new HttpError(
    403,
    { error: 'insufficient_scope', error_description: DESCRIPTION, scope },
    {
      'www-authenticate': `Bearer realm="Protected by OAuth 2.0", error="insufficient_scope", error_description="${DESCRIPTION}", scope="${scope}"`,
    },
  );
}

/**
 * Authenticates and checks scope. GET/HEAD need `api` or `read_api`; anything else needs `api`.
 * `extraReadScopes` lets /user accept read_user as GitLab does.
 */
export function authenticate(
  state: GitLabState,
  req: SandboxRequest,
  now: number,
  extraReadScopes: string[] = [],
): Caller {
  const secret = presentedToken(req);
  if (!secret) throw unauthorized();
  const token = state.tokens.get(secret);
  if (!token) throw unauthorized();
  if (token.revoked) throw invalidToken('Token was revoked. You have to re-authorize from the user.');
  if (tokenExpired(token, now)) throw invalidToken('Token has expired.');
  const user = state.users.get(token.userId);
  if (!user) throw unauthorized();
  const reading = req.method === 'GET' || req.method === 'HEAD';
  const needed = reading ? [...READ_SCOPES, ...extraReadScopes] : WRITE_SCOPES;
  if (!token.scopes.some((s) => needed.includes(s))) throw insufficientScope(needed);
  token.lastUsedAt = now;
  return { user, token };
}

/** /personal_access_tokens/self answers for any valid token, whatever its scopes. */
export function authenticateAnyScope(state: GitLabState, req: SandboxRequest, now: number): Caller {
  return authenticate(state, { ...req, method: 'GET' }, now, [
    'read_user',
    'read_repository',
    'write_repository',
    'read_registry',
    'write_registry',
    'create_runner',
    'manage_runner',
    'k8s_proxy',
    'self_rotate',
    'ai_features',
    'sudo',
    'admin_mode',
  ]);
}
