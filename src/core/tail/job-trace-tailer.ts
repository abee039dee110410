// Follows a job's trace until the job ends. GitLab returns the whole trace on each request, so
// each poll parses only what follows the previous length. The job's status is read before the
// trace, so once it says "finished" the trace read after it is complete. Until the job starts,
// one line says what it waits for and since when, updated in place (a new line only when the
// job moves on to waiting for something else), and the empty trace is not requested.
import { realClock, type Clock } from '../clock';
import { formatDuration, formatElapsed } from '../time-format';
import type { LineBuffer } from './line-buffer';
import type { JobTraceSource, TracedJob } from './ports';
import type { PollResult, Tailer } from './tail-session';
import { TraceParser, type TraceSection } from './trace-parser';

/** Statuses after which the trace will not grow (or never started). */
const FINISHED = new Set(['success', 'failed', 'canceled', 'skipped', 'manual']);

/** Statuses before a runner took the job: what it waits for, while waiting and afterwards. */
const WAITING: Record<string, { now: string; past: string }> = {
  created: { now: 'waiting for the earlier stages', past: 'waited for the earlier stages' },
  pending: { now: 'waiting for a runner', past: 'waited for a runner' },
  waiting_for_resource: { now: 'waiting for a resource', past: 'waited for a resource' },
  scheduled: { now: 'delayed: waiting for its start time', past: 'waited for its start time' },
};

const MINUTE_MS = 60_000;

interface WaitingLine {
  index: number;
  status: string;
  text: string;
  waitedMs?: number;
}

export class JobTraceTailer implements Tailer {
  private parser = new TraceParser();
  private consumed = 0;
  /** Buffer index of the parser's line 0 (moves when the trace is replaced). */
  private base = 0;
  private waiting: WaitingLine | undefined;

  constructor(
    private readonly source: JobTraceSource,
    private readonly projectId: number,
    private readonly jobId: number,
    private readonly clock: Pick<Clock, 'now'> = realClock,
  ) {}

  async poll(buffer: LineBuffer): Promise<PollResult> {
    const job = await this.source.job(this.projectId, this.jobId);
    if (this.consumed === 0 && Object.hasOwn(WAITING, job.status)) return this.showWaiting(buffer, job);
    const waitEnded = this.endWaiting(buffer);
    const { status } = job;
    const trace = await this.source.trace(this.projectId, this.jobId);
    const finished = FINISHED.has(status);
    if (trace.length < this.consumed) {
      // Erased or replaced (a retried job keeps its id only in odd cases): start over, visibly.
      buffer.appendMarker('[trace was replaced: showing it again]');
      this.parser = new TraceParser();
      this.consumed = 0;
      this.base = buffer.nextIndex;
    }
    const update = this.parser.push(trace.slice(this.consumed));
    this.consumed = trace.length;
    const last = finished ? this.parser.flush() : { lines: [], ended: [] };
    const lines = [...update.lines, ...last.lines];
    buffer.appendLines(lines);
    for (const section of [...update.ended, ...last.ended]) this.showDuration(buffer, section);
    if (finished) buffer.appendMarker(`[job ${status}]`);
    return { gotData: lines.length > 0 || finished || waitEnded, ended: finished };
  }

  sections() {
    return this.parser.sections.map((s) => ({
      ...s,
      startLine: s.startLine + this.base,
      endLine: s.endLine === undefined ? undefined : s.endLine + this.base,
    }));
  }

  /**
   * "[waiting for a runner for 3 min · tags: terraform]". Minutes only, so the line (and the
   * document) changes once a minute, not on every poll.
   */
  private showWaiting(buffer: LineBuffer, job: TracedJob): PollResult {
    const waitedMs = this.waitedMs(job);
    const text = `[${WAITING[job.status].now}${waitedMs === undefined ? '' : ` for ${roughly(waitedMs)}`}${
      job.status === 'pending' && job.tags?.length ? ` · tags: ${job.tags.join(', ')}` : ''
    }]`;
    const line = this.waiting;
    if (line?.status === job.status) {
      line.waitedMs = waitedMs;
      if (line.text === text) return { gotData: false };
      line.text = text;
      // Cleared or dropped meanwhile: the line is written anew.
      if (buffer.update(line.index, { text, marker: true })) return { gotData: true };
      line.index = buffer.nextIndex;
      buffer.appendMarker(text);
      return { gotData: true };
    }
    this.endWaiting(buffer);
    this.waiting = { index: buffer.nextIndex, status: job.status, text, waitedMs };
    buffer.appendMarker(text);
    return { gotData: true };
  }

  /** The job moved on: its waiting line says how long it waited, in the past tense. */
  private endWaiting(buffer: LineBuffer): boolean {
    const line = this.waiting;
    if (!line) return false;
    this.waiting = undefined;
    const past = WAITING[line.status].past;
    const text = `[${past}${line.waitedMs === undefined ? '' : ` for ${roughly(line.waitedMs)}`}]`;
    return buffer.update(line.index, { text, marker: true });
  }

  /** GitLab's own count for a queued job (no clock skew); else since the job was created. */
  private waitedMs(job: TracedJob): number | undefined {
    if (job.status === 'pending' && job.queuedDurationSec !== undefined) return job.queuedDurationSec * 1000;
    return job.createdAt === undefined ? undefined : Math.max(0, this.clock.now() - job.createdAt);
  }

  /** The header line gets the section's duration, as GitLab shows it on the right. */
  private showDuration(buffer: LineBuffer, section: TraceSection): void {
    const index = section.startLine + this.base;
    const header = buffer.line(index);
    if (!header || section.durationSec === undefined) return;
    buffer.update(index, { ...header, text: `${header.text} (${formatDuration(section.durationSec)})` });
  }
}

function roughly(ms: number): string {
  return ms < MINUTE_MS ? 'less than 1 min' : formatElapsed(0, ms);
}
