// Tails Cloud Logging entries that match a filter, one line per entry (more for multi-line messages).
import type { LineBuffer } from './line-buffer';
import { LogEntryCursor } from './log-entry-cursor';
import { PACE } from '../pace';
import type { LogEntry, LogEntrySource } from './ports';
import type { PollResult, Tailer } from './tail-session';

export function formatEntry(entry: LogEntry): string[] {
  const [first, ...rest] = entry.message.replace(/\r?\n$/, '').split(/\r?\n/);
  return [`${entry.timestamp} ${entry.severity.padEnd(7)} ${first}`, ...rest.map((line) => `    ${line}`)];
}

export class LogEntryTailer implements Tailer {
  constructor(
    private readonly source: LogEntrySource,
    private readonly filter: string,
    private readonly cursor = new LogEntryCursor(),
  ) {}

  async poll(buffer: LineBuffer): Promise<PollResult> {
    const query = this.cursor.query(this.filter);
    const found: LogEntry[] = [];
    let pageToken: string | undefined;
    for (let page = 0; page < PACE.tails.maxLogPagesPerPoll; page++) {
      const result = await this.source.list({ ...query, pageToken });
      found.push(...result.entries);
      pageToken = result.nextPageToken;
      // The first poll asks only for the newest few (descending): one page is enough.
      if (!pageToken || query.orderBy === 'timestamp desc') break;
    }
    const fresh = this.cursor.accept(found);
    buffer.appendLines(fresh.flatMap(formatEntry).map((text) => ({ text })));
    return { gotData: fresh.length > 0 };
  }
}
