// The one place that turns a Google client error into a Failure: gax errors carry a gRPC code
// (Compute, KMS, Logging, over REST or gRPC), Cloud Storage's carry the HTTP status. Each says
// which service, what was attempted and what fixes it.
import { isDeadlineExceeded } from '../core/deadline';
import { Failure, isFailure, type FailureKind, type FailureRequest } from '../core/failures';
import { PACE } from '../core/pace';

export type GoogleSource = 'compute' | 'kms' | 'storage' | 'logging';

export interface GoogleCall {
  source: GoogleSource;
  /** The API method, as Google names it in audit logs and IAM: `compute.instances.aggregatedList`. */
  rpc: string;
  /** What the operator would call it: `list instances in my-project`. */
  attempted: string;
}

const CODE_NAMES = [
  'OK',
  'CANCELLED',
  'UNKNOWN',
  'INVALID_ARGUMENT',
  'DEADLINE_EXCEEDED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED',
  'FAILED_PRECONDITION',
  'ABORTED',
  'OUT_OF_RANGE',
  'UNIMPLEMENTED',
  'INTERNAL',
  'UNAVAILABLE',
  'DATA_LOSS',
  'UNAUTHENTICATED',
] as const;
type CodeName = (typeof CODE_NAMES)[number];

/** Cloud Storage answers in HTTP statuses: each as its gRPC twin (google.rpc.Code's mapping). */
function httpToCode(status: number): CodeName {
  const known: Record<number, CodeName> = {
    400: 'INVALID_ARGUMENT',
    401: 'UNAUTHENTICATED',
    403: 'PERMISSION_DENIED',
    404: 'NOT_FOUND',
    409: 'ABORTED',
    412: 'FAILED_PRECONDITION',
    429: 'RESOURCE_EXHAUSTED',
    504: 'DEADLINE_EXCEEDED',
  };
  return known[status] ?? (status >= 500 ? 'UNAVAILABLE' : 'UNKNOWN');
}

const KIND: Partial<Record<CodeName, FailureKind>> = {
  INVALID_ARGUMENT: 'invalid',
  OUT_OF_RANGE: 'invalid',
  NOT_FOUND: 'not-found',
  PERMISSION_DENIED: 'forbidden',
  UNAUTHENTICATED: 'unauthorized',
  FAILED_PRECONDITION: 'precondition',
  RESOURCE_EXHAUSTED: 'rate-limited',
  // gax also says DEADLINE_EXCEEDED when its retries ran out on 503s: "did not answer" covers both.
  DEADLINE_EXCEEDED: 'unavailable',
  UNAVAILABLE: 'unavailable',
};

/** gax does not surface Retry-After: wait this long after a quota error. */
const QUOTA_WAIT_MS = PACE.tails.quotaWaitMs;

const SERVICE = { compute: 'Compute Engine', kms: 'Cloud KMS', storage: 'Cloud Storage', logging: 'Cloud Logging' };
/** The setting that names what was not found, per service. */
const WHERE = {
  compute: 'Check runnerOps.gcp.project and runnerOps.gcp.zones.',
  kms: 'Check runnerOps.secrets.kmsKey.',
  storage: 'Check runnerOps.secrets.bucket, or create the bucket with versioning.',
  logging: 'Check runnerOps.gcp.project.',
};
/** A predefined role that grants what the service's calls need. */
const ROLE = {
  compute: 'Compute Viewer',
  kms: 'Cloud KMS CryptoKey Decrypter',
  storage: 'Storage Object Viewer',
  logging: 'Logs Viewer',
};

export function toGcpFailure(error: unknown, call: GoogleCall): Failure {
  if (isFailure(error)) return error;
  const e = error as { code?: unknown; message?: unknown };
  const said = googleSaid(error);
  const numeric = typeof e?.code === 'number' ? e.code : undefined;
  const http = numeric !== undefined && numeric >= 100 ? numeric : undefined;
  const code: CodeName | undefined =
    http !== undefined ? httpToCode(http) : numeric !== undefined ? CODE_NAMES[numeric] : undefined;
  const request: FailureRequest = { method: call.rpc, ...storagePath(error), status: http ?? code };
  const { source, attempted } = call;
  const failure = (kind: FailureKind, message: string, retryAfterMs?: number) =>
    new Failure({ source, kind, message, request, retryAfterMs });

  if (isDeadlineExceeded(error))
    return failure(
      'timeout',
      `${SERVICE[source]} did not answer within ${Math.round(error.ms / 1000)} s while trying to ${attempted}. Try again shortly, or check runnerOps.gcp.endpoints and your network.`,
    );
  if (/SERVICE_DISABLED|has not been used in project|it is disabled/i.test(said))
    return failure(
      'api-disabled',
      `The ${SERVICE[source]} API is disabled in this project. Enable it in the Cloud console (APIs & Services), then refresh.`,
    );
  // Cloud Storage's 412: an ifGenerationMatch that no longer holds. Someone else wrote first.
  if (http === 412)
    return failure(
      'conflict',
      `Someone else changed it first (${attempted}): the generation the plan showed is no longer current.`,
    );
  if (code === undefined) {
    const network = (e as { cause?: { code?: string } })?.cause?.code ?? (typeof e?.code === 'string' ? e.code : '');
    return failure(
      'network',
      `Cannot reach ${SERVICE[source]} to ${attempted}${network ? ` (${network})` : ''}: ${said}. Check runnerOps.gcp.endpoints and your network.`,
    );
  }
  switch (KIND[code]) {
    case 'forbidden': {
      // IAM quotes it ("Permission 'storage.buckets.get' denied"); Storage names the caller's email first.
      const permission = (/Permission '([\w.]+)'/.exec(said) ?? /\b([a-z]+\.[a-zA-Z]+\.[a-zA-Z]+)\b/.exec(said))?.[1];
      return failure(
        'forbidden',
        `Permission denied to ${attempted}${permission ? `: the credentials lack ${permission}` : ''}. Grant a role that includes it (${ROLE[source]}), or check runnerOps.gcp.project.`,
      );
    }
    case 'unauthorized':
      return failure(
        'unauthorized',
        `Google Cloud rejected the credentials while trying to ${attempted}. Run "gcloud auth application-default login" or set runnerOps.gcp.credentials.`,
      );
    case 'not-found':
      return failure('not-found', `Could not ${attempted}: not found (${said}). ${WHERE[source]}`);
    case 'invalid':
      return failure(
        'invalid',
        `Google Cloud refused to ${attempted}: ${said}.${source === 'compute' ? ' Check runnerOps.gcp.instanceFilter.' : ''}`,
      );
    case 'precondition':
      return failure('precondition', `Could not ${attempted}: ${said}.`);
    case 'rate-limited':
      return failure(
        'rate-limited',
        `${SERVICE[source]} quota exceeded while trying to ${attempted}: waiting ${QUOTA_WAIT_MS / 1000} s before trying again.`,
        QUOTA_WAIT_MS,
      );
    case 'unavailable':
      return failure(
        'unavailable',
        `${SERVICE[source]} did not answer while trying to ${attempted}. Check runnerOps.gcp.endpoints and your network.`,
      );
    default:
      return failure(
        'unavailable',
        `${SERVICE[source]} could not ${attempted} (${code}): ${said}. Try again shortly, or check runnerOps.gcp.endpoints.`,
      );
  }
}

/** Google's own sentence, without gax's "7 PERMISSION_DENIED: " prefix. */
export function googleSaid(error: unknown): string {
  const e = error as { message?: unknown; details?: unknown };
  const text =
    [e?.details, e?.message].find((v): v is string => typeof v === 'string' && v.length > 0) ?? String(error);
  return text
    .replace(/^\d+ [A-Z_]+: /, '')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 300);
}

/** Cloud Storage's errors keep the HTTP response: its path, without the query string. */
function storagePath(error: unknown): { path?: string } {
  const response = (error as { response?: { request?: { href?: unknown }; config?: { url?: unknown } } })?.response;
  const url = response?.request?.href ?? response?.config?.url;
  if (typeof url !== 'string') return {};
  try {
    return { path: new URL(url).pathname };
  } catch {
    return {};
  }
}
