// Every failure the product shows or logs, whichever service it came from: what went wrong and
// what fixes it (for the operator), whether retrying can help, how long the server asked us to
// wait, and the request it came from. Never a token or a secret.

export type FailureSource = 'gitlab' | 'compute' | 'kms' | 'storage' | 'logging';

export type FailureKind =
  | 'unauthorized' // no or bad credentials (GitLab 401, Google UNAUTHENTICATED)
  | 'forbidden' // credentials lack a permission or scope (403, PERMISSION_DENIED)
  | 'not-found'
  | 'invalid' // the request was refused as malformed (400, INVALID_ARGUMENT)
  | 'precondition' // the resource is in the wrong state (a disabled key version: FAILED_PRECONDITION)
  | 'api-disabled' // the Google API is not enabled in the project
  | 'rate-limited'
  | 'timeout'
  | 'unavailable' // the server erred or could not answer (5xx, UNAVAILABLE)
  | 'network' // nothing answered
  | 'conflict'; // a precondition (ifGenerationMatch) did not hold: someone else wrote first

/** Retrying cannot help these: the operator has to change something first. */
const PERMANENT: ReadonlySet<FailureKind> = new Set([
  'unauthorized',
  'forbidden',
  'not-found',
  'invalid',
  'precondition',
  'api-disabled',
]);

/**
 * The request a failure came from. GitLab: the HTTP method, the path (never its query string)
 * and the status. Google clients: the RPC (e.g. `compute.instances.aggregatedList`), and the
 * status as its gRPC code name, or the HTTP status for Cloud Storage.
 */
export interface FailureRequest {
  method: string;
  path?: string;
  status?: number | string;
}

export interface FailureInit {
  source: FailureSource;
  kind: FailureKind;
  message: string;
  retryAfterMs?: number;
  /** Defaults from the kind. */
  permanent?: boolean;
  request?: FailureRequest;
}

// Each bundle (dist/extension.js, dist/gitlab.js, ...) has its own copy of this class, so
// `instanceof` fails across bundles; the registry symbol is the same everywhere.
const BRAND = Symbol.for('runner-ops.failure');

export class Failure extends Error {
  readonly source: FailureSource;
  readonly kind: FailureKind;
  readonly retryAfterMs?: number;
  readonly permanent: boolean;
  readonly request?: FailureRequest;

  constructor(init: FailureInit) {
    super(init.message);
    this.name = 'Failure';
    this.source = init.source;
    this.kind = init.kind;
    this.retryAfterMs = init.retryAfterMs !== undefined && init.retryAfterMs > 0 ? init.retryAfterMs : undefined;
    this.permanent = init.permanent ?? PERMANENT.has(init.kind);
    this.request = init.request;
    Object.defineProperty(this, BRAND, { value: true });
  }
}

export function isFailure(error: unknown): error is Failure {
  return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[BRAND] === true;
}

/** Where the core reports a failure as it happens (the "Runner Ops" log, in the extension). */
export type FailureSink = (error: Error) => void;

export const ignoreFailures: FailureSink = () => undefined;

/** Token-shaped text (GitLab tokens, bearer and basic credentials, secret query parameters). */
const SECRET_PATTERNS: Array<[RegExp, string]> = [
  [/\b(?:glpat|glrt|gldt|glptt|glft|glimt|glagent|glcbt|gloas|glsoat|GR1348941)-[\w-]{8,}/g, '[redacted]'],
  [/\b(Bearer|Basic)\s+[\w.~+/=-]+/gi, '$1 [redacted]'],
  [/\b(private_token|access_token|job_token|token|key|sig|signature)=[^&\s]+/gi, '$1=[redacted]'],
];

export function redactSecrets(text: string): string {
  return SECRET_PATTERNS.reduce((out, [pattern, replacement]) => out.replace(pattern, replacement), text);
}

/** One log line: `[failure 3] gitlab · GET /api/v4/user · 401 · unauthorized: GitLab at … rejected the token…`. */
export function describeFailure(error: Error, entry: number): string {
  const head = `[failure ${entry}]`;
  const text = (s: string) => redactSecrets(s.replace(/\s+/g, ' ').trim());
  if (!isFailure(error)) return `${head} ${text(error.message || String(error))}`;
  const request = error.request;
  const parts = [
    error.source,
    request && [request.method, request.path?.split('?')[0]].filter(Boolean).join(' '),
    request?.status !== undefined ? String(request.status) : undefined,
  ].filter((p): p is string => Boolean(p));
  const wait = error.retryAfterMs ? ` (retry after ${Math.ceil(error.retryAfterMs / 1000)} s)` : '';
  return `${head} ${text(parts.join(' · '))} · ${error.kind}${error.permanent ? ', permanent' : ''}${wait}: ${text(error.message)}`;
}
