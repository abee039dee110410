// The Cloud Logging adapter for tails: entries:list over REST (live tailing is gRPC-only, so the
// core polls with a timestamp cursor). Loaded lazily (src/lazy.ts).
import { Logging } from '@google-cloud/logging';
import type { RunnerOpsSettings } from '../config/settings';
import { PACE } from '../core/pace';
import type { LogEntry, LogEntryQuery, LogEntrySource } from '../core/tail/ports';
import { gaxOptions } from './client-options';
import { toGcpFailure } from './gcp-failure';

export type LoggingSettings = Pick<RunnerOpsSettings, 'gcpProject' | 'credentials' | 'endpoints'>;

interface RawEntry {
  data?: unknown;
  metadata: { insertId?: string | null; timestamp?: unknown; severity?: unknown; textPayload?: string | null };
}

const SEVERITIES = ['DEFAULT', 'DEBUG', 'INFO', 'NOTICE', 'WARNING', 'ERROR', 'CRITICAL', 'ALERT', 'EMERGENCY'];

/** The text of an entry: textPayload, or the usual message fields of a jsonPayload (gcplogs puts it in `data`). */
export function entryMessage(data: unknown): string {
  if (typeof data === 'string') return data;
  if (data && typeof data === 'object') {
    const payload = data as Record<string, unknown>;
    for (const key of ['message', 'data', 'msg', 'log'])
      if (typeof payload[key] === 'string') return payload[key] as string;
    return JSON.stringify(payload);
  }
  return '';
}

function toIso(timestamp: unknown): string {
  if (timestamp instanceof Date) return timestamp.toISOString();
  if (typeof timestamp === 'string') return new Date(timestamp).toISOString();
  const t = timestamp as { seconds?: number | string; nanos?: number } | undefined;
  return new Date(Number(t?.seconds ?? 0) * 1000 + Math.floor((t?.nanos ?? 0) / 1e6)).toISOString();
}

function severityName(value: unknown): string {
  if (typeof value === 'number') return SEVERITIES[value / 100] ?? String(value);
  return typeof value === 'string' && value ? value : 'DEFAULT';
}

export function logEntrySource(settings: LoggingSettings): LogEntrySource {
  const logging = new Logging(gaxOptions(settings, 'logging') as ConstructorParameters<typeof Logging>[0]);
  return {
    async list(query: LogEntryQuery) {
      try {
        const [entries, nextRequest] = (await logging.getEntries({
          resourceNames: [`projects/${settings.gcpProject}`],
          filter: query.filter,
          orderBy: query.orderBy,
          pageSize: query.pageSize,
          pageToken: query.pageToken,
          autoPaginate: false,
          gaxOptions: PACE.google.logging,
        })) as unknown as [RawEntry[], { pageToken?: string } | null];
        return {
          entries: entries.map((e): LogEntry => ({
            insertId: e.metadata.insertId ?? '',
            timestamp: toIso(e.metadata.timestamp),
            severity: severityName(e.metadata.severity),
            message: entryMessage(e.data ?? e.metadata.textPayload),
          })),
          nextPageToken: nextRequest?.pageToken || undefined,
        };
      } catch (error) {
        throw toGcpFailure(error, {
          source: 'logging',
          rpc: 'logging.entries.list',
          attempted: 'read the runner logs',
        });
      }
    },
  };
}
