// Where a serial-port tail stands, and what each getSerialPortOutput answer means for the reader.
//
// Offsets are bytes, contents is text: the API numbers the port's bytes (`start`, `next`) but
// returns `contents` as an already-decoded string. So the cursor advances with `next`, never with
// `contents.length`. When a read boundary splits a multi-byte UTF-8 character, the server's
// decoder turns the partial bytes into U+FFFD. We detect that by comparing the UTF-8 length of
// `contents` with `next - start`: a trailing U+FFFD that stands for fewer bytes than it encodes to
// (3) is a split character, so we drop it and set the cursor back to that character's first byte;
// the next read returns it whole. Leading U+FFFDs appear when the window (the last N bytes, or the
// 1 MB buffer moving on) starts inside a character: those bytes are gone, so we drop them.
import { PACE } from '../pace';
import type { SerialRead } from './ports';

const REPLACEMENT = '\uFFFD';
const REPLACEMENT_BYTES = 3;

export type SerialEvent = { kind: 'text'; text: string } | { kind: 'lost'; bytes: number } | { kind: 'restarted' };

export interface SerialStep {
  events: SerialEvent[];
  /** True when the caller should read again at once (after a restart, to fetch the new boot). */
  readAgain: boolean;
}

export class SerialCursor {
  private cursor: number | undefined;

  /** @param initialBytes how much of the existing output the first read shows. */
  constructor(private readonly initialBytes = PACE.tails.serialInitialBytes) {}

  /** The `start` for the next read: negative (the last N bytes) before the first answer. */
  nextStart(): number {
    return this.cursor ?? -this.initialBytes;
  }

  /** The byte offset of the next unread byte, once known. */
  get position(): number | undefined {
    return this.cursor;
  }

  accept(read: SerialRead): SerialStep {
    const requested = this.cursor;
    const events: SerialEvent[] = [];
    if (requested !== undefined && read.next < requested) {
      // The port counts from zero again each boot: an offset going backwards is a new boot.
      this.cursor = 0;
      return { events: [{ kind: 'restarted' }], readAgain: true };
    }
    let atWindowStart = requested === undefined;
    if (requested !== undefined && read.start > requested) {
      events.push({ kind: 'lost', bytes: read.start - requested });
      atWindowStart = true;
    }
    let text = read.contents;
    let next = read.next;
    // Bytes the re-encoded text has beyond what the server counted: +2 for each U+FFFD that
    // stands for one stray byte, +1/+2 (or 0) for one that stands for a cut character's 2/1 (or 3) bytes.
    let excess = utf8Length(text) - (read.next - read.start);
    if (atWindowStart) {
      let dropped = 0;
      while (dropped < 3 && excess >= 2 && text[dropped] === REPLACEMENT) {
        dropped++;
        excess -= 2;
      }
      text = text.slice(dropped);
    }
    if (text.endsWith(REPLACEMENT) && excess >= 0 && excess < REPLACEMENT_BYTES) {
      // The last character was cut: its (3 - excess) bytes are read again, whole, next time. (A
      // genuine U+FFFD at the very end looks the same and just waits for the next output.)
      text = text.slice(0, -1);
      next -= REPLACEMENT_BYTES - excess;
    }
    if (text) events.push({ kind: 'text', text });
    this.cursor = next;
    return { events, readAgain: false };
  }
}

export function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}
