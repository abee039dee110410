// GitLab job traces, fed as they grow: ANSI colours become styled spans over plain text, `\r`
// overwrites the line like a terminal does (progress bars), and gitlab-runner's
// `section_start:TS:name[collapsed=true]\r\e[0K` / `section_end:TS:name\r\e[0K` markers become
// sections with their first and last line and their duration.
import { applySgr, isPlain, sameStyle, type TextStyle } from './ansi';

export interface StyleSpan {
  start: number;
  end: number;
  style: TextStyle;
}

export interface TraceLine {
  text: string;
  /** Only the styled stretches; plain text has none. */
  spans: StyleSpan[];
}

export interface TraceSection {
  name: string;
  /** Index (among the lines this parser emitted) of the section's header line. */
  startLine: number;
  /** Index of its last line; undefined while the section is open. */
  endLine?: number;
  startedAt: number; // epoch seconds, from the marker
  durationSec?: number;
  collapsed: boolean;
}

export interface TraceUpdate {
  lines: TraceLine[];
  /** Sections that ended in this update (their header may now show a duration). */
  ended: TraceSection[];
}

const MARKER = /section_(start|end):(\d+):([^\s[\r]+)(?:\[([^\]]*)\])?\r\u001b\[0?K/g;

export class TraceParser {
  private pending = '';
  private emitted = 0;
  private readonly open: TraceSection[] = [];
  readonly sections: TraceSection[] = [];

  /** Feeds more trace text; returns the lines it completed. */
  push(chunk: string): TraceUpdate {
    const pieces = (this.pending + chunk).split('\n');
    this.pending = pieces.pop() ?? '';
    return this.render(pieces);
  }

  /** The trace is complete: renders the last line even without its newline. */
  flush(): TraceUpdate {
    const rest = this.pending;
    this.pending = '';
    return this.render(rest ? [rest] : []);
  }

  private render(rawLines: string[]): TraceUpdate {
    const update: TraceUpdate = { lines: [], ended: [] };
    for (const raw of rawLines) {
      const events: Array<{ kind: string; at: number; name: string; options?: string }> = [];
      const withoutMarkers = raw.replace(MARKER, (_m, kind: string, at: string, name: string, options?: string) => {
        events.push({ kind, at: Number(at), name, options });
        return '';
      });
      const line = renderLine(withoutMarkers);
      const onlyEnds = events.length > 0 && events.every((e) => e.kind === 'end') && line.text.trim() === '';
      if (!onlyEnds) {
        update.lines.push(line);
        this.emitted++;
      }
      for (const event of events) {
        if (event.kind === 'start') this.start(event.name, event.at, event.options);
        else {
          const ended = this.end(event.name, event.at);
          if (ended) update.ended.push(ended);
        }
      }
    }
    return update;
  }

  private start(name: string, at: number, options = ''): void {
    const section: TraceSection = {
      name,
      startLine: this.emitted - 1,
      startedAt: at,
      collapsed: /collapsed=true/.test(options),
    };
    this.open.push(section);
    this.sections.push(section);
  }

  private end(name: string, at: number): TraceSection | undefined {
    const index = this.open.map((s) => s.name).lastIndexOf(name);
    if (index < 0) return undefined;
    const [section] = this.open.splice(index, 1);
    section.endLine = Math.max(section.startLine, this.emitted - 1);
    section.durationSec = Math.max(0, at - section.startedAt);
    return section;
  }
}

interface Cell {
  ch: string;
  style: TextStyle;
}

/** One line of terminal output: `\r` returns to column 0, `ESC[K` erases, SGR sets the style. */
export function renderLine(raw: string): TraceLine {
  const cells: Cell[] = [];
  let col = 0;
  let style: TextStyle = {};
  const chars = Array.from(raw);
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i];
    if (ch === '\r') col = 0;
    else if (ch === '\b') col = Math.max(0, col - 1);
    else if (ch === '\u001b') {
      if (chars[i + 1] !== '[') {
        i++; // a two-character escape (ESC =, ESC >, ...): nothing to show
        continue;
      }
      let j = i + 2;
      while (j < chars.length && !/[@-~]/.test(chars[j])) j++;
      const params = chars.slice(i + 2, j).join('');
      const final = chars[j];
      if (final === 'm') style = applySgr(style, params);
      else if (final === 'K') erase(cells, col, params);
      i = j;
    } else if (ch === '\t' || ch >= ' ') {
      while (cells.length < col) cells.push({ ch: ' ', style: {} });
      cells[col++] = { ch, style };
    }
  }
  return toLine(cells);
}

function erase(cells: Cell[], col: number, params: string): void {
  const mode = params === '' ? 0 : Number(params);
  if (mode === 0) cells.length = Math.min(cells.length, col);
  else if (mode === 1) for (let i = 0; i <= col && i < cells.length; i++) cells[i] = { ch: ' ', style: {} };
  else if (mode === 2) cells.length = 0;
}

function toLine(cells: Cell[]): TraceLine {
  const spans: StyleSpan[] = [];
  let offset = 0;
  for (const cell of cells) {
    const end = offset + cell.ch.length;
    const last = spans[spans.length - 1];
    if (!isPlain(cell.style)) {
      if (last && last.end === offset && sameStyle(last.style, cell.style)) last.end = end;
      else spans.push({ start: offset, end, style: cell.style });
    }
    offset = end;
  }
  return { text: cells.map((c) => c.ch).join(''), spans };
}
