// Hands a tree view's changes to VS Code so that each one is redrawn at once: at most one change
// per gap (PACE.treeChangeGapMs), the first at once and the rest merged into one at the gap's end.
// VS Code restarts its 200 ms debounce on every event; changes spaced wider than that are each
// taken on its leading edge, so a view filling in during a first load is drawn as it fills.
import type { Clock, TimerHandle } from './clock';

/** `undefined` is the whole tree; an array lists the elements that changed. */
export type Change<T> = T[] | undefined;

export class ChangePacer<T> {
  private lastSent = -Infinity;
  private pending: Set<T> | 'all' | undefined;
  private timer: TimerHandle | undefined;

  constructor(
    private readonly send: (change: Change<T>) => void,
    private readonly gapMs: number,
    private readonly clock: Clock,
  ) {}

  /** `element` undefined, null or void: the whole tree changed. */
  change(element?: T | T[] | null): void {
    if (element === undefined || element === null) this.pending = 'all';
    else if (this.pending !== 'all') {
      this.pending ??= new Set();
      for (const e of Array.isArray(element) ? element : [element]) this.pending.add(e);
    }
    if (this.timer !== undefined) return;
    const wait = this.lastSent + this.gapMs - this.clock.now();
    if (wait <= 0) this.flush();
    else this.timer = this.clock.setTimeout(() => this.flush(), wait);
  }

  /** VS Code was handed the whole tree another way (an ask it was kept waiting on): the next change waits out the gap. */
  answered(): void {
    this.lastSent = this.clock.now();
  }

  private flush(): void {
    this.timer = undefined;
    const pending = this.pending;
    this.pending = undefined;
    if (pending === undefined) return;
    this.lastSent = this.clock.now();
    this.send(pending === 'all' ? undefined : [...pending]);
  }

  dispose(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = undefined;
  }
}
