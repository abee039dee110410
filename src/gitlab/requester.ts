// gitbeaker's own request handler retries 429/502 ten times over about four minutes. Ours
// retries a transient failure once or twice, honours a short Retry-After, and otherwise
// hands the failure to the caller (whose poller backs off) so the UI answers within seconds.
import {
  createRequesterFn,
  GitbeakerRequestError,
  GitbeakerTimeoutError,
  getMatchingRateLimiter,
} from '@gitbeaker/requester-utils';
import type { RateLimiters, RequestOptions, ResourceOptions } from '@gitbeaker/requester-utils';
import { parseRetryAfter } from '../core/retry-after';
import { PACE } from '../core/pace';

const TRANSIENT = new Set([429, 502, 503, 504]);

type HandlerOptions = RequestOptions & { rateLimiters?: Record<string, RateLimiters> };

/** The server's Retry-After, else a short exponential wait. */
function retryWaitMs(response: Response, attempt: number): number {
  return parseRetryAfter(response.headers.get('retry-after'), Date.now()) ?? PACE.gitlab.retryBaseMs * 2 ** attempt;
}

async function parse(response: Response, asStream: boolean) {
  const headers = Object.fromEntries(response.headers.entries());
  if (asStream) return { body: response.body, headers, status: response.status };
  if (response.status === 204) return { body: null, headers, status: response.status };
  const type = (response.headers.get('content-type') ?? '').split(';')[0].trim();
  let body: unknown;
  if (type === 'application/json') body = (await response.json()) ?? {};
  else if (type.startsWith('text/')) body = await response.text();
  else body = await response.blob();
  return { body, headers, status: response.status };
}

async function fail(request: Request, response: Response): Promise<never> {
  const content = await response.text().catch(() => '');
  let description = content;
  if ((response.headers.get('content-type') ?? '').includes('application/json')) {
    try {
      const output = JSON.parse(content) as { error?: unknown; message?: unknown };
      const prop = output?.error ?? output?.message ?? '';
      description = typeof prop === 'string' ? prop : JSON.stringify(prop);
    } catch {
      // keep the raw text: a truncated body is still worth showing
    }
  }
  // Same error type as gitbeaker's, so callers see one shape; the response keeps its headers.
  throw new GitbeakerRequestError(description, { cause: { description, request, response } });
}

async function handle(endpoint: string, options?: HandlerOptions) {
  const {
    rateLimiters,
    agent,
    asStream = false,
    prefixUrl,
    searchParams,
    method,
    ...init
  } = options ?? ({} as HandlerOptions);
  const base = prefixUrl && !prefixUrl.endsWith('/') ? `${prefixUrl}/` : prefixUrl;
  const url = new URL(endpoint, base);
  url.search = searchParams ?? '';
  const rateLimit = getMatchingRateLimiter(endpoint, rateLimiters, method);
  for (let attempt = 0; ; attempt += 1) {
    const request = new Request(url, { ...(init as RequestInit), method });
    await rateLimit();
    const response = await fetch(request, agent ? ({ dispatcher: agent } as unknown as RequestInit) : undefined).catch(
      (e: Error) => {
        if (e.name === 'TimeoutError' || e.name === 'AbortError')
          // The request rides along so the failure can name it (src/gitlab/errors.ts).
          throw new GitbeakerTimeoutError('Query timeout was reached', { cause: { request } });
        throw e;
      },
    );
    if (response.ok) return parse(response, asStream);
    const wait = retryWaitMs(response, attempt);
    const retryable =
      TRANSIENT.has(response.status) &&
      method === 'GET' &&
      attempt + 1 < PACE.gitlab.attempts &&
      wait <= PACE.gitlab.maxInlineRetryAfterMs;
    if (!retryable) return fail(request, response);
    await response.body?.cancel().catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
}

export const boundedRequesterFn: (options: ResourceOptions) => ReturnType<ReturnType<typeof createRequesterFn>> =
  createRequesterFn(
    (_service, requestOptions) => Promise.resolve(requestOptions),
    handle as Parameters<typeof createRequesterFn>[1],
  );
