// How long a tail waits before its next poll: fast while new data keeps arriving, slower while
// the source is quiet, slower still while nobody looks, doubling on errors, and never sooner than
// a server's Retry-After.
import type { Clock } from '../clock';
import { PACE } from '../pace';

/** Overrides of PACE.tails (the why of each is there). */
export type IntervalOptions = Partial<Pick<(typeof PACE)['tails'], 'fastMs' | 'quietMs' | 'hiddenMs' | 'maxErrorMs'>>;

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
    private readonly clock: Pick<Clock, 'now'>,
    options: IntervalOptions = {},
  ) {
    this.fastMs = options.fastMs ?? PACE.tails.fastMs;
    this.quietMs = options.quietMs ?? PACE.tails.quietMs;
    this.hiddenMs = options.hiddenMs ?? PACE.tails.hiddenMs;
    this.maxErrorMs = options.maxErrorMs ?? PACE.tails.maxErrorMs;
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
