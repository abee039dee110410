// The lines a tail keeps: at most `maxLines`, the oldest dropped first and counted in a
// "[N older lines dropped]" line at the top. Lines have absolute indices (0 = the first line
// ever appended) so sections and decorations survive drops and Clear. The document's text is
// kept joined as lines arrive: VS Code asks for the whole text on every update, and joining
// 10,000 lines each time was a third of the extension host's work per update (docs/benchmarks.md).
import type { StyleSpan } from './trace-parser';

export interface TailLine {
  text: string;
  spans?: StyleSpan[];
  /** A line Runner Ops wrote (lost bytes, restart, job finished), not the source. */
  marker?: boolean;
}

export class LineBuffer {
  private kept: TailLine[] = [];
  private total = 0;
  private droppedByCap = 0;
  /** The last line has no newline yet: the next text continues it. */
  private lastOpen = false;
  /** The kept lines joined by newlines; undefined when a line changed in place (rebuilt on demand). */
  private keptText: string | undefined = '';

  constructor(private maxLines: number) {
    if (!(maxLines >= 1)) throw new RangeError(`maxLines must be at least 1, got ${maxLines}`);
  }

  /** Raw text: splits on newlines (`\r\n` too); an unfinished last line stays open. */
  appendText(text: string): void {
    if (!text) return;
    const pieces = text.replace(/\r\n/g, '\n').split('\n');
    const first = pieces.shift() ?? '';
    // "a\nb\n" splits to [a, b, ""]: the empty tail is where the next text goes.
    const closesLast = pieces.length > 0 && pieces[pieces.length - 1] === '';
    if (closesLast) pieces.pop();
    if (this.lastOpen) {
      const last = this.kept[this.kept.length - 1];
      this.kept[this.kept.length - 1] = { text: last.text + first };
      if (this.keptText !== undefined) this.keptText += first;
    } else this.push({ text: first });
    for (const piece of pieces) this.push({ text: piece });
    this.lastOpen = !closesLast && !(pieces.length === 0 && first === '');
    this.trim();
  }

  /** Whole lines; closes an open line first. */
  appendLines(lines: TailLine[]): void {
    this.lastOpen = false;
    for (const line of lines) this.push(line);
    this.trim();
  }

  appendMarker(text: string): void {
    this.appendLines([{ text, marker: true }]);
  }

  /** Replaces a line still kept (by absolute index); false when it was dropped. */
  update(index: number, line: TailLine): boolean {
    const at = index - this.firstIndex;
    if (at < 0 || at >= this.kept.length) return false;
    this.kept[at] = line;
    this.keptText = undefined;
    return true;
  }

  clear(): void {
    this.kept = [];
    this.keptText = '';
    this.droppedByCap = 0;
    this.lastOpen = false;
  }

  setMaxLines(maxLines: number): void {
    this.maxLines = Math.max(1, maxLines);
    this.trim();
  }

  /** Absolute index of the first kept line. */
  get firstIndex(): number {
    return this.total - this.kept.length;
  }

  /** Absolute index the next appended line will get. */
  get nextIndex(): number {
    return this.total;
  }

  get dropped(): number {
    return this.droppedByCap;
  }

  /** What the document shows, the drop marker first. */
  lines(): TailLine[] {
    return this.droppedByCap > 0
      ? [{ text: droppedMarker(this.droppedByCap), marker: true }, ...this.kept]
      : [...this.kept];
  }

  text(): string {
    this.keptText ??= this.kept.map((l) => l.text).join('\n');
    if (this.droppedByCap === 0) return this.keptText;
    const marker = droppedMarker(this.droppedByCap);
    return this.kept.length ? `${marker}\n${this.keptText}` : marker;
  }

  /** Document rows `from` to `to` (exclusive), the drop marker being row 0 when there is one. */
  rows(from: number, to: number): TailLine[] {
    if (this.droppedByCap === 0) return this.kept.slice(from, to);
    const marker = { text: droppedMarker(this.droppedByCap), marker: true };
    return [...(from <= 0 && to > 0 ? [marker] : []), ...this.kept.slice(Math.max(0, from - 1), Math.max(0, to - 1))];
  }

  /** Line `index` (absolute) if still kept. */
  line(index: number): TailLine | undefined {
    const at = index - this.firstIndex;
    return at >= 0 && at < this.kept.length ? this.kept[at] : undefined;
  }

  /** The document line showing absolute line `index`, or undefined when it was dropped or cleared. */
  documentLine(index: number): number | undefined {
    const at = index - this.firstIndex;
    if (at < 0 || at >= this.kept.length) return undefined;
    return at + (this.droppedByCap > 0 ? 1 : 0);
  }

  private push(line: TailLine): void {
    this.kept.push(line);
    this.total++;
    if (this.keptText !== undefined)
      this.keptText = this.kept.length === 1 ? line.text : `${this.keptText}\n${line.text}`;
  }

  private trim(): void {
    const excess = this.kept.length - this.maxLines;
    if (excess <= 0) return;
    const gone = this.kept.splice(0, excess);
    this.droppedByCap += excess;
    if (this.keptText === undefined) return;
    // The joined text loses the dropped lines and their newlines.
    const cut = gone.reduce((sum, line) => sum + line.text.length + 1, 0);
    this.keptText = this.kept.length ? this.keptText.slice(cut) : '';
  }
}

export const droppedMarker = (n: number) => `[${n} older line${n === 1 ? '' : 's'} dropped]`;
