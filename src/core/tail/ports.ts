// What the tails need from the outside world. Adapters in src/gcp and src/gitlab implement these;
// the core never sees a client library. They throw a Failure (src/core/failures.ts): a tail waits
// its `retryAfterMs` and stops for good when it is `permanent`.

/** One getSerialPortOutput answer. `start`/`next` are byte offsets (int64 strings decoded to numbers). */
export interface SerialRead {
  contents: string;
  start: number;
  next: number;
}

export interface SerialSource {
  /** Reads the port from byte `start`; a negative start means "the last -start bytes". */
  read(port: number, start: number): Promise<SerialRead>;
}

/** A Cloud Logging entry, reduced to what a tail shows. `timestamp` is RFC 3339 (UTC, 'Z'). */
export interface LogEntry {
  insertId: string;
  timestamp: string;
  severity: string;
  message: string;
}

export interface LogEntryQuery {
  filter: string;
  orderBy: 'timestamp asc' | 'timestamp desc';
  pageSize: number;
  pageToken?: string;
}

export interface LogEntrySource {
  list(query: LogEntryQuery): Promise<{ entries: LogEntry[]; nextPageToken?: string }>;
}

/** What the job tail reads of a job besides its trace. Times are epoch milliseconds. */
export interface TracedJob {
  status: string;
  createdAt?: number;
  /** Seconds in the queue so far, by GitLab's clock (GitLab's `queued_duration`). */
  queuedDurationSec?: number;
  tags?: string[];
}

export interface JobTraceSource {
  /** The whole trace so far (GitLab has no Range support for traces). */
  trace(projectId: number, jobId: number): Promise<string>;
  job(projectId: number, jobId: number): Promise<TracedJob>;
}
