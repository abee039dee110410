// What an operator does to the fleet: pause/resume a runner, retry/cancel a pipeline, run a
// schedule now. Each action calls GitLab, marks its row busy while it runs, patches the store
// with GitLab's answer, and watches a pipeline it set in motion briefly (PACE.afterAction) instead of
// refreshing everything. Commands only ask (pickers, confirmations) and tell (messages).
import { Failure } from './failures';
import type { FleetArea, FleetStore } from './fleet-store';
import type { Pipeline, PipelineSchedule, Project, Runner } from './model';
import type { Clock } from './clock';
import { PollingSet } from './polling';
import type { GitLabPort } from './ports';
import { pipelineStatus } from './status-table';

/** A row with an action in flight, as the views look it up in `store.busy`. */
export type BusyKey = `runner:${number}` | `pipeline:${number}` | `schedule:${number}`;

export const busyKey = {
  runner: (id: number): BusyKey => `runner:${id}`,
  pipeline: (id: number): BusyKey => `pipeline:${id}`,
  schedule: (id: number): BusyKey => `schedule:${id}`,
};

export type FleetAction = 'pause' | 'resume' | 'retry' | 'cancel' | 'runSchedule';

/** What a busy row says instead of its status while the action runs. */
export const BUSY_LABEL: Record<FleetAction, string> = {
  pause: 'Pausing…',
  resume: 'Resuming…',
  retry: 'Retrying…',
  cancel: 'Canceling…',
  runSchedule: 'Starting…',
};

/** The area whose views show a busy row, so only they redraw. */
export function busyArea(key: BusyKey): FleetArea {
  return key.startsWith('runner:') ? 'runners' : 'pipelines';
}

// Which pipelines an action applies to (GitLab refuses the others).
const CANCELABLE = new Set(['created', 'waiting_for_resource', 'preparing', 'pending', 'running', 'scheduled']);
const RETRYABLE = new Set(['failed', 'canceled']);
export const canCancel = (pipeline: Pick<Pipeline, 'status'>): boolean => CANCELABLE.has(pipeline.status);
export const canRetry = (pipeline: Pick<Pipeline, 'status'>): boolean => RETRYABLE.has(pipeline.status);

export interface FleetActionsOptions {
  clock?: Clock;
  /** The brief watch after an action: one poll per interval, at most `watchPolls` times (PACE.afterAction by default). */
  watchIntervalMs?: number;
  watchPolls?: number;
}

export class FleetActions {
  /** Keyed by pipeline id: cancel then retry of one pipeline is one watch, not two. */
  private readonly watch: PollingSet<number>;

  /** `store` is read on each use: the services replace it when settings or the session change. */
  constructor(
    private readonly store: () => FleetStore,
    options: FleetActionsOptions = {},
  ) {
    this.watch = new PollingSet<number>({
      clock: options.clock,
      intervalMs: options.watchIntervalMs,
      maxPolls: options.watchPolls,
      poll: (pipelineId) => this.pollPipeline(pipelineId),
    });
  }

  /** Whether a pipeline is being watched after an action on it. */
  watching(pipelineId: number): boolean {
    return this.watch.has(pipelineId);
  }

  /**
   * Pauses or resumes, unless GitLab already has the runner that way: then nothing is sent and
   * `already` says so (another window or person got there first, after this view was read).
   */
  async setRunnerPaused(runner: Runner, paused: boolean): Promise<{ runner: Runner; already: boolean }> {
    const store = this.store();
    return this.busy(store, busyKey.runner(runner.id), paused ? 'pause' : 'resume', async (gitlab) => {
      const current = await gitlab.runner(runner.id);
      const already = current.paused === paused;
      const updated = already ? current : await gitlab.setRunnerPaused(runner.id, paused);
      store.updateRunner(updated);
      return { runner: updated, already };
    }).finally(() => void store.refresh('runners').catch(() => undefined));
  }

  async retryPipeline(pipeline: Pipeline): Promise<Pipeline> {
    return this.pipelineAction(pipeline, 'retry', (gitlab) => gitlab.retryPipeline(pipeline.projectId, pipeline.id));
  }

  async cancelPipeline(pipeline: Pipeline): Promise<Pipeline> {
    return this.pipelineAction(pipeline, 'cancel', (gitlab) => gitlab.cancelPipeline(pipeline.projectId, pipeline.id));
  }

  /**
   * Plays the schedule and finds the pipeline it started: the schedule's last pipeline, or else
   * the newest pipeline on its ref. Undefined when GitLab has not listed it yet.
   */
  async runSchedule(project: Project, schedule: PipelineSchedule): Promise<Pipeline | undefined> {
    const store = this.store();
    return this.busy(store, busyKey.schedule(schedule.id), 'runSchedule', async (gitlab) => {
      const before = schedule.lastPipeline?.id ?? 0;
      await gitlab.playSchedule(project.id, schedule.id);
      const started = await newScheduledPipeline(gitlab, project.id, schedule, before);
      if (started) {
        store.updatePipeline(started);
        if (pipelineStatus(started.status).transitional) this.watch.add(started.id);
      }
      void store.loadSchedules(project.id).catch(() => undefined);
      return started;
    });
  }

  dispose(): void {
    this.watch.dispose();
  }

  private async pipelineAction(
    pipeline: Pipeline,
    action: 'retry' | 'cancel',
    call: (gitlab: GitLabPort) => Promise<Pipeline>,
  ): Promise<Pipeline> {
    const store = this.store();
    return this.busy(store, busyKey.pipeline(pipeline.id), action, async (gitlab) => {
      const updated = await call(gitlab);
      store.updatePipeline(updated);
      this.watch.add(updated.id);
      return updated;
    });
  }

  /** Marks the row busy for the duration of `run`, whatever its outcome. */
  private async busy<T>(
    store: FleetStore,
    key: BusyKey,
    action: FleetAction,
    run: (gitlab: GitLabPort) => Promise<T>,
  ): Promise<T> {
    const gitlab = await store.gitlab();
    if (!gitlab) throw new Failure({ source: 'gitlab', kind: 'unauthorized', message: 'Sign in to GitLab first.' });
    store.setBusy(key, BUSY_LABEL[action]);
    try {
      return await run(gitlab);
    } finally {
      store.setBusy(key, undefined);
    }
  }

  private async pollPipeline(pipelineId: number): Promise<'again' | 'done'> {
    const store = this.store();
    const gitlab = await store.gitlab();
    const pipeline = store.findPipeline(pipelineId);
    if (!gitlab || !pipeline) return 'done';
    const fresh = await gitlab.pipeline(pipeline.projectId, pipeline.id);
    store.updatePipeline(fresh);
    if (store.pipelineJobs.has(pipeline.id)) await store.loadPipelineJobs(pipeline.projectId, pipeline.id);
    return pipelineStatus(fresh.status).transitional ? 'again' : 'done';
  }
}

async function newScheduledPipeline(
  gitlab: GitLabPort,
  projectId: number,
  schedule: PipelineSchedule,
  before: number,
): Promise<Pipeline | undefined> {
  const last = (await gitlab.schedule(projectId, schedule.id)).lastPipeline;
  if (last && last.id > before) return gitlab.pipeline(projectId, last.id);
  const { pipelines } = await gitlab.pipelines(projectId, 1);
  return pipelines.find((p) => p.ref === schedule.ref && p.id > before);
}
