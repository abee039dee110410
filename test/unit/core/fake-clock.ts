// A clock whose time moves only when a test says so. Timers fire in due order, and the promise
// chains they start settle before `advance` returns, so a test reads like a timeline.
import type { Clock, TimerHandle } from '../../../src/core/clock';

interface PendingTimer {
  readonly id: number;
  readonly dueAt: number;
  readonly fn: () => void;
}

export class FakeClock implements Clock {
  private time: number;
  private nextId = 1;
  private readonly timers = new Map<number, PendingTimer>();

  constructor(start = Date.parse('2025-06-02T09:00:00Z')) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = this.nextId++;
    this.timers.set(id, { id, dueAt: this.time + Math.max(0, ms), fn });
    return id;
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers.delete(handle as number);
  }

  get pendingTimers(): number {
    return this.timers.size;
  }

  /** Milliseconds until the earliest pending timer fires, or undefined when none is pending. */
  get nextTimerIn(): number | undefined {
    const due = [...this.timers.values()].map((t) => t.dueAt);
    return due.length ? Math.min(...due) - this.time : undefined;
  }

  /** Moves time forward, firing every timer that falls due on the way, each at its own time. */
  async advance(ms: number): Promise<void> {
    const until = this.time + ms;
    await settle();
    for (let timer = this.earliestDue(until); timer; timer = this.earliestDue(until)) {
      this.timers.delete(timer.id);
      this.time = timer.dueAt;
      timer.fn();
      await settle();
    }
    this.time = until;
  }

  private earliestDue(until: number): PendingTimer | undefined {
    let earliest: PendingTimer | undefined;
    for (const t of this.timers.values()) {
      if (
        t.dueAt <= until &&
        (!earliest || t.dueAt < earliest.dueAt || (t.dueAt === earliest.dueAt && t.id < earliest.id))
      )
        earliest = t;
    }
    return earliest;
  }
}

/** Lets pending promise callbacks run (no I/O is involved, so one macrotask turn drains them). */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
