// Polite polling: nothing while the views are hidden or the window is unfocused, fast only while
// something is changing, backing off on errors and honouring Retry-After. Each poller owns at
// most one timer, and has one exactly while it should poll, so stopping is by construction. The
// clock is injected so tests drive time instead of sleeping; the intervals come from core/pace.ts.
import { realClock, type Clock, type TimerHandle } from './clock';
import { PACE, type Pace } from './pace';
import { isFailure } from './failures';

export interface RefreshOutcome {
  /** Something shown is still changing on its own (a STAGING VM, a running pipeline): poll fast. */
  readonly transitional: boolean;
}

export interface PollingSchedulerOptions {
  /**
   * Fetches and stores fresh data. It records its own failures for display; rejecting tells the
   * scheduler to back off (a Failure's `retryAfterMs` sets a floor on the next delay).
   */
  readonly refresh: () => Promise<RefreshOutcome>;
  readonly clock?: Clock;
  /** Read before each wait, so a changed setting applies from the next poll on. */
  readonly pace?: () => Pace['views'];
}

export class PollingScheduler {
  private readonly refresh: () => Promise<RefreshOutcome>;
  private readonly clock: Clock;
  private readonly pace: () => Pace['views'];

  // Focus starts true: VS Code activates extensions in a focused window; the views layer
  // corrects it from `window.state.focused`. Visibility starts false: nothing polls until shown.
  private visible = false;
  private focused = true;
  private disposed = false;

  private timer: TimerHandle | undefined;
  private inFlight: Promise<void> | undefined;
  private lastRunAt: number | undefined;
  private transitional = false;
  /** The current run; an abandoned run's outcome is ignored. */
  private runId = 0;
  private consecutiveErrors = 0;
  private retryAfterMs = 0;

  constructor(options: PollingSchedulerOptions) {
    this.refresh = options.refresh;
    this.clock = options.clock ?? realClock;
    this.pace = options.pace ?? (() => PACE.views);
  }

  get active(): boolean {
    return this.visible && this.focused && !this.disposed;
  }

  get hasTimer(): boolean {
    return this.timer !== undefined;
  }

  setVisible(visible: boolean): void {
    this.visible = visible;
    this.reschedule();
  }

  setFocused(focused: boolean): void {
    this.focused = focused;
    this.reschedule();
  }

  /**
   * The manual refresh: runs now even while inactive (the user asked), or joins the run already
   * in flight. Resolves when that run ends, whether it succeeded or not.
   */
  refreshNow(): Promise<void> {
    if (this.disposed) return Promise.resolve();
    if (!this.inFlight) {
      this.clearTimer();
      const id = ++this.runId;
      // `finally` runs asynchronously even if refresh throws at once, so inFlight is set first.
      this.inFlight = this.run(id).finally(() => {
        if (id !== this.runId) return; // abandoned by invalidate(): the newer run owns the state
        this.inFlight = undefined;
        this.reschedule();
      });
    }
    return this.inFlight;
  }

  /**
   * What it showed is out of date (new settings, a new session, the user's refresh): read again
   * now while active, else as soon as it becomes active. A run in flight is abandoned, not
   * awaited: it may read old settings from a server that no longer answers, and must not hold up
   * the read of the new ones.
   */
  invalidate(): void {
    if (this.disposed) return;
    this.lastRunAt = undefined;
    if (this.inFlight) {
      this.runId++;
      this.inFlight = undefined;
    }
    this.reschedule();
  }

  /** The delay the next automatic run waits after the previous one ended; Infinity: only on demand. */
  get currentDelayMs(): number {
    const { fastMs, slowMs, maxBackoffMs, failedReadRetryMs } = this.pace();
    const interval = this.transitional ? fastMs : slowMs;
    if (this.consecutiveErrors === 0) return interval;
    // On demand (no interval): a failed read is still tried again, from failedReadRetryMs on.
    const base = Number.isFinite(interval) ? interval : failedReadRetryMs;
    return Math.max(Math.min(maxBackoffMs, base * 2 ** this.consecutiveErrors), this.retryAfterMs);
  }

  dispose(): void {
    this.disposed = true;
    this.clearTimer();
  }

  private async run(id: number): Promise<void> {
    try {
      const outcome = await this.refresh();
      if (id !== this.runId) return;
      this.transitional = outcome.transitional;
      this.consecutiveErrors = 0;
      this.retryAfterMs = 0;
    } catch (error) {
      if (id !== this.runId) return;
      this.consecutiveErrors++;
      this.retryAfterMs = retryAfterMs(error);
    }
    this.lastRunAt = this.clock.now();
  }

  /** Keeps the invariant: a timer exists exactly while active and no run is in flight. */
  private reschedule(): void {
    this.clearTimer();
    if (!this.active || this.inFlight) return;
    const dueIn = this.lastRunAt === undefined ? 0 : this.lastRunAt + this.currentDelayMs - this.clock.now();
    if (!Number.isFinite(dueIn)) return; // on demand only: nothing until invalidated or asked
    // Coming back into view after the data went stale refreshes at once; a quick toggle does not.
    this.timer = this.clock.setTimeout(
      () => {
        this.timer = undefined;
        void this.refreshNow();
      },
      Math.max(0, dueIn),
    );
  }

  private clearTimer(): void {
    if (this.timer === undefined) return;
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/** The wait a server asked for (GitLab's Retry-After, Google's quota wait), 0 if none. */
export function retryAfterMs(error: unknown): number {
  return isFailure(error) ? (error.retryAfterMs ?? 0) : 0;
}

export type PollOutcome = 'again' | 'done';

export interface PollingSetOptions<K> {
  /** Polls one item; 'done' once it has settled (the canceled run is no longer canceling). */
  readonly poll: (key: K) => Promise<PollOutcome>;
  readonly clock?: Clock;
  readonly intervalMs?: number;
  /** Polls per item before giving up on it, so a stuck item cannot poll forever. */
  readonly maxPolls?: number;
}

/**
 * Items to poll briefly after a mutation (cancel a pipeline: watch that one, PACE.afterAction) instead
 * of refreshing everything. One timer for the set, existing exactly while the set is non-empty
 * and no round is in flight.
 */
export class PollingSet<K> {
  private readonly poll: (key: K) => Promise<PollOutcome>;
  private readonly clock: Clock;
  private readonly intervalMs: number;
  private readonly maxPolls: number;
  private readonly pollsLeft = new Map<K, number>();
  private timer: TimerHandle | undefined;
  private polling = false;
  /** Re-added while a round was in flight: that round's answer predates the new mutation. */
  private readonly restarted = new Set<K>();

  constructor(options: PollingSetOptions<K>) {
    this.poll = options.poll;
    this.clock = options.clock ?? realClock;
    this.intervalMs = options.intervalMs ?? PACE.afterAction.intervalMs;
    this.maxPolls = options.maxPolls ?? PACE.afterAction.maxPolls;
  }

  /** Starts (or restarts) the brief watch of one item. */
  add(key: K): void {
    this.pollsLeft.set(key, this.maxPolls);
    if (this.polling) this.restarted.add(key);
    this.schedule();
  }

  delete(key: K): void {
    this.pollsLeft.delete(key);
    if (this.pollsLeft.size === 0) this.clearTimer();
  }

  has(key: K): boolean {
    return this.pollsLeft.has(key);
  }

  get size(): number {
    return this.pollsLeft.size;
  }

  get hasTimer(): boolean {
    return this.timer !== undefined;
  }

  dispose(): void {
    this.pollsLeft.clear();
    this.clearTimer();
  }

  private schedule(): void {
    if (this.timer !== undefined || this.polling || this.pollsLeft.size === 0) return;
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      void this.round();
    }, this.intervalMs);
  }

  private async round(): Promise<void> {
    this.polling = true;
    const keys = [...this.pollsLeft.keys()];
    const outcomes = await Promise.allSettled(keys.map((key) => this.poll(key)));
    keys.forEach((key, i) => {
      const left = this.pollsLeft.get(key);
      if (left === undefined || this.restarted.has(key)) return; // deleted or restarted meanwhile
      const outcome = outcomes[i];
      // A failed poll uses up one try like any other: the budget bounds errors too.
      if ((outcome.status === 'fulfilled' && outcome.value === 'done') || left <= 1) this.pollsLeft.delete(key);
      else this.pollsLeft.set(key, left - 1);
    });
    this.polling = false;
    this.restarted.clear();
    this.schedule();
  }

  private clearTimer(): void {
    if (this.timer === undefined) return;
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }
}
