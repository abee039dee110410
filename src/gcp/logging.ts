// The Cloud Logging adapter for tails: entries:list over REST (live tailing is gRPC-only, so the
// core polls with a timestamp cursor). Loaded lazily (src/lazy.ts) on the first runner-log tail.
// It uses the generated LoggingServiceV2 client and gax's REST half only, not the handwritten
// `Logging` class: that one brings the Config and Metrics clients, a second gax and auth library
// and every static descriptor (4 MB, ~0.8 s and 16 MB of heap to load; docs/benchmarks.md).
import { LoggingServiceV2Client } from '@google-cloud/logging-api/build/src/v2/logging_service_v2_client';
import * as gaxRest from 'google-gax/fallback';
import type { RunnerOpsSettings } from '../config/settings';
import { PACE } from '../core/pace';
import type { LogEntry, LogEntryQuery, LogEntrySource } from '../core/tail/ports';
import { gaxOptions } from './client-options';
import { toGcpFailure } from './gcp-failure';

export type LoggingSettings = Pick<RunnerOpsSettings, 'gcpProject' | 'credentials' | 'endpoints'>;

/** A google.protobuf.Value as gax decodes it (toObject with oneofs: the set member, named by `kind`). */
interface ProtoValue {
  kind?: string;
  nullValue?: unknown;
  numberValue?: number;
  stringValue?: string;
  boolValue?: boolean;
  structValue?: ProtoStruct;
  listValue?: { values?: ProtoValue[] };
}
interface ProtoStruct {
  fields?: Record<string, ProtoValue>;
}

interface RawEntry {
  insertId?: string | null;
  timestamp?: { seconds?: number | string | null; nanos?: number | null } | null;
  severity?: string | number | null;
  textPayload?: string | null;
  jsonPayload?: ProtoStruct | null;
}

const SEVERITIES = ['DEFAULT', 'DEBUG', 'INFO', 'NOTICE', 'WARNING', 'ERROR', 'CRITICAL', 'ALERT', 'EMERGENCY'];

/** A protobuf Struct back to the JSON object it was sent as (what the handwritten client did for us). */
export function structToJson(struct: ProtoStruct | null | undefined): Record<string, unknown> {
  return Object.fromEntries(Object.entries(struct?.fields ?? {}).map(([key, value]) => [key, valueToJson(value)]));
}

function valueToJson(value: ProtoValue | undefined): unknown {
  switch (value?.kind) {
    case 'stringValue':
      return value.stringValue;
    case 'numberValue':
      return value.numberValue;
    case 'boolValue':
      return value.boolValue;
    case 'structValue':
      return structToJson(value.structValue);
    case 'listValue':
      return (value.listValue?.values ?? []).map(valueToJson);
    default:
      return null;
  }
}

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

function toIso(timestamp: RawEntry['timestamp']): string {
  return new Date(Number(timestamp?.seconds ?? 0) * 1000 + Math.floor((timestamp?.nanos ?? 0) / 1e6)).toISOString();
}

function severityName(value: unknown): string {
  if (typeof value === 'number') return SEVERITIES[value / 100] ?? String(value);
  return typeof value === 'string' && value ? value : 'DEFAULT';
}

export function logEntrySource(settings: LoggingSettings): LogEntrySource {
  type Options = ConstructorParameters<typeof LoggingServiceV2Client>;
  // gaxRest as the gax instance: the client then never loads gax's gRPC half.
  const client = new LoggingServiceV2Client(
    gaxOptions(settings, 'logging') as Options[0],
    gaxRest as unknown as Options[1],
  );
  return {
    async list(query: LogEntryQuery) {
      try {
        const [entries, nextRequest] = (await client.listLogEntries(
          {
            resourceNames: [`projects/${settings.gcpProject}`],
            filter: query.filter,
            orderBy: query.orderBy,
            pageSize: query.pageSize,
            pageToken: query.pageToken,
          },
          { autoPaginate: false, ...PACE.google.logging },
        )) as unknown as [RawEntry[], { pageToken?: string } | null];
        return {
          entries: entries.map((e): LogEntry => ({
            insertId: e.insertId ?? '',
            timestamp: toIso(e.timestamp),
            severity: severityName(e.severity),
            message: entryMessage(e.jsonPayload ? structToJson(e.jsonPayload) : e.textPayload),
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
