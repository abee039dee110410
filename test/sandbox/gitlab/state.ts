// The GitLab half's records and their indexes. Plain data; behaviour lives in simulation.ts and
// the route files, rendering in entities.ts.

export type AccessLevel = 10 | 20 | 30 | 40 | 50; // guest, reporter, developer, maintainer, owner
export const MAINTAINER: AccessLevel = 40;
export const DEVELOPER: AccessLevel = 30;

export interface UserRecord {
  id: number;
  username: string;
  name: string;
  email: string;
  isAdmin: boolean;
  createdAt: number;
  lastSignInAt: number;
}

export interface TokenRecord {
  id: number;
  name: string;
  description: string;
  userId: number;
  secret: string;
  scopes: string[];
  createdAt: number;
  /** Calendar date (YYYY-MM-DD) like GitLab; the token stops working at the start of that day. */
  expiresAt: string | null;
  revoked: boolean;
  lastUsedAt: number | null;
}

export interface GroupRecord {
  id: number;
  name: string;
  path: string;
  fullPath: string;
  parentId: number | null;
  description: string;
  createdAt: number;
  members: Map<number, AccessLevel>;
}

export interface JobDefinition {
  name: string;
  stage: string;
  tags: string[];
  /** Simulated seconds the script runs. */
  durationSec: number;
  outcome: 'success' | 'failed';
  allowFailure: boolean;
  /** Shell commands echoed into the trace, each followed by its output lines. */
  script: Array<{ command: string; output: string[] }>;
}

export interface CommitRecord {
  sha: string;
  parentSha: string;
  title: string;
  authorName: string;
  authorEmail: string;
  createdAt: number;
}

export interface ProjectRecord {
  id: number;
  name: string;
  path: string;
  groupId: number;
  description: string;
  createdAt: number;
  lastActivityAt: number;
  defaultBranch: string;
  /** Branch name -> head commit. */
  branches: Map<string, CommitRecord>;
  stages: string[];
  jobDefinitions: JobDefinition[];
  sharedRunnersEnabled: boolean;
  groupRunnersEnabled: boolean;
  members: Map<number, AccessLevel>;
  creatorId: number;
  nextPipelineIid: number;
}

export type RunnerType = 'instance_type' | 'group_type' | 'project_type';

export interface RunnerRecord {
  id: number;
  runnerType: RunnerType;
  description: string;
  name: string | null;
  createdAt: number;
  createdById: number | null;
  paused: boolean;
  tagList: string[];
  runUntagged: boolean;
  locked: boolean;
  accessLevel: 'not_protected' | 'ref_protected';
  maximumTimeout: number | null;
  maintenanceNote: string | null;
  token: string;
  tokenExpiresAt: number | null;
  /** The runner token expiration interval that applies to it (instance, group or project setting); none: tokens never expire. */
  tokenLifetimeMs?: number;
  groupId: number | null;
  projectIds: number[];
}

export interface ManagerRecord {
  id: number;
  runnerId: number;
  systemId: string;
  version: string;
  revision: string;
  platform: string;
  architecture: string;
  executor: string;
  ipAddress: string;
  createdAt: number;
  contactedAt: number | null;
  /** false once the host is gone: it no longer polls for jobs. */
  processAlive: boolean;
  /** Seeded before any VM checked in: the first check-in of its runner claims it. */
  adoptable: boolean;
}

export type JobStatus = 'created' | 'pending' | 'running' | 'success' | 'failed' | 'canceled' | 'skipped' | 'manual';
export type PipelineStatus = JobStatus | 'preparing' | 'scheduled' | 'waiting_for_resource';

export interface JobRecord {
  id: number;
  pipelineId: number;
  projectId: number;
  name: string;
  stage: string;
  stageIndex: number;
  definition: JobDefinition;
  status: JobStatus;
  createdAt: number;
  queuedAt: number | null;
  startedAt: number | null;
  finishedAt: number | null;
  updatedAt: number;
  runnerId: number | null;
  managerId: number | null;
  failureReason: string | null;
  retried: boolean;
  /** Set when the host running it went away: its trace stops growing, GitLab drops it after an hour. */
  stalledAt: number | null;
  userId: number;
}

export interface PipelineRecord {
  id: number;
  iid: number;
  projectId: number;
  sha: string;
  beforeSha: string;
  ref: string;
  tag: boolean;
  source: string;
  userId: number;
  name: string | null;
  createdAt: number;
  updatedAt: number;
  committedAt: number;
  scheduleId: number | null;
  jobIds: number[];
}

export interface ScheduleRecord {
  id: number;
  projectId: number;
  description: string;
  ref: string;
  cron: string;
  cronTimezone: string;
  active: boolean;
  createdAt: number;
  updatedAt: number;
  ownerId: number;
  nextRunAt: number;
  lastPipelineId: number | null;
}

/** All records, with the indexes the routes and the simulation need to stay O(1) at scale. */
export class GitLabState {
  /** What GET /version answers; runners on an older major.minor are behind. */
  serverVersion = '17.11.3-ee';
  readonly users = new Map<number, UserRecord>();
  readonly tokens = new Map<string, TokenRecord>(); // by secret
  readonly groups = new Map<number, GroupRecord>();
  readonly projects = new Map<number, ProjectRecord>();
  readonly runners = new Map<number, RunnerRecord>();
  readonly runnersByToken = new Map<string, RunnerRecord>();
  /** Every runner token ever issued, reset ones included: what the leak scan must find nowhere. */
  readonly runnerTokensIssued = new Set<string>();
  readonly managers = new Map<number, ManagerRecord>();
  readonly managersByRunner = new Map<number, ManagerRecord[]>();
  readonly pipelines = new Map<number, PipelineRecord>();
  readonly pipelinesByProject = new Map<number, PipelineRecord[]>();
  readonly jobs = new Map<number, JobRecord>();
  readonly jobsByRunner = new Map<number, JobRecord[]>();
  readonly schedules = new Map<number, ScheduleRecord>();
  /** Pipelines with unfinished jobs: the only ones a tick looks at. */
  readonly livePipelineIds = new Set<number>();

  private readonly counters = new Map<string, number>();

  nextId(
    kind: 'user' | 'token' | 'group' | 'project' | 'runner' | 'manager' | 'pipeline' | 'job' | 'schedule',
  ): number {
    const next = (this.counters.get(kind) ?? 0) + 1;
    this.counters.set(kind, next);
    return next;
  }

  addRunner(runner: RunnerRecord): void {
    this.runners.set(runner.id, runner);
    this.indexToken(runner);
  }

  indexToken(runner: RunnerRecord): void {
    this.runnersByToken.set(runner.token, runner);
    this.runnerTokensIssued.add(runner.token);
  }

  removeRunner(runner: RunnerRecord): void {
    this.runners.delete(runner.id);
    this.runnersByToken.delete(runner.token);
    for (const manager of this.managersByRunner.get(runner.id) ?? []) this.managers.delete(manager.id);
    this.managersByRunner.delete(runner.id);
  }

  addManager(manager: ManagerRecord): void {
    this.managers.set(manager.id, manager);
    const list = this.managersByRunner.get(manager.runnerId) ?? [];
    list.push(manager);
    this.managersByRunner.set(manager.runnerId, list);
  }

  addPipeline(pipeline: PipelineRecord): void {
    this.pipelines.set(pipeline.id, pipeline);
    const list = this.pipelinesByProject.get(pipeline.projectId) ?? [];
    list.push(pipeline);
    this.pipelinesByProject.set(pipeline.projectId, list);
  }

  addJob(job: JobRecord): void {
    this.jobs.set(job.id, job);
    this.pipelines.get(job.pipelineId)?.jobIds.push(job.id);
  }

  assignJob(job: JobRecord, runnerId: number, managerId: number): void {
    job.runnerId = runnerId;
    job.managerId = managerId;
    const list = this.jobsByRunner.get(runnerId) ?? [];
    list.push(job);
    this.jobsByRunner.set(runnerId, list);
  }

  pipelineJobs(pipeline: PipelineRecord): JobRecord[] {
    return pipeline.jobIds.map((id) => this.jobs.get(id)).filter((j): j is JobRecord => j !== undefined);
  }

  projectByPath(fullPath: string): ProjectRecord | undefined {
    for (const project of this.projects.values()) if (this.projectFullPath(project) === fullPath) return project;
    return undefined;
  }

  projectFullPath(project: ProjectRecord): string {
    return `${this.groups.get(project.groupId)?.fullPath ?? ''}/${project.path}`;
  }

  groupByPath(fullPath: string): GroupRecord | undefined {
    for (const group of this.groups.values()) if (group.fullPath === fullPath) return group;
    return undefined;
  }

  /** The group and its ancestors, nearest first. */
  groupChain(groupId: number | null): GroupRecord[] {
    const chain: GroupRecord[] = [];
    for (
      let g = groupId === null ? undefined : this.groups.get(groupId);
      g;
      g = g.parentId === null ? undefined : this.groups.get(g.parentId)
    ) {
      chain.push(g);
    }
    return chain;
  }
}
