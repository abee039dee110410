// Builders for seeds: users, tokens, groups, projects, runners with their managers, and
// pipelines that already happened (records with realistic timestamps, no simulation needed).
import { nextCronRun } from './cron';
import { revisionOf } from './simulation';
import type { GitLabHalf } from './index';
import type {
  AccessLevel,
  CommitRecord,
  JobDefinition,
  JobRecord,
  ManagerRecord,
  PipelineRecord,
  ProjectRecord,
  RunnerRecord,
  RunnerType,
  ScheduleRecord,
  TokenRecord,
  UserRecord,
} from './state';

const DAY = 86_400_000;

/** Deterministic pseudo-random source, so every seed builds the same world. */
export class SeedRandom {
  private a: number;
  constructor(seed: number) {
    this.a = seed >>> 0;
  }
  next(): number {
    this.a = (this.a + 0x6d2b79f5) >>> 0;
    let t = this.a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  chars(n: number, alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'): string {
    let s = '';
    for (let i = 0; i < n; i++) s += alphabet[Math.floor(this.next() * alphabet.length)];
    return s;
  }
  hex(n: number): string {
    return this.chars(n, '0123456789abcdef');
  }
}

export class GitLabSeeder {
  constructor(
    readonly gitlab: GitLabHalf,
    readonly now: number,
    readonly random: SeedRandom,
  ) {}

  private get state() {
    return this.gitlab.state;
  }

  user(username: string, name: string, isAdmin: boolean): UserRecord {
    const user: UserRecord = {
      id: this.state.nextId('user'),
      username,
      name,
      email: `${username}@example.com`,
      isAdmin,
      createdAt: this.now - 400 * DAY,
      lastSignInAt: this.now - DAY,
    };
    this.state.users.set(user.id, user);
    return user;
  }

  token(
    user: UserRecord,
    name: string,
    scopes: string[],
    options: { revoked?: boolean; expiresInDays?: number } = {},
  ): TokenRecord {
    const expires = this.now + (options.expiresInDays ?? 300) * DAY;
    const token: TokenRecord = {
      id: this.state.nextId('token'),
      name,
      description: '',
      userId: user.id,
      secret: `glpat-${this.random.chars(20)}`,
      scopes,
      createdAt: this.now - 60 * DAY,
      expiresAt: new Date(expires).toISOString().slice(0, 10),
      revoked: options.revoked ?? false,
      lastUsedAt: null,
    };
    this.state.tokens.set(token.secret, token);
    return token;
  }

  group(path: string, name: string, owners: UserRecord[]) {
    const group = {
      id: this.state.nextId('group'),
      name,
      path,
      fullPath: path,
      parentId: null,
      description: '',
      createdAt: this.now - 300 * DAY,
      members: new Map<number, AccessLevel>(owners.map((u) => [u.id, 50 as AccessLevel])),
    };
    this.state.groups.set(group.id, group);
    return group;
  }

  commit(title: string, author: UserRecord, at: number, parent?: CommitRecord): CommitRecord {
    return {
      sha: this.random.hex(40),
      parentSha: parent?.sha ?? this.random.hex(40),
      title,
      authorName: author.name,
      authorEmail: author.email,
      createdAt: at,
    };
  }

  project(
    groupId: number,
    path: string,
    name: string,
    description: string,
    creator: UserRecord,
    stages: string[],
    jobs: JobDefinition[],
  ): ProjectRecord {
    const head = this.commit('Initial commit', creator, this.now - 30 * DAY);
    const project: ProjectRecord = {
      id: this.state.nextId('project'),
      name,
      path,
      groupId,
      description,
      createdAt: this.now - 200 * DAY,
      lastActivityAt: this.now - DAY,
      defaultBranch: 'main',
      branches: new Map([['main', head]]),
      stages,
      jobDefinitions: jobs,
      sharedRunnersEnabled: true,
      groupRunnersEnabled: true,
      members: new Map(),
      creatorId: creator.id,
      nextPipelineIid: 1,
    };
    this.state.projects.set(project.id, project);
    return project;
  }

  runner(
    type: RunnerType,
    description: string,
    tags: string[],
    owner: { groupId?: number; projectIds?: number[] },
    createdBy: UserRecord | null,
    ageDays = 90,
  ): RunnerRecord {
    const runner: RunnerRecord = {
      id: this.state.nextId('runner'),
      runnerType: type,
      description,
      name: null,
      createdAt: this.now - ageDays * DAY,
      createdById: createdBy?.id ?? null,
      paused: false,
      tagList: tags,
      runUntagged: type === 'instance_type',
      locked: type === 'project_type',
      accessLevel: 'not_protected',
      maximumTimeout: 3600,
      maintenanceNote: null,
      token: `glrt-${this.random.chars(20)}`,
      tokenExpiresAt: null,
      groupId: owner.groupId ?? null,
      projectIds: owner.projectIds ?? [],
    };
    this.state.addRunner(runner);
    return runner;
  }

  /** The process on a worker VM as GitLab last saw it; the VM's first real check-in adopts it. */
  manager(runner: RunnerRecord, ipAddress: string, contactedAgoMs: number, version = '17.11.0'): ManagerRecord {
    const manager: ManagerRecord = {
      id: this.state.nextId('manager'),
      runnerId: runner.id,
      systemId: `s_${this.random.hex(12)}`,
      version,
      revision: revisionOf(version),
      platform: 'linux',
      architecture: 'amd64',
      executor: 'shell',
      ipAddress,
      createdAt: runner.createdAt + 60_000,
      contactedAt: this.now - contactedAgoMs,
      processAlive: true,
      adoptable: true,
    };
    this.state.addManager(manager);
    return manager;
  }

  schedule(
    project: ProjectRecord,
    owner: UserRecord,
    description: string,
    cron: string,
    timezone: string,
  ): ScheduleRecord {
    const schedule: ScheduleRecord = {
      id: this.state.nextId('schedule'),
      projectId: project.id,
      description,
      ref: 'main',
      cron,
      cronTimezone: timezone,
      active: true,
      createdAt: this.now - 120 * DAY,
      updatedAt: this.now - 120 * DAY,
      ownerId: owner.id,
      nextRunAt: nextCronRun(cron, timezone, this.now),
      lastPipelineId: null,
    };
    this.state.schedules.set(schedule.id, schedule);
    return schedule;
  }

  /**
   * A pipeline that already ran: stages one after another, jobs queued a few seconds, each on a
   * runner `pickRunner` chooses. `failJob` fails that job (script_failure) and skips later stages.
   */
  pastPipeline(
    project: ProjectRecord,
    options: {
      createdAt: number;
      source: string;
      user: UserRecord;
      pickRunner: (definition: JobDefinition) => { runner: RunnerRecord; manager: ManagerRecord };
      failJob?: string;
      scheduleId?: number | null;
    },
  ): PipelineRecord {
    const head = project.branches.get(project.defaultBranch) as CommitRecord;
    const pipeline: PipelineRecord = {
      id: this.state.nextId('pipeline'),
      iid: project.nextPipelineIid++,
      projectId: project.id,
      sha: head.sha,
      beforeSha: options.source === 'push' ? head.parentSha : '0000000000000000000000000000000000000000',
      ref: project.defaultBranch,
      tag: false,
      source: options.source,
      userId: options.user.id,
      name: null,
      createdAt: options.createdAt,
      updatedAt: options.createdAt,
      committedAt: head.createdAt,
      scheduleId: options.scheduleId ?? null,
      jobIds: [],
    };
    this.state.addPipeline(pipeline);
    let stageStart = options.createdAt;
    let failed = false;
    for (const [stageIndex, stage] of project.stages.entries()) {
      let stageEnd = stageStart;
      for (const definition of project.jobDefinitions.filter((d) => d.stage === stage)) {
        const job: JobRecord = this.gitlab.sim.newJob(pipeline, project, definition, options.createdAt);
        job.stageIndex = stageIndex;
        if (failed) {
          job.status = 'skipped';
          job.updatedAt = stageStart;
        } else {
          const { runner, manager } = options.pickRunner(definition);
          job.queuedAt = stageStart;
          job.startedAt = stageStart + this.random.int(2, 15) * 1000;
          job.finishedAt = job.startedAt + Math.round(definition.durationSec * (0.8 + this.random.next() * 0.4)) * 1000;
          job.updatedAt = job.finishedAt;
          const fails = definition.name === options.failJob || definition.outcome === 'failed';
          job.status = fails ? 'failed' : 'success';
          job.failureReason = fails ? 'script_failure' : null;
          this.state.assignJob(job, runner.id, manager.id);
          stageEnd = Math.max(stageEnd, job.finishedAt);
        }
        this.state.addJob(job);
        pipeline.updatedAt = Math.max(pipeline.updatedAt, job.updatedAt);
      }
      if (!failed)
        failed = this.state.pipelineJobs(pipeline).some((j) => j.status === 'failed' && !j.definition.allowFailure);
      stageStart = stageEnd;
    }
    project.lastActivityAt = Math.max(project.lastActivityAt, pipeline.updatedAt);
    return pipeline;
  }
}
