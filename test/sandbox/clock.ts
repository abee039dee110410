// Simulated time: runs `timeScale` times faster than the wall clock and can be advanced by tests.
export class SandboxClock {
  private offsetMs = 0;
  private readonly startReal = Date.now();

  constructor(readonly timeScale = 1) {}

  /** Simulated epoch milliseconds. */
  now(): number {
    return this.startReal + (Date.now() - this.startReal) * this.timeScale + this.offsetMs;
  }

  nowIso(): string {
    return new Date(this.now()).toISOString();
  }

  /** Jump simulated time forward (tests). The world's next tick sees the jump. */
  advance(ms: number): void {
    this.offsetMs += ms;
  }
}
