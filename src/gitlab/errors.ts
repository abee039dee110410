// The one place that turns whatever gitbeaker or fetch threw into a Failure the UI can explain.
import { GitbeakerRequestError, GitbeakerTimeoutError } from '@gitbeaker/requester-utils';
import { Failure, isFailure, type FailureRequest } from '../core/failures';
import { parseRetryAfter } from '../core/retry-after';

/** Method and path of the request (no query string: it may carry a token), and the status if answered. */
function requestOf(error: unknown): FailureRequest | undefined {
  const cause = (error as { cause?: { request?: Request; response?: Response } } | undefined)?.cause;
  if (!cause?.request) return undefined;
  return {
    method: cause.request.method,
    path: new URL(cause.request.url).pathname,
    status: cause.response?.status,
  };
}

/** GitLab (or something in front of it) answered, but not with what the API sends. */
export class UnexpectedAnswer extends Error {
  constructor(
    readonly what: string,
    readonly request: Request,
    readonly status: number,
  ) {
    super(`GitLab answered with ${what}`);
    this.name = 'UnexpectedAnswer';
  }
}

export function toGitLabFailure(error: unknown, host: string): Failure {
  if (isFailure(error)) return error;
  if (error instanceof UnexpectedAnswer)
    return new Failure({
      source: 'gitlab',
      kind: 'unavailable',
      message: `GitLab at ${host} answered with ${error.what}.${error.what.includes('runnerOps.gitlab.url') ? '' : ' Check runnerOps.gitlab.url, then try again.'}`,
      request: { method: error.request.method, path: new URL(error.request.url).pathname, status: error.status },
    });
  const request = requestOf(error);
  if (error instanceof GitbeakerTimeoutError)
    return new Failure({
      source: 'gitlab',
      kind: 'timeout',
      message: `GitLab at ${host} did not answer in time.`,
      request,
    });
  if (error instanceof GitbeakerRequestError) {
    const response = (error.cause as { response?: Response } | undefined)?.response;
    const scope = response?.headers.get('www-authenticate')?.match(/scope="([^"]+)"/)?.[1];
    return failureFromStatus(response?.status ?? 0, error.message, host, {
      retryAfterMs: parseRetryAfter(response?.headers.get('retry-after'), Date.now()),
      missingScope: scope,
      request,
    });
  }
  const cause = (error as { cause?: { code?: string } })?.cause;
  const code = cause?.code ?? (error as { code?: string })?.code;
  if (error instanceof TypeError && error.message === 'terminated')
    // undici's word for a body cut off after the headers came: GitLab was reached.
    return new Failure({
      source: 'gitlab',
      kind: 'network',
      message: `GitLab at ${host} broke off its answer midway (the connection closed). Try again shortly.`,
      request,
    });
  return new Failure({
    source: 'gitlab',
    kind: 'network',
    message: `Cannot reach GitLab at ${host}${code ? ` (${code})` : ''}. Check the URL and your network.`,
    request,
  });
}

export function failureFromStatus(
  status: number,
  serverMessage: string,
  host: string,
  extra: { retryAfterMs?: number; missingScope?: string; request?: FailureRequest } = {},
): Failure {
  const said = serverMessage ? ` GitLab said: "${serverMessage.slice(0, 200)}".` : '';
  const { retryAfterMs, missingScope, request } = extra;
  const failure = (kind: Failure['kind'], message: string) =>
    new Failure({ source: 'gitlab', kind, message, retryAfterMs, request });
  switch (true) {
    case status === 401:
      return failure(
        'unauthorized',
        `GitLab at ${host} rejected the token (401): it is wrong, expired or revoked. Sign in again with a valid personal access token.`,
      );
    case status === 403:
      return failure(
        'forbidden',
        missingScope || /insufficient_scope/.test(serverMessage)
          ? `The token lacks a scope GitLab requires here (${missingScope ?? 'api'}). Create a token with the api scope and sign in again.`
          : `GitLab at ${host} refused this (403): the token's user lacks the permission.${said}`,
      );
    case status === 404:
      return failure('not-found', `Not found on GitLab at ${host} (404), or the token's user cannot see it.${said}`);
    case status === 429:
      return failure(
        'rate-limited',
        `GitLab at ${host} is rate limiting requests (429)${retryAfterMs ? `; retrying in ${Math.ceil(retryAfterMs / 1000)} s` : ''}.`,
      );
    case status >= 500:
      return failure('unavailable', `GitLab at ${host} had an error (${status}). Try again shortly.`);
    case status === 400:
      return failure('invalid', `GitLab at ${host} rejected the request (400).${said}`);
    default:
      return failure('unavailable', `Unexpected answer from GitLab at ${host} (${status}).${said}`);
  }
}
