// Idle cost (issue 13): requests that reach the sandbox while nobody acts, over simulated minutes.
// The three fleet views' real schedulers (src/core/polling.ts) at the views' pace (paceFor, the
// default runnerOps.refresh.slowSeconds), each refreshing the FleetStore as src/views/index.ts
// does, over the production adapters; the clock is injected and moved on by hand, and each run a
// timer starts is awaited (real requests to the in-process sandbox) before time moves again.
import { FleetStore, type FleetArea } from '../src/core/fleet-store';
import type { Clock, TimerHandle } from '../src/core/clock';
import { areaInMotion } from '../src/core/motion';
import { paceFor, SLOW_SECONDS } from '../src/core/pace';
import { PollingScheduler } from '../src/core/polling';
import { startSandbox } from '../test/sandbox/server';
import type { loadAdapters } from './refresh';

/** The fleet views and the areas each reads, its own first (src/views/index.ts). */
const VIEWS: Record<string, FleetArea[]> = {
  'Runner VMs': ['workers', 'runners'],
  'Registered Runners': ['runners', 'workers'],
  Pipelines: ['pipelines', 'runners', 'workers'],
};

/** A clock whose timers fire only when `advance` reaches them; each fired run is awaited. */
class SteppedClock implements Clock {
  private time = Date.now();
  private nextId = 1;
  private readonly timers = new Map<number, { due: number; fn: () => void }>();
  readonly running = new Set<Promise<unknown>>();
  now = () => this.time;
  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = this.nextId++;
    this.timers.set(id, { due: this.time + Math.max(0, ms), fn });
    return id;
  }
  clearTimeout(handle: TimerHandle): void {
    this.timers.delete(handle as number);
  }
  async advance(ms: number): Promise<void> {
    const until = this.time + ms;
    for (;;) {
      await this.settle();
      const due = [...this.timers.entries()].filter(([, t]) => t.due <= until).sort((a, b) => a[1].due - b[1].due)[0];
      if (!due) break;
      this.timers.delete(due[0]);
      this.time = due[1].due;
      due[1].fn();
    }
    this.time = until;
  }
  private async settle(): Promise<void> {
    while (this.running.size) await Promise.all([...this.running]);
    await new Promise((r) => setImmediate(r));
  }
}

export interface IdleResult {
  seed: string;
  minutes: number;
  slowSeconds: number;
  /** Requests in each simulated minute, per case. */
  hidden: number[];
  unfocused: number[];
  visible: number[];
  /** The views whose own area was in motion at the end of the visible case (must be none). */
  inMotion: string[];
  /** Requests of the visible case by the view whose timer sent them (a view also reads the areas it borrows). */
  byView: Record<string, number>;
  views: number;
}

export async function measureIdle(
  adapters: ReturnType<typeof loadAdapters>,
  minutes: number,
  progress: (m: string) => void,
): Promise<IdleResult> {
  const seed = 'small';
  const sandbox = await startSandbox({ seed });
  const s = sandbox.settings;
  const slowSeconds = SLOW_SECONDS.default;
  const compute = new adapters.ComputeAdapter({
    gcpProject: s['runnerOps.gcp.project'],
    gcpZones: s['runnerOps.gcp.zones'],
    instanceFilter: s['runnerOps.gcp.instanceFilter'],
    credentials: 'none',
    endpoints: s['runnerOps.gcp.endpoints'],
  });
  const gitlab = new adapters.GitLabFleet(sandbox.url, sandbox.tokens.admin);
  try {
    const clock = new SteppedClock();
    const store = new FleetStore({
      compute: async () => compute,
      gitlab: async () => gitlab,
      projects: s['runnerOps.gitlab.projects'] as string[],
      now: clock.now,
    });
    const byView: Record<string, number> = {};
    const schedulers = Object.entries(VIEWS).map(
      ([view, areas]) =>
        new PollingScheduler({
          clock,
          pace: () => paceFor({ slowSeconds }).views,
          refresh: () => {
            const run = (async () => {
              const mark = sandbox.requests.mark();
              await store.refresh(areas[0], areas.slice(1));
              await new Promise((r) => setImmediate(r)); // the log entry lands on the response's 'close'
              byView[view] = (byView[view] ?? 0) + count(mark);
              const error = store.errorOf(areas);
              if (error) throw error;
              return { transitional: areaInMotion(store, areas[0]) };
            })();
            clock.running.add(run);
            void run.finally(() => clock.running.delete(run)).catch(() => undefined);
            return run;
          },
        }),
    );
    const count = (mark: number) => sandbox.requests.since(mark).filter((r) => r.api !== 'sandbox').length;
    const phase = async (name: string, set: (p: PollingScheduler) => void) => {
      progress(`idle: ${name}, ${minutes} simulated minutes`);
      schedulers.forEach(set);
      const perMinute: number[] = [];
      for (let minute = 0; minute < minutes; minute++) {
        const mark = sandbox.requests.mark();
        await clock.advance(60_000);
        perMinute.push(count(mark));
      }
      return perMinute;
    };
    // Opened once (the first read of everything), then the cases.
    schedulers.forEach((p) => (p.setFocused(true), p.setVisible(true)));
    await clock.advance(1_000);
    const hidden = await phase('views hidden', (p) => p.setVisible(false));
    const unfocused = await phase('views shown, window unfocused', (p) => (p.setFocused(false), p.setVisible(true)));
    Object.keys(byView).forEach((k) => delete byView[k]);
    // Back in focus: the stale views read at once (counted here), then the slow pace.
    const visible = await phase('views shown, window focused', (p) => p.setFocused(true));
    const inMotion = Object.entries(VIEWS)
      .filter(([, areas]) => areaInMotion(store, areas[0]))
      .map(([view]) => view);
    schedulers.forEach((p) => p.dispose());
    return { seed, minutes, slowSeconds, hidden, unfocused, visible, inMotion, byView, views: schedulers.length };
  } finally {
    await compute.close();
    await sandbox.close();
  }
}
