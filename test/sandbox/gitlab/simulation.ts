// The living GitLab: pipelines advance stage by stage, pending jobs are picked by runners that
// are polling right now, traces grow, schedules fire. Runner processes (simulated by the Google
// half) reach it through runnerCheckIn / runnerHostGone.
import type { RunnerHost } from '../world';
import { nextCronRun } from './cron';
import { CANCELABLE, COMPLETED, compositeStatus, currentJobs } from './pipeline-status';
import { isManagerPolling } from './runner-status';
import type {
  GitLabState,
  JobDefinition,
  JobRecord,
  ManagerRecord,
  PipelineRecord,
  ProjectRecord,
  RunnerRecord,
  ScheduleRecord,
} from './state';

const HOUR = 3_600_000;
/** Ci::StuckBuilds: running jobs with no update for an hour, pending ones after a day, are dropped. */
const RUNNING_OUTDATED_MS = HOUR;
const PENDING_OUTDATED_MS = 24 * HOUR;
/** gitlab-runner's default `concurrent = 1`: one job per runner process at a time. */
const JOBS_PER_MANAGER = 1;

export class ReferenceNotFound extends Error {}

export class GitLabSimulation {
  constructor(private readonly state: GitLabState) {}

  // ---- runner processes -------------------------------------------------------------------

  /** A token past its token_expires_at is refused like a reset one. */
  tokenValid(runner: RunnerRecord, now: number): boolean {
    return runner.tokenExpiresAt === null || runner.tokenExpiresAt > now;
  }

  runnerCheckIn(token: string, host: RunnerHost, now: number): boolean {
    const runner = this.state.runnersByToken.get(token);
    if (!runner || !this.tokenValid(runner, now)) return false;
    const managers = this.state.managersByRunner.get(runner.id) ?? [];
    const manager =
      managers.find((m) => m.systemId === host.systemId) ??
      managers.find((m) => m.adoptable) ??
      this.ensureManager(runner, host.systemId, now, host);
    Object.assign(manager, {
      systemId: host.systemId,
      version: host.version,
      revision: revisionOf(host.version),
      platform: host.platform,
      architecture: host.architecture,
      executor: host.executor,
      ipAddress: host.ipAddress,
      contactedAt: now,
      processAlive: true,
      adoptable: false,
    });
    this.assignPendingJobs(now);
    return true;
  }

  /** The runner's manager for `systemId`, created (never contacted) when GitLab has none yet. */
  ensureManager(runner: RunnerRecord, systemId: string, now: number, host?: RunnerHost): ManagerRecord {
    const existing = (this.state.managersByRunner.get(runner.id) ?? []).find((m) => m.systemId === systemId);
    if (existing) return existing;
    const manager: ManagerRecord = {
      id: this.state.nextId('manager'),
      runnerId: runner.id,
      systemId,
      version: host?.version ?? '',
      revision: '',
      platform: host?.platform ?? '',
      architecture: host?.architecture ?? '',
      executor: host?.executor ?? '',
      ipAddress: host?.ipAddress ?? '',
      createdAt: now,
      contactedAt: null,
      processAlive: host !== undefined,
      adoptable: false,
    };
    this.state.addManager(manager);
    return manager;
  }

  runnerHostGone(systemId: string, now: number): void {
    for (const manager of this.state.managers.values()) {
      if (manager.systemId !== systemId) continue;
      manager.processAlive = false;
      for (const job of this.state.jobsByRunner.get(manager.runnerId) ?? []) {
        if (job.status === 'running' && job.managerId === manager.id && job.stalledAt === null) job.stalledAt = now;
      }
    }
  }

  // ---- pipelines ----------------------------------------------------------------------------

  createPipeline(
    project: ProjectRecord,
    ref: string,
    source: string,
    userId: number,
    now: number,
    scheduleId: number | null = null,
    /** The jobs its CI configuration defines on this ref; the project's usual ones by default. */
    definitions: JobDefinition[] = project.jobDefinitions,
  ): PipelineRecord {
    const head = project.branches.get(ref);
    if (!head) throw new ReferenceNotFound(ref);
    const pipeline: PipelineRecord = {
      id: this.state.nextId('pipeline'),
      iid: project.nextPipelineIid++,
      projectId: project.id,
      sha: head.sha,
      beforeSha: source === 'push' ? head.parentSha : '0000000000000000000000000000000000000000',
      ref,
      tag: false,
      source,
      userId,
      name: null,
      createdAt: now,
      updatedAt: now,
      committedAt: head.createdAt,
      scheduleId,
      jobIds: [],
    };
    this.state.addPipeline(pipeline);
    for (const definition of definitions) this.state.addJob(this.newJob(pipeline, project, definition, now));
    project.lastActivityAt = now;
    this.state.livePipelineIds.add(pipeline.id);
    this.processPipeline(pipeline, now);
    return pipeline;
  }

  newJob(pipeline: PipelineRecord, project: ProjectRecord, definition: JobDefinition, now: number): JobRecord {
    return {
      id: this.state.nextId('job'),
      pipelineId: pipeline.id,
      projectId: project.id,
      name: definition.name,
      stage: definition.stage,
      stageIndex: Math.max(0, project.stages.indexOf(definition.stage)),
      definition,
      status: 'created',
      createdAt: now,
      queuedAt: null,
      startedAt: null,
      finishedAt: null,
      updatedAt: now,
      runnerId: null,
      managerId: null,
      failureReason: null,
      retried: false,
      stalledAt: null,
      userId: pipeline.userId,
    };
  }

  cancelPipeline(pipeline: PipelineRecord, now: number): void {
    for (const job of currentJobs(this.state, pipeline)) this.cancelJob(job, now);
  }

  cancelJob(job: JobRecord, now: number): void {
    if (!CANCELABLE.has(job.status)) return;
    this.transition(job, 'canceled', now);
    job.finishedAt = now;
  }

  /** Retries every failed or canceled job; skipped jobs after them go back to created. */
  retryPipeline(pipeline: PipelineRecord, now: number): boolean {
    const project = this.state.projects.get(pipeline.projectId) as ProjectRecord;
    let retried = false;
    for (const job of currentJobs(this.state, pipeline)) {
      if (job.status === 'failed' || job.status === 'canceled') {
        this.cloneForRetry(job, pipeline, project, now);
        retried = true;
      }
    }
    if (!retried) return false;
    this.resetSkipped(pipeline, now);
    this.state.livePipelineIds.add(pipeline.id);
    this.processPipeline(pipeline, now);
    return true;
  }

  retryJob(job: JobRecord, now: number): JobRecord | undefined {
    if (!COMPLETED.has(job.status) || job.status === 'skipped' || job.retried) return undefined;
    const pipeline = this.state.pipelines.get(job.pipelineId) as PipelineRecord;
    const project = this.state.projects.get(job.projectId) as ProjectRecord;
    const clone = this.cloneForRetry(job, pipeline, project, now);
    this.resetSkipped(pipeline, now);
    this.state.livePipelineIds.add(pipeline.id);
    this.processPipeline(pipeline, now);
    return clone;
  }

  playSchedule(schedule: ScheduleRecord, now: number): PipelineRecord {
    const project = this.state.projects.get(schedule.projectId) as ProjectRecord;
    const pipeline = this.createPipeline(
      project,
      schedule.ref.replace(/^refs\/heads\//, ''),
      'schedule',
      schedule.ownerId,
      now,
      schedule.id,
    );
    schedule.lastPipelineId = pipeline.id;
    return pipeline;
  }

  // ---- time -----------------------------------------------------------------------------------

  tick(now: number): void {
    for (const schedule of this.state.schedules.values()) {
      if (!schedule.active || schedule.nextRunAt > now) continue;
      this.playSchedule(schedule, now);
      schedule.nextRunAt = nextCronRun(schedule.cron, schedule.cronTimezone, now);
    }
    for (const id of [...this.state.livePipelineIds]) {
      const pipeline = this.state.pipelines.get(id);
      if (pipeline) this.processPipeline(pipeline, now);
      else this.state.livePipelineIds.delete(id);
    }
    this.assignPendingJobs(now);
  }

  private processPipeline(pipeline: PipelineRecord, now: number): void {
    const jobs = currentJobs(this.state, pipeline);
    for (const job of jobs) {
      if (job.status === 'running') this.advanceRunning(job, now);
      else if (job.status === 'pending' && job.queuedAt !== null && now - job.queuedAt >= PENDING_OUTDATED_MS)
        this.fail(job, 'stuck_or_timeout_failure', now);
    }
    // Later stages start only once every earlier stage is complete; a failure skips them.
    const stages = [...new Set(jobs.map((j) => j.stageIndex))].sort((a, b) => a - b);
    for (const stage of stages) {
      const earlier = jobs.filter((j) => j.stageIndex < stage);
      if (!earlier.every((j) => COMPLETED.has(j.status))) break;
      const earlierStatus = compositeStatus(earlier);
      for (const job of jobs) {
        if (job.stageIndex !== stage || job.status !== 'created') continue;
        if (earlier.length === 0 || earlierStatus === 'success' || earlierStatus === 'skipped') {
          this.transition(job, 'pending', now);
          job.queuedAt = now;
        } else {
          this.transition(job, 'skipped', now);
        }
      }
    }
    if (jobs.every((j) => COMPLETED.has(j.status))) this.state.livePipelineIds.delete(pipeline.id);
  }

  private advanceRunning(job: JobRecord, now: number): void {
    if (job.stalledAt !== null) {
      if (now - job.stalledAt >= RUNNING_OUTDATED_MS) this.fail(job, 'stuck_or_timeout_failure', now);
      return;
    }
    const endsAt = (job.startedAt as number) + job.definition.durationSec * 1000;
    if (now < endsAt) return;
    if (job.definition.outcome === 'success') this.transition(job, 'success', endsAt);
    else this.fail(job, 'script_failure', endsAt);
    job.finishedAt = endsAt;
  }

  private fail(job: JobRecord, reason: string, at: number): void {
    this.transition(job, 'failed', at);
    job.failureReason = reason;
    job.finishedAt = at;
  }

  private transition(job: JobRecord, status: JobRecord['status'], at: number): void {
    job.status = status;
    job.updatedAt = at;
    const pipeline = this.state.pipelines.get(job.pipelineId);
    if (pipeline) pipeline.updatedAt = Math.max(pipeline.updatedAt, at);
  }

  private cloneForRetry(job: JobRecord, pipeline: PipelineRecord, project: ProjectRecord, now: number): JobRecord {
    job.retried = true;
    const clone = this.newJob(pipeline, project, job.definition, now);
    this.state.addJob(clone);
    return clone;
  }

  private resetSkipped(pipeline: PipelineRecord, now: number): void {
    for (const job of currentJobs(this.state, pipeline))
      if (job.status === 'skipped') this.transition(job, 'created', now);
  }

  // ---- job picking ----------------------------------------------------------------------------

  /** Pending jobs, oldest first, go to a polling runner that may take them (like jobs/request). */
  assignPendingJobs(now: number): void {
    const pending: JobRecord[] = [];
    for (const id of this.state.livePipelineIds) {
      const pipeline = this.state.pipelines.get(id);
      if (pipeline)
        for (const job of currentJobs(this.state, pipeline)) if (job.status === 'pending') pending.push(job);
    }
    if (pending.length === 0) return;
    pending.sort((a, b) => a.id - b.id);
    const busy = new Map<number, number>();
    for (const id of this.state.livePipelineIds) {
      const pipeline = this.state.pipelines.get(id);
      for (const job of pipeline ? currentJobs(this.state, pipeline) : []) {
        if (job.status === 'running' && job.managerId !== null)
          busy.set(job.managerId, (busy.get(job.managerId) ?? 0) + 1);
      }
    }
    for (const job of pending) {
      const pick = this.findManager(job, now, busy);
      if (!pick) continue;
      busy.set(pick.manager.id, (busy.get(pick.manager.id) ?? 0) + 1);
      this.state.assignJob(job, pick.runner.id, pick.manager.id);
      this.transition(job, 'running', now);
      job.startedAt = now;
    }
  }

  private findManager(
    job: JobRecord,
    now: number,
    busy: Map<number, number>,
  ): { runner: RunnerRecord; manager: ManagerRecord } | undefined {
    const project = this.state.projects.get(job.projectId) as ProjectRecord;
    const pipeline = this.state.pipelines.get(job.pipelineId) as PipelineRecord;
    for (const runner of this.state.runners.values()) {
      if (runner.paused || !this.servesProject(runner, project) || !this.takesTags(runner, job.definition.tags))
        continue;
      if (runner.accessLevel === 'ref_protected' && pipeline.ref !== project.defaultBranch) continue;
      for (const manager of this.state.managersByRunner.get(runner.id) ?? []) {
        if (isManagerPolling(manager, now) && (busy.get(manager.id) ?? 0) < JOBS_PER_MANAGER)
          return { runner, manager };
      }
    }
    return undefined;
  }

  servesProject(runner: RunnerRecord, project: ProjectRecord): boolean {
    if (runner.runnerType === 'instance_type') return project.sharedRunnersEnabled;
    if (runner.runnerType === 'group_type') {
      return project.groupRunnersEnabled && this.state.groupChain(project.groupId).some((g) => g.id === runner.groupId);
    }
    return runner.projectIds.includes(project.id);
  }

  private takesTags(runner: RunnerRecord, tags: string[]): boolean {
    if (tags.length === 0) return runner.runUntagged;
    return tags.every((t) => runner.tagList.includes(t));
  }
}

/** gitlab-runner's revision for a version, stable so traces and managers agree. */
function revisionOf(version: string): string {
  let h = 0x811c9dc5;
  for (const ch of version) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}

export { revisionOf };
