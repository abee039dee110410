// A VM's serial port: bytes numbered from the start of the boot, only the last 1 MiB kept.
// getSerialPortOutput semantics: a `start` older than what is kept moves forward (and is returned
// as `start`), a negative `start` means "the last N bytes", `next` is where to continue.
export const SERIAL_BUFFER_BYTES = 1024 * 1024;

export interface SerialRead {
  contents: string;
  start: number;
  next: number;
}

export class SerialPort {
  /** Text is kept as strings until read (cheap for thousands of idle consoles); cut ends as bytes. */
  private chunks: Array<string | Buffer> = [];
  private keptBytes = 0;
  /** Total bytes ever written this boot; the offset of the next byte. */
  private written = 0;

  constructor(private readonly capacity = SERIAL_BUFFER_BYTES) {}

  get next(): number {
    return this.written;
  }

  get oldestKept(): number {
    return this.written - this.keptBytes;
  }

  write(text: string): void {
    const length = Buffer.byteLength(text, 'utf8');
    if (length === 0) return;
    this.chunks.push(text);
    this.keptBytes += length;
    this.written += length;
    this.trim();
  }

  read(requestedStart: number): SerialRead {
    let start = requestedStart < 0 ? this.written + requestedStart : requestedStart;
    start = Math.max(start, this.oldestKept);
    if (start >= this.written) return { contents: '', start: Math.min(start, this.written), next: this.written };
    const kept = Buffer.concat(this.chunks.map((c) => (typeof c === 'string' ? Buffer.from(c, 'utf8') : c)));
    this.chunks = [kept];
    return { contents: kept.subarray(start - this.oldestKept).toString('utf8'), start, next: this.written };
  }

  private trim(): void {
    while (this.keptBytes > this.capacity) {
      const excess = this.keptBytes - this.capacity;
      const first = this.chunks[0];
      const firstBytes = typeof first === 'string' ? Buffer.byteLength(first, 'utf8') : first.length;
      if (firstBytes <= excess) {
        this.chunks.shift();
        this.keptBytes -= firstBytes;
      } else {
        this.chunks[0] = (typeof first === 'string' ? Buffer.from(first, 'utf8') : first).subarray(excess);
        this.keptBytes -= excess;
      }
    }
  }
}
