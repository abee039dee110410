// A min-heap of timed callbacks on simulated time: the world acts only when something is due,
// so thousands of idle VMs cost nothing per tick.
export type Task = (at: number) => void;

interface Entry {
  at: number;
  seq: number;
  task: Task;
}

export class Scheduler {
  private readonly heap: Entry[] = [];
  private seq = 0;
  /** While a task runs: its due time, so work it starts is timed from then, not from "now". */
  runningAt: number | undefined;

  at(time: number, task: Task): void {
    this.heap.push({ at: time, seq: this.seq++, task });
    this.up(this.heap.length - 1);
  }

  /** Runs every task due by `now` in time order; tasks may schedule more (run if due too). */
  runUntil(now: number): void {
    while (this.heap.length > 0 && this.heap[0].at <= now) {
      const entry = this.pop();
      const outer = this.runningAt;
      this.runningAt = entry.at;
      try {
        entry.task(entry.at);
      } finally {
        this.runningAt = outer;
      }
    }
  }

  get size(): number {
    return this.heap.length;
  }

  private pop(): Entry {
    const top = this.heap[0];
    const last = this.heap.pop()!;
    if (this.heap.length > 0) {
      this.heap[0] = last;
      this.down(0);
    }
    return top;
  }

  private less(a: Entry, b: Entry): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private up(i: number): void {
    const h = this.heap;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(h[i], h[parent])) break;
      [h[i], h[parent]] = [h[parent], h[i]];
      i = parent;
    }
  }

  private down(i: number): void {
    const h = this.heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let best = i;
      if (l < h.length && this.less(h[l], h[best])) best = l;
      if (r < h.length && this.less(h[r], h[best])) best = r;
      if (best === i) return;
      [h[i], h[best]] = [h[best], h[i]];
      i = best;
    }
  }
}
