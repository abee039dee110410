// gitbeaker's own request handler retries 429/502 ten times over about four minutes. Ours
// retries a transient failure once or twice, honours a short Retry-After, and otherwise
// hands the failure to the caller (whose poller backs off) so the UI answers within seconds.
// Every attempt has its own deadline covering the body too: a dripping or truncated answer fails
// in time, and calls gitbeaker makes without a signal (requester.get) are bounded as well.
import { createRequesterFn, GitbeakerRequestError, GitbeakerTimeoutError } from '@gitbeaker/requester-utils';
import type { RateLimiters, RequestOptions, ResourceOptions } from '@gitbeaker/requester-utils';
import { realClock, type Clock } from '../core/clock';
import { parseRetryAfter } from '../core/retry-after';
import { PACE } from '../core/pace';
import { UnexpectedAnswer } from './errors';
import { matchingRateLimiter } from './rate-limits';
import { certificateFailure, certificateProblem, PrivateCa, withDispatcher, type Dispatcher } from './tls';

const TRANSIENT = new Set([429, 502, 503, 504]);

type HandlerOptions = RequestOptions & {
  rateLimiters?: Record<string, RateLimiters>;
  signal?: AbortSignal;
  /** Per attempt, headers and body together: the client's queryTimeout, at most PACE.gitlab.queryTimeoutMs. */
  timeoutMs: number;
  /** What the deadlines and retry waits run on (a simulated one in soak tests). */
  clock: Clock;
};

/** The server's Retry-After, else a short exponential wait. */
function retryWaitMs(response: Response | undefined, attempt: number, now: number): number {
  return parseRetryAfter(response?.headers.get('retry-after'), now) ?? PACE.gitlab.retryBaseMs * 2 ** attempt;
}

async function parse(request: Request, response: Response, asStream: boolean) {
  const headers = Object.fromEntries(response.headers.entries());
  if (asStream) return { body: response.body, headers, status: response.status };
  if (response.status === 204) return { body: null, headers, status: response.status };
  const type = (response.headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
  let body: unknown;
  if (type === 'application/json') {
    const text = await response.text();
    try {
      body = text.trim() ? JSON.parse(text) : {};
    } catch {
      throw new UnexpectedAnswer('an answer that is not valid JSON', request, response.status);
    }
  } else if (type === 'text/html') {
    // A proxy's sign-in or error page answered for GitLab: its HTML is no use to any caller.
    throw new UnexpectedAnswer('an HTML page instead of JSON (a proxy or sign-in page?)', request, response.status);
  } else if (type.startsWith('text/')) body = await response.text();
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
  } else if (/^\s*</.test(content)) {
    description = ''; // an HTML error page: its markup would only clutter the message
  }
  // Same error type as gitbeaker's, so callers see one shape; the response keeps its headers.
  throw new GitbeakerRequestError(description, { cause: { description, request, response } });
}

/** A 30x: said with where it pointed, and never followed (the token stays with the host it was saved for). */
function redirected(request: Request, response: Response): UnexpectedAnswer {
  const location = response.headers.get('location') ?? '';
  let where = 'another address';
  try {
    const target = new URL(location, request.url);
    where = target.origin === new URL(request.url).origin ? `${target.origin}${target.pathname}` : target.origin;
  } catch {
    // no usable Location: "another address"
  }
  return new UnexpectedAnswer(
    `a redirect (${response.status}) to ${where}, which Runner Ops does not follow with your token; if GitLab moved, set runnerOps.gitlab.url to its new address`,
    request,
    response.status,
  );
}

const isAbort = (e: unknown) => e instanceof Error && (e.name === 'TimeoutError' || e.name === 'AbortError');

/**
 * One attempt, answered or failed within `timeoutMs` (or sooner, when the caller's signal fires).
 * The timer is our own: gitbeaker's AbortSignal.timeout can be collected before it fires, and
 * requester.get() calls have none.
 */
async function attempt(
  request: (signal: AbortSignal) => Request,
  { timeoutMs, clock }: Pick<HandlerOptions, 'timeoutMs' | 'clock'>,
  signal: AbortSignal | undefined,
  dispatcher: Dispatcher | undefined,
  settle: (request: Request, response: Response) => Promise<unknown>,
) {
  const deadline = new AbortController();
  const timer = clock.setTimeout(() => deadline.abort(), timeoutMs);
  const follow = () => deadline.abort();
  if (signal?.aborted) deadline.abort();
  signal?.addEventListener('abort', follow, { once: true });
  const req = request(deadline.signal);
  try {
    const response = await fetch(req, withDispatcher(dispatcher));
    return await settle(req, response);
  } catch (e) {
    // A timeout while the headers or the body were on their way: the request rides along so the
    // failure can name it (src/gitlab/errors.ts).
    if (isAbort(e) || deadline.signal.aborted)
      throw new GitbeakerTimeoutError('Query timeout was reached', { cause: { request: req } });
    throw e;
  } finally {
    clock.clearTimeout(timer);
    signal?.removeEventListener('abort', follow);
  }
}

/** A connection reset or an answer cut off midway: worth another try for a GET. */
const isBrokenConnection = (e: unknown) =>
  e instanceof TypeError && !(e instanceof GitbeakerRequestError) && !(e instanceof UnexpectedAnswer);

async function handle(endpoint: string, options?: HandlerOptions) {
  const {
    rateLimiters,
    agent,
    asStream = false,
    prefixUrl,
    searchParams,
    method,
    signal,
    timeoutMs,
    clock,
    ...init
  } = options ?? ({} as HandlerOptions);
  const base = prefixUrl && !prefixUrl.endsWith('/') ? `${prefixUrl}/` : prefixUrl;
  const url = new URL(endpoint, base);
  url.search = searchParams ?? '';
  const rateLimit = matchingRateLimiter(endpoint, rateLimiters, method);
  // gitbeaker hands its `agent` option through untouched: ours is the private CA, if one is set.
  const ca = agent instanceof PrivateCa ? agent : undefined;
  const dispatcher = await ca?.dispatcherFor(url);
  for (let n = 0; ; n += 1) {
    await rateLimit();
    const lastTry = method !== 'GET' || n + 1 >= PACE.gitlab.attempts;
    let retryAfter: Response | undefined;
    const outcome = await attempt(
      // Redirects are not followed: fetch would carry PRIVATE-TOKEN to whatever host a 30x names.
      (deadline) => new Request(url, { ...(init as RequestInit), method, signal: deadline, redirect: 'manual' }),
      { timeoutMs, clock },
      signal,
      dispatcher,
      async (request, response) => {
        if (response.ok) return parse(request, response, asStream);
        if (response.status >= 300 && response.status < 400) throw redirected(request, response);
        const wait = retryWaitMs(response, n, clock.now());
        if (lastTry || !TRANSIENT.has(response.status) || wait > PACE.gitlab.maxInlineRetryAfterMs)
          return fail(request, response);
        await response.body?.cancel().catch(() => undefined);
        retryAfter = response;
        return RETRY;
      },
    ).catch((e: unknown) => {
      const untrusted = certificateProblem(e);
      // Not retried: the certificate will be the same on the next attempt.
      if (untrusted) throw certificateFailure(String(prefixUrl).replace(/\/api\/v4\/?$/, ''), untrusted, ca?.file);
      if (lastTry || !isBrokenConnection(e)) throw e;
      return RETRY;
    });
    if (outcome !== RETRY) return outcome;
    await new Promise((resolve) => clock.setTimeout(() => resolve(undefined), retryWaitMs(retryAfter, n, clock.now())));
  }
}

const RETRY = Symbol('retry');

/** gitbeaker's requesterFn with our handler, its deadlines and waits on `clock`. */
export function boundedRequesterFn(
  clock: Clock = realClock,
): (options: ResourceOptions) => ReturnType<ReturnType<typeof createRequesterFn>> {
  return createRequesterFn(
    (service, requestOptions) =>
      Promise.resolve({
        ...requestOptions,
        clock,
        timeoutMs: Math.min(
          Number((service as { queryTimeout?: number }).queryTimeout) || Infinity,
          PACE.gitlab.queryTimeoutMs,
        ),
      }),
    handle as Parameters<typeof createRequesterFn>[1],
  );
}
