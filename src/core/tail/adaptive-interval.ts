// How long a tail waits before its next poll: fast while new data keeps arriving, slower while
// the source is quiet, slower still while nobody looks, doubling on errors, and never sooner than
// a server's Retry-After.

export interface IntervalOptions {
  fastMs?: number;
  /** Ceiling while quiet: with request and render time, a new line shows within 2 s while watched. */
  quietMs?: number;
  /** Ceiling while the tail's editor is hidden. */
  hiddenMs?: number;
  maxErrorMs?: number;
}

export interface Clock {
  now(): number;
}

export class AdaptiveInterval {
  private delay: number;
  private errors = 0;
  private visible = true;
  private notBefore = 0;
  private readonly fastMs: number;
  private readonly quietMs: number;
  private readonly hiddenMs: number;
  private readonly maxErrorMs: number;

  constructor(
    private readonly clock: Clock,
    options: IntervalOptions = {},
  ) {
    this.fastMs = options.fastMs ?? 500;
    this.quietMs = options.quietMs ?? 1_000;
    this.hiddenMs = options.hiddenMs ?? 10_000;
    this.maxErrorMs = options.maxErrorMs ?? 60_000;
    this.delay = this.fastMs;
  }

  /** A poll brought new data: stay fast. */
  gotData(): void {
    this.errors = 0;
    this.delay = this.fastMs;
  }

  /** A poll brought nothing: slow down gradually. */
  gotNothing(): void {
    this.errors = 0;
    this.delay = Math.min(Math.round(this.delay * 1.5), this.ceiling());
  }

  /** A poll failed: double the wait per consecutive error; honour Retry-After. */
  failed(retryAfterMs?: number): void {
    this.errors++;
    this.delay = Math.min(this.fastMs * 2 ** (this.errors + 1), this.maxErrorMs);
    if (retryAfterMs !== undefined && retryAfterMs > 0) this.notBefore = this.clock.now() + retryAfterMs;
  }

  setVisible(visible: boolean): void {
    this.visible = visible;
    if (visible) this.delay = Math.min(this.delay, this.quietMs);
  }

  /** Milliseconds until the next poll. */
  next(): number {
    const wait = Math.min(this.delay, this.errors > 0 ? this.maxErrorMs : this.ceiling());
    return Math.max(wait, this.notBefore - this.clock.now(), 0);
  }

  private ceiling(): number {
    return this.visible ? this.quietMs : this.hiddenMs;
  }
}
