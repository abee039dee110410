// Cloud Logging v2: entries:write and entries:list with the Logging query language subset
// operators use (resource.*, labels.*, logName, severity, timestamp, payload, AND/OR/NOT).
import { randomBytes } from 'node:crypto';
import { type Router, json, readJson } from '../http';
import type { GoogleContext } from './context';
import { offsetFromPageToken, paginate } from './context';
import { rpcError } from './errors';
import { fieldValue, FilterSyntaxError, parseFilter, type FilterNode } from './filter-parser';

export const SEVERITIES = [
  'DEFAULT',
  'DEBUG',
  'INFO',
  'NOTICE',
  'WARNING',
  'ERROR',
  'CRITICAL',
  'ALERT',
  'EMERGENCY',
] as const;
export type Severity = (typeof SEVERITIES)[number];
const severityNumber = (s: Severity): number => SEVERITIES.indexOf(s) * 100;

export interface LogEntry {
  logName: string;
  resource: { type: string; labels: Record<string, string> };
  timestamp: string;
  receiveTimestamp: string;
  severity: Severity;
  insertId: string;
  labels?: Record<string, string>;
  textPayload?: string;
  jsonPayload?: Record<string, unknown>;
}

/** Oldest entries are dropped past this many, so a long demo cannot grow without bound. */
const MAX_ENTRIES = 200_000;

export class LoggingState {
  private entries: LogEntry[] = [];
  private sorted = true;
  private insertCounter = 0;
  private readonly insertPrefix = randomBytes(6).toString('hex');

  constructor(private readonly ctx: GoogleContext) {}

  /** `receiveTimestamp` defaults to now; the world's own entries pass their (replayed) time. */
  append(
    entry: Omit<LogEntry, 'insertId' | 'receiveTimestamp'> & { insertId?: string; receiveTimestamp?: string },
  ): LogEntry {
    const full: LogEntry = {
      ...entry,
      insertId: entry.insertId ?? this.newInsertId(),
      receiveTimestamp: entry.receiveTimestamp ?? this.ctx.clock.nowIso(),
    };
    const last = this.entries[this.entries.length - 1];
    if (last && last.timestamp > full.timestamp) this.sorted = false;
    this.entries.push(full);
    if (this.entries.length > MAX_ENTRIES) this.entries.splice(0, this.entries.length - MAX_ENTRIES);
    return full;
  }

  all(): LogEntry[] {
    if (!this.sorted) {
      this.entries.sort((a, b) => (a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : 0));
      this.sorted = true;
    }
    return this.entries;
  }

  private newInsertId(): string {
    return `${this.insertPrefix}${(this.insertCounter++).toString(36).padStart(6, '0')}`;
  }
}

export function loggingRoutes(ctx: GoogleContext, logging: LoggingState, router: Router): void {
  router.add('POST', '/v2/:method', (req, p) => {
    const enumsAsInts = (req.url.searchParams.get('$alt') ?? '').includes('enum-encoding=int');
    const body = readJson<Record<string, unknown>>(req);
    if (p.method === 'entries:write') {
      writeEntries(ctx, logging, body);
      return json(200, {});
    }
    if (p.method === 'entries:list') return json(200, listEntries(logging, body, enumsAsInts));
    throw rpcError(404, `Method not found: ${p.method}`);
  });
}

function writeEntries(ctx: GoogleContext, logging: LoggingState, body: Record<string, unknown>): void {
  const entries = (body.entries as Array<Record<string, unknown>>) ?? [];
  if (entries.length === 0) throw rpcError(400, 'No log entries were supplied.');
  const prepared = entries.map((e, i) => {
    const logName = String(e.logName ?? body.logName ?? '');
    if (!/^(projects|organizations|folders|billingAccounts)\/[^/]+\/logs\/[^/]+$/.test(logName)) {
      throw rpcError(400, `Log entry ${i}: invalid log name "${logName}".`);
    }
    const resource = (e.resource ?? body.resource) as LogEntry['resource'] | undefined;
    if (!resource?.type) throw rpcError(400, `Log entry ${i}: resource.type is required.`);
    return {
      logName,
      resource: { type: resource.type, labels: resource.labels ?? {} },
      timestamp: normalizeTime(e.timestamp) ?? ctx.clock.nowIso(),
      severity: parseSeverity(e.severity ?? 'DEFAULT'),
      insertId: typeof e.insertId === 'string' && e.insertId ? e.insertId : undefined,
      labels: { ...((body.labels as Record<string, string>) ?? {}), ...((e.labels as Record<string, string>) ?? {}) },
      ...(e.textPayload !== undefined ? { textPayload: String(e.textPayload) } : {}),
      ...(e.jsonPayload !== undefined ? { jsonPayload: e.jsonPayload as Record<string, unknown> } : {}),
    };
  });
  if (body.dryRun) return;
  prepared.forEach((entry) => logging.append(entry));
}

function listEntries(logging: LoggingState, body: Record<string, unknown>, enumsAsInts: boolean) {
  const resourceNames = (body.resourceNames as string[]) ?? [];
  if (resourceNames.length === 0) throw rpcError(400, 'resource_names must not be empty.');
  const scopes = resourceNames.map((r) => `${r}/logs/`);
  const orderBy = String(body.orderBy ?? 'timestamp asc').trim();
  if (!/^timestamp( (asc|desc))?$/.test(orderBy)) throw rpcError(400, `Invalid orderBy: ${orderBy}`);
  const matches = compileLoggingFilter(String(body.filter ?? ''));
  let found = logging.all().filter((e) => scopes.some((s) => e.logName.startsWith(s)) && matches(e));
  if (orderBy.endsWith('desc')) found = [...found].reverse();
  const pageSize = Math.min(Number(body.pageSize ?? 50) || 50, 1000);
  const { page, nextPageToken } = paginate(
    found,
    offsetFromPageToken((body.pageToken as string) ?? null, () => rpcError(400, 'Invalid page token.')),
    pageSize,
  );
  return {
    entries: page.map((e) => ({ ...e, severity: enumsAsInts ? severityNumber(e.severity) : e.severity })),
    ...(nextPageToken ? { nextPageToken } : {}),
  };
}

export function compileLoggingFilter(filter: string): (entry: LogEntry) => boolean {
  if (!filter.trim()) return () => true;
  let tree: FilterNode | undefined;
  try {
    tree = parseFilter(filter);
  } catch (e) {
    if (e instanceof FilterSyntaxError) throw rpcError(400, `Invalid filter: ${filter} (${e.message})`);
    throw e;
  }
  return tree ? (entry) => evaluate(tree, entry) : () => true;
}

function evaluate(node: FilterNode, entry: LogEntry): boolean {
  switch (node.kind) {
    case 'and':
      return node.items.every((n) => evaluate(n, entry));
    case 'or':
      return node.items.some((n) => evaluate(n, entry));
    case 'not':
      return !evaluate(node.item, entry);
    case 'text':
      return JSON.stringify(entry).includes(node.value);
    case 'cmp':
      return compare(entry, node.field, node.path, node.op, node.value);
  }
}

function compare(entry: LogEntry, field: string, path: string[], op: string, expected: string): boolean {
  const actual = fieldValue(entry, path);
  if (op === ':' && expected === '*') return actual !== undefined;
  if (actual === undefined) return op === '!=';
  let a: number | string = typeof actual === 'object' ? JSON.stringify(actual) : String(actual);
  let b: number | string = expected;
  if (field === 'severity') {
    a = severityNumber(actual as Severity);
    b = /^\d+$/.test(expected) ? Number(expected) : severityNumber(parseSeverity(expected.toUpperCase()));
  } else if (field === 'timestamp' || field === 'receiveTimestamp') {
    a = Date.parse(String(actual));
    b = Date.parse(expected);
    if (Number.isNaN(b)) throw rpcError(400, `Invalid timestamp in filter: ${expected}`);
  } else if (field === 'logName') {
    a = decodeURIComponent(String(actual));
    b = decodeURIComponent(expected);
  }
  switch (op) {
    case '=':
      return a === b;
    case '!=':
      return a !== b;
    case ':':
      return String(a).includes(String(b));
    case '>':
      return a > b;
    case '>=':
      return a >= b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    default:
      throw rpcError(400, `Unsupported operator ${op} in filter.`);
  }
}

function parseSeverity(value: unknown): Severity {
  if (typeof value === 'number' && value % 100 === 0 && SEVERITIES[value / 100]) return SEVERITIES[value / 100];
  if (typeof value === 'string' && (SEVERITIES as readonly string[]).includes(value)) return value as Severity;
  throw rpcError(400, `Invalid severity: ${String(value)}`);
}

/** LogEntry timestamps keep nanoseconds when given; sorting works on the ISO text. */
function normalizeTime(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'object') {
    const { seconds, nanos } = value as { seconds?: number | string; nanos?: number };
    return new Date(Number(seconds ?? 0) * 1000 + Math.floor((nanos ?? 0) / 1e6)).toISOString();
  }
  const ms = Date.parse(String(value));
  if (Number.isNaN(ms)) throw rpcError(400, `Invalid timestamp: ${String(value)}`);
  return new Date(ms).toISOString();
}
