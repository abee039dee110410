// Follows a job's trace until the job ends. GitLab returns the whole trace on each request, so
// each poll parses only what follows the previous length. The job's status is read before the
// trace, so once it says "finished" the trace read after it is complete.
import type { LineBuffer } from './line-buffer';
import type { JobTraceSource } from './ports';
import type { PollResult, Tailer } from './tail-session';
import { TraceParser, type TraceSection } from './trace-parser';

/** Statuses after which the trace will not grow (or never started). */
const FINISHED = new Set(['success', 'failed', 'canceled', 'skipped', 'manual']);

export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  const m = Math.floor(seconds / 60);
  const s = String(seconds % 60).padStart(2, '0');
  return m < 60 ? `${m}m ${s}s` : `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m ${s}s`;
}

export class JobTraceTailer implements Tailer {
  private parser = new TraceParser();
  private consumed = 0;
  /** Buffer index of the parser's line 0 (moves when the trace is replaced). */
  private base = 0;

  constructor(
    private readonly source: JobTraceSource,
    private readonly projectId: number,
    private readonly jobId: number,
  ) {}

  async poll(buffer: LineBuffer): Promise<PollResult> {
    const { status } = await this.source.job(this.projectId, this.jobId);
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
    return { gotData: lines.length > 0 || finished, ended: finished };
  }

  sections() {
    return this.parser.sections.map((s) => ({
      ...s,
      startLine: s.startLine + this.base,
      endLine: s.endLine === undefined ? undefined : s.endLine + this.base,
    }));
  }

  /** The header line gets the section's duration, as GitLab shows it on the right. */
  private showDuration(buffer: LineBuffer, section: TraceSection): void {
    const index = section.startLine + this.base;
    const at = buffer.documentLine(index);
    if (at === undefined || section.durationSec === undefined) return;
    const header = buffer.lines()[at];
    buffer.update(index, { ...header, text: `${header.text} (${formatDuration(section.durationSec)})` });
  }
}
