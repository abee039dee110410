// One live tail: a source-specific Tailer polled on an adaptive schedule into a capped LineBuffer.
// The timer exists only while the tail is live, so stop() means no further request by construction.
import { ignoreFailures, isFailure, type FailureSink } from '../failures';
import { realClock, type Clock, type TimerHandle } from '../clock';
import { AdaptiveInterval, type IntervalOptions } from './adaptive-interval';
import { formatTimeOfDay } from '../time-format';
import { LineBuffer } from './line-buffer';

export interface PollResult {
  gotData: boolean;
  /** The source has nothing more to say (a finished job): stop for good. */
  ended?: boolean;
  /** Poll again at once (the serial port after a restart). */
  again?: boolean;
}

/** A source-specific poll step that appends what it found to the buffer. */
export interface Tailer {
  poll(buffer: LineBuffer): Promise<PollResult>;
  /** Foldable regions by absolute line index (job trace sections). */
  sections?(): Array<{ startLine: number; endLine?: number; collapsed: boolean }>;
}

export type TailState = 'live' | 'stopped' | 'ended' | 'failed';

export interface TailSessionOptions {
  maxLines: number;
  clock?: Clock;
  interval?: IntervalOptions;
  /** Where the first failure of a run (and a permanent one) is reported: the log. */
  onFailure?: FailureSink;
}

type Listener = () => void;

export class TailSession {
  readonly buffer: LineBuffer;
  private currentState: TailState = 'stopped';
  private timer: TimerHandle;
  private polling = false;
  private failureShown = false;
  /** Started once: a later start() is a resume. */
  private started = false;
  /** Stop/resume markers written while a poll was in flight. */
  private readonly deferredMarkers: string[] = [];
  private readonly interval: AdaptiveInterval;
  private readonly clock: Clock;
  private readonly onFailure: FailureSink;
  private readonly changeListeners = new Set<Listener>();
  private readonly stateListeners = new Set<Listener>();
  /** Why the tail failed or is retrying, for the status bar. */
  lastError: string | undefined;

  constructor(
    readonly title: string,
    private readonly tailer: Tailer,
    options: TailSessionOptions,
  ) {
    this.buffer = new LineBuffer(options.maxLines);
    this.clock = options.clock ?? realClock;
    this.onFailure = options.onFailure ?? ignoreFailures;
    this.interval = new AdaptiveInterval(this.clock, options.interval);
  }

  get state(): TailState {
    return this.currentState;
  }

  /** Starts or resumes polling (not after the source ended); a resume is marked in the log. */
  start(): void {
    if (this.currentState === 'live' || this.currentState === 'ended') return;
    if (this.started) this.mark(`[tail resumed at ${formatTimeOfDay(this.clock.now())}]`);
    this.started = true;
    this.setState('live');
    this.interval.gotData();
    // A poll still in flight (stopped and resumed quickly) schedules the next one itself.
    if (!this.polling) this.schedule(0);
  }

  /** Stops polling; the log says so, so a stopped log does not pass for a quiet one. */
  stop(): void {
    if (this.currentState !== 'live') return;
    this.cancelTimer();
    this.mark(`[tail stopped at ${formatTimeOfDay(this.clock.now())} — Resume Tail to continue]`);
    this.setState('stopped');
  }

  clear(): void {
    this.buffer.clear();
    this.emitChange();
  }

  /** Hidden tails poll slowly; becoming visible polls soon. */
  setVisible(visible: boolean): void {
    this.interval.setVisible(visible);
    if (visible && this.currentState === 'live' && !this.polling) {
      this.cancelTimer();
      this.schedule(this.interval.next());
    }
  }

  sections() {
    return this.tailer.sections?.() ?? [];
  }

  onDidChange(listener: Listener): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  onDidChangeState(listener: Listener): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  dispose(): void {
    this.cancelTimer();
    this.currentState = 'stopped';
    this.changeListeners.clear();
    this.stateListeners.clear();
  }

  private schedule(ms: number): void {
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      void this.pollOnce();
    }, ms);
  }

  private cancelTimer(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** A marker line now, or after the poll in flight, so the poll's lines do not land below it. */
  private mark(text: string): void {
    if (this.polling) {
      this.deferredMarkers.push(text);
      return;
    }
    this.buffer.appendMarker(text);
    this.emitChange();
  }

  private pollDone(): void {
    this.polling = false;
    const markers = this.deferredMarkers.splice(0);
    markers.forEach((text) => this.buffer.appendMarker(text));
    if (markers.length) this.emitChange();
  }

  private async pollOnce(): Promise<void> {
    if (this.currentState !== 'live') return;
    this.polling = true;
    let result: PollResult | undefined;
    try {
      result = await this.tailer.poll(this.buffer);
    } catch (error) {
      this.pollDone();
      this.handleFailure(error);
      return;
    }
    this.pollDone();
    this.failureShown = false;
    this.lastError = undefined;
    if (result.gotData) this.emitChange();
    if (result.ended) {
      this.setState('ended');
      return;
    }
    if (this.currentState !== 'live') return;
    if (result.gotData) this.interval.gotData();
    else this.interval.gotNothing();
    this.schedule(result.again ? 0 : this.interval.next());
  }

  private handleFailure(error: unknown): void {
    const failure = isFailure(error) ? error : undefined;
    const message = error instanceof Error ? error.message : String(error);
    this.lastError = message;
    if (failure?.permanent) {
      this.onFailure(failure);
      this.buffer.appendMarker(`[tail stopped: ${message}]`);
      this.emitChange();
      this.setState('failed');
      return;
    }
    this.interval.failed(failure?.retryAfterMs);
    if (!this.failureShown) {
      // One marker (and one log entry) per run of failures, so a flaky network does not flood either.
      this.failureShown = true;
      this.onFailure(error instanceof Error ? error : new Error(message));
      this.buffer.appendMarker(`[error: ${message}; retrying]`);
      this.emitChange();
    }
    if (this.currentState === 'live') this.schedule(this.interval.next());
    else this.stateListeners.forEach((l) => l());
  }

  private setState(state: TailState): void {
    this.currentState = state;
    this.stateListeners.forEach((l) => l());
  }

  private emitChange(): void {
    this.changeListeners.forEach((l) => l());
  }
}
