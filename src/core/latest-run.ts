// A check run on demand, one run at a time, whose answer is shown only if nothing changed while it
// ran. Asked again during a run (a sign-in, a changed setting, the user's refresh), the run under
// way is out of date: its answer is dropped, never shown, and one more run follows at once.

export type RunOutcome<T> = { value: T; at: number } | { error: Error; at: number };

export class LatestRun<T> {
  private running?: Promise<T>;
  private outdated = false;

  constructor(
    private readonly task: () => Promise<T>,
    /** Gets each answer that is still current, success or failure. */
    private readonly publish: (outcome: RunOutcome<T>) => void,
    private readonly now: () => number = Date.now,
  ) {}

  get inFlight(): boolean {
    return this.running !== undefined;
  }

  /** Resolves with the first answer that is current when it comes (a run asked meanwhile included). */
  run(): Promise<T> {
    if (this.running) {
      this.outdated = true;
      return this.running;
    }
    const running = this.loop().finally(() => {
      this.running = undefined;
    });
    this.running = running;
    return running;
  }

  private async loop(): Promise<T> {
    for (;;) {
      this.outdated = false;
      let outcome: RunOutcome<T>;
      try {
        outcome = { value: await this.task(), at: this.now() };
      } catch (error) {
        outcome = { error: error instanceof Error ? error : new Error(String(error)), at: this.now() };
      }
      if (this.outdated) continue;
      this.publish(outcome);
      if ('error' in outcome) throw outcome.error;
      return outcome.value;
    }
  }
}
