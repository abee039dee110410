// Polling Cloud Logging as a tail (live tailing is gRPC-only): each poll asks for entries at or
// after the newest timestamp seen, minus a look-back for entries that arrive late (Logging accepts
// entries stamped in the past), and drops the ones already shown by insertId. `>=` rather than
// `>` because several entries can share a timestamp, and the next of them may arrive after a poll.
import { PACE } from '../pace';
import type { LogEntry, LogEntryQuery } from './ports';

export interface LogEntryCursorOptions {
  /** How far behind the newest timestamp each poll looks again. */
  lookbackMs?: number;
  /** How many existing entries the first poll shows. */
  initialEntries?: number;
  pageSize?: number;
}

export class LogEntryCursor {
  private newestMs: number | undefined;
  /** insertId -> timestamp (ms) of the entries inside the look-back window. */
  private readonly seen = new Map<string, number>();
  private readonly lookbackMs: number;
  private readonly initialEntries: number;
  private readonly pageSize: number;

  constructor(options: LogEntryCursorOptions = {}) {
    this.lookbackMs = options.lookbackMs ?? PACE.tails.logLookbackMs;
    this.initialEntries = options.initialEntries ?? PACE.tails.logInitialEntries;
    this.pageSize = options.pageSize ?? PACE.tails.logPageSize;
  }

  /** The next poll's query. Before any entry was seen: the newest few, newest first. */
  query(baseFilter: string): LogEntryQuery {
    const base = baseFilter.trim() ? `(${baseFilter.trim()})` : '';
    if (this.newestMs === undefined) return { filter: base, orderBy: 'timestamp desc', pageSize: this.initialEntries };
    const since = `timestamp >= "${new Date(this.newestMs - this.lookbackMs).toISOString()}"`;
    return { filter: base ? `${base} AND ${since}` : since, orderBy: 'timestamp asc', pageSize: this.pageSize };
  }

  /** Takes a poll's entries (any order); returns the new ones, oldest first. */
  accept(entries: LogEntry[]): LogEntry[] {
    const fresh: LogEntry[] = [];
    for (const entry of entries) {
      if (this.seen.has(entry.insertId)) continue;
      const ms = Date.parse(entry.timestamp);
      this.seen.set(entry.insertId, ms);
      fresh.push(entry);
      if (this.newestMs === undefined || ms > this.newestMs) this.newestMs = ms;
    }
    fresh.sort((a, b) => Date.parse(a.timestamp) - Date.parse(b.timestamp));
    this.forgetOld();
    return fresh;
  }

  private forgetOld(): void {
    if (this.newestMs === undefined) return;
    const horizon = this.newestMs - this.lookbackMs;
    for (const [id, ms] of this.seen) if (ms < horizon) this.seen.delete(id);
  }
}
