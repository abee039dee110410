// Simulated time: runs `timeScale` times faster than the wall clock and can be advanced by tests.
// Its timers (the `slow` and `latency` faults, and a product clock in soak tests) wait on simulated
// time: `timeScale` times shorter on the wall clock, and at once for what an `advance` jumps over.

interface SimulatedTimer {
  readonly dueAt: number;
  readonly fn: () => void;
  real?: ReturnType<typeof setTimeout>;
}

export class SandboxClock {
  private offsetMs = 0;
  private readonly startReal = Date.now();
  private readonly timers = new Set<SimulatedTimer>();

  constructor(readonly timeScale = 1) {}

  /** Simulated epoch milliseconds. */
  now(): number {
    return this.startReal + (Date.now() - this.startReal) * this.timeScale + this.offsetMs;
  }

  nowIso(): string {
    return new Date(this.now()).toISOString();
  }

  /** Jump simulated time forward (tests). The world's next tick sees the jump; timers now due fire. */
  advance(ms: number): void {
    this.offsetMs += ms;
    for (const timer of this.timers) this.arm(timer);
  }

  /** Calls `fn` once `ms` simulated milliseconds have passed. The same shape as the product's Clock. */
  setTimeout(fn: () => void, ms: number): unknown {
    const timer: SimulatedTimer = { dueAt: this.now() + Math.max(0, ms), fn };
    this.timers.add(timer);
    this.arm(timer);
    return timer;
  }

  clearTimeout(handle: unknown): void {
    const timer = handle as SimulatedTimer;
    clearTimeout(timer.real);
    this.timers.delete(timer);
  }

  /** Resolves after `ms` simulated milliseconds. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.setTimeout(resolve, ms));
  }

  /** (Re)starts the wall-clock timer for what is left; the clock may have jumped since. */
  private arm(timer: SimulatedTimer): void {
    clearTimeout(timer.real);
    const left = timer.dueAt - this.now();
    timer.real = setTimeout(
      () => {
        if (timer.dueAt > this.now()) return this.arm(timer); // woke a rounding early
        this.timers.delete(timer);
        timer.fn();
      },
      Math.max(0, Math.ceil(left / this.timeScale)),
    );
  }
}
