/*
 * Injected faults: make the sandbox misbehave like real networks and APIs do.
 *
 * Grammar (rules separated by commas, whitespace ignored):
 *
 *   SPEC   := RULE ("," RULE)*
 *   RULE   := [API ":"] GLOB "=" ACTION ["@" RATE]
 *   API    := gitlab | compute | kms | storage | logging | *      (default: any API)
 *   GLOB   := "*" | a path starting with "/", where "*" matches any characters (slashes too).
 *             Matched against the path without the query string.
 *   ACTION := STATUS                  answer STATUS (400..599) with an error body in the API's style
 *           | "429" [":retry-after=" SECONDS]   429 with a Retry-After header (default 1 s)
 *           | "403:permission=" NAME  Google APIs: 403 naming the IAM permission denied, as IAM words it
 *           | "reset"                 destroy the connection without answering
 *           | "truncate"              send the headers (full Content-Length) and half the body, then close
 *           | "slow:" MS              drip the body out over MS milliseconds
 *           | "latency:" MS           wait MS milliseconds before answering normally
 *             (both on the sandbox's simulated clock: --time-scale shortens them, an advance ends them)
 *   RATE   := probability in [0, 1] that the rule fires for a matching request (default 1)
 *
 * Examples:
 *   gitlab:/api/v4/runners*=503@0.5       half the runner calls answer 503
 *   compute:*=latency:800                 every Compute call takes 0.8 s longer
 *   *=429:retry-after=2@0.1               10% of all calls are rate limited
 *   kms:*=reset, storage:*=truncate@0.2, logging:*=slow:2000
 *
 * The first matching rule that fires wins. Control paths (/_sandbox/...) are never faulted.
 * Randomness comes from a seeded generator, so a given spec misbehaves the same way every run.
 */
import { STATUS_CODES } from 'node:http';
import type { SandboxResponse } from './http';
import type { ApiName } from './request-log';

const APIS = ['gitlab', 'compute', 'kms', 'storage', 'logging'] as const;
type FaultApi = (typeof APIS)[number] | '*';

export type FaultAction =
  | { kind: 'status'; status: number; retryAfter?: number; permission?: string }
  | { kind: 'reset' }
  | { kind: 'truncate' }
  | { kind: 'slow'; ms: number }
  | { kind: 'latency'; ms: number };

export interface FaultRule {
  api: FaultApi;
  glob: string;
  action: FaultAction;
  rate: number;
  /** The rule as written, for the request log and messages. */
  source: string;
  regex: RegExp;
}

export class FaultSpecError extends Error {}

function fail(rule: string, why: string): never {
  throw new FaultSpecError(
    `invalid fault rule "${rule}": ${why}. Expected [API:]GLOB=ACTION[@RATE], e.g. gitlab:/api/v4/runners*=503@0.5`,
  );
}

function nonNegativeInt(text: string, rule: string, what: string): number {
  if (!/^\d+$/.test(text)) fail(rule, `${what} must be a whole number, got "${text}"`);
  return Number(text);
}

function parseAction(text: string, rule: string): FaultAction {
  if (text === 'reset') return { kind: 'reset' };
  if (text === 'truncate') return { kind: 'truncate' };
  const timed = /^(slow|latency):(.*)$/.exec(text);
  if (timed)
    return { kind: timed[1] as 'slow' | 'latency', ms: nonNegativeInt(timed[2], rule, `${timed[1]} milliseconds`) };
  const rateLimited = /^429(?::retry-after=(.*))?$/.exec(text);
  if (rateLimited)
    return {
      kind: 'status',
      status: 429,
      retryAfter: rateLimited[1] === undefined ? 1 : nonNegativeInt(rateLimited[1], rule, 'retry-after seconds'),
    };
  const denied = /^403:permission=([\w.]+)$/.exec(text);
  if (denied) return { kind: 'status', status: 403, permission: denied[1] };
  if (/^\d{3}$/.test(text)) {
    const status = Number(text);
    if (status < 400 || status > 599) fail(rule, `status ${status} is not an error status (400..599)`);
    return { kind: 'status', status };
  }
  return fail(
    rule,
    `unknown action "${text}" (use a status like 503, 429[:retry-after=S], 403:permission=NAME, reset, truncate, slow:MS or latency:MS)`,
  );
}

function globToRegex(glob: string): RegExp {
  return new RegExp(`^${glob.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
}

export function parseFaultRule(text: string): FaultRule {
  const rule = text.trim();
  const eq = rule.indexOf('=');
  if (eq < 0) fail(rule, 'missing "="');
  const target = rule.slice(0, eq);
  let actionText = rule.slice(eq + 1);
  let rate = 1;
  const at = actionText.lastIndexOf('@');
  if (at >= 0) {
    const rateText = actionText.slice(at + 1);
    rate = Number(rateText);
    if (rateText === '' || !Number.isFinite(rate) || rate < 0 || rate > 1)
      fail(rule, `rate must be a number between 0 and 1, got "${rateText}"`);
    actionText = actionText.slice(0, at);
  }
  let api: FaultApi = '*';
  let glob = target;
  const colon = target.indexOf(':');
  if (colon >= 0) {
    const name = target.slice(0, colon);
    if (name !== '*' && !(APIS as readonly string[]).includes(name))
      fail(rule, `unknown API "${name}" (use ${APIS.join(', ')} or *)`);
    api = name as FaultApi;
    glob = target.slice(colon + 1);
  }
  if (glob !== '*' && !glob.startsWith('/')) fail(rule, `path glob must be "*" or start with "/", got "${glob}"`);
  return { api, glob, action: parseAction(actionText, rule), rate, source: rule, regex: globToRegex(glob) };
}

export function parseFaultSpec(spec: string): FaultRule[] {
  return spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(parseFaultRule);
}

/** mulberry32: small, fast, seedable. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class FaultController {
  private rules: FaultRule[] = [];
  private random = seededRandom(1);

  constructor(spec?: string) {
    if (spec) this.add(spec);
  }

  /** Adds the rules of a spec (same grammar as --faults). Throws FaultSpecError on bad input. */
  add(spec: string): FaultRule[] {
    const added = parseFaultSpec(spec);
    this.rules.push(...added);
    return added;
  }

  clear(): void {
    this.rules = [];
    this.random = seededRandom(1);
  }

  list(): FaultRule[] {
    return [...this.rules];
  }

  /** The fault to apply to this request, if any rule matches and fires. */
  pick(api: ApiName, pathname: string): FaultRule | undefined {
    if (api === 'sandbox') return undefined;
    for (const rule of this.rules) {
      if (rule.api !== '*' && rule.api !== api) continue;
      if (!rule.regex.test(pathname)) continue;
      if (rule.rate >= 1 || this.random() < rule.rate) return rule;
    }
    return undefined;
  }
}

export function describeAction(action: FaultAction): string {
  switch (action.kind) {
    case 'status':
      return String(action.status);
    case 'slow':
    case 'latency':
      return `${action.kind}:${action.ms}`;
    default:
      return action.kind;
  }
}

// ---- error bodies in the style of the API a path belongs to (faults and unmatched routes) ----

const GOOGLE_STATUS: Record<number, [status: string, reason: string]> = {
  400: ['INVALID_ARGUMENT', 'badRequest'],
  401: ['UNAUTHENTICATED', 'required'],
  403: ['PERMISSION_DENIED', 'forbidden'],
  404: ['NOT_FOUND', 'notFound'],
  405: ['INVALID_ARGUMENT', 'httpMethodNotAllowed'],
  409: ['ALREADY_EXISTS', 'conflict'],
  412: ['FAILED_PRECONDITION', 'conditionNotMet'],
  429: ['RESOURCE_EXHAUSTED', 'rateLimitExceeded'],
  500: ['INTERNAL', 'backendError'],
  502: ['UNAVAILABLE', 'backendError'],
  503: ['UNAVAILABLE', 'backendError'],
  504: ['DEADLINE_EXCEEDED', 'backendError'],
};

export function apiError(
  api: ApiName,
  status: number,
  message?: string,
  headers: Record<string, string> = {},
): SandboxResponse {
  const phrase = STATUS_CODES[status] ?? 'Error';
  if (api === 'gitlab' || api === 'sandbox' || api === 'unknown') {
    // Rack::Attack's throttle answer is plain text; Grape's are JSON.
    if (status === 429) return { status, headers: { 'content-type': 'text/plain', ...headers }, body: 'Retry later\n' };
    if (status === 404 && message === undefined) return { status, headers, body: { error: '404 Not Found' } };
    if (status === 405) return { status, headers, body: { error: '405 Not Allowed' } };
    return { status, headers, body: { message: message ?? `${status} ${phrase}` } };
  }
  const [grpcStatus, reason] =
    GOOGLE_STATUS[status] ??
    (status >= 500 ? ['UNKNOWN', 'backendError'] : ['FAILED_PRECONDITION', 'failedPrecondition']);
  const text =
    message ?? (status === 429 ? 'Quota exceeded.' : status >= 500 ? 'The service is currently unavailable.' : phrase);
  return {
    status,
    headers,
    body: {
      error: { code: status, message: text, errors: [{ message: text, domain: 'global', reason }], status: grpcStatus },
    },
  };
}
