// GitLab calls behind the sidebar: runners (with their managers), pipelines, jobs, schedules,
// and the actions on them. Decodes GitLab's JSON into the core model; nothing else.
import pLimit from 'p-limit';
import type { Clock } from '../core/clock';
import type { Job, Pipeline, PipelineSchedule, Project, Runner, RunnerManager } from '../core/model';
import { PACE } from '../core/pace';
import { runnersByStatus } from '../core/status-table';
import { createGitLabApi, type GitLabApi } from './client';
import { Failure } from '../core/failures';
import { toGitLabFailure } from './errors';

/** A list page with showExpanded: its rows and GitLab's pagination headers. */
type Paged = { data?: unknown; paginationInfo?: { next?: number | null; totalPages?: number } } | undefined;

type Json = Record<string, unknown>;
const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
const num = (v: unknown) => (typeof v === 'number' ? v : undefined);
const time = (v: unknown) => (typeof v === 'string' && v ? Date.parse(v) : undefined);

/** A list GitLab sent as a list; anything else (an object, an empty body) is said, not iterated. */
function asList(value: unknown, host: string, what: string): Json[] {
  if (Array.isArray(value)) return value.filter((v): v is Json => typeof v === 'object' && v !== null);
  const empty = value === null || value === undefined || (typeof value === 'object' && Object.keys(value).length === 0);
  const kind = typeof value;
  const shape = empty ? 'an empty answer' : `${kind === 'object' ? 'an' : 'a'} ${kind} instead of a list`;
  throw new Failure({
    source: 'gitlab',
    kind: 'unavailable',
    message: `GitLab at ${host} answered the list of ${what} with ${shape}. Check runnerOps.gitlab.url, then try again.`,
  });
}

/** GET /projects/:id's `permissions`: the higher of project_access and group_access; undefined when absent. */
function accessLevelOf(permissions: unknown): number | undefined {
  if (typeof permissions !== 'object' || permissions === null) return undefined;
  const level = (access: unknown) => num((access as Json | null)?.access_level) ?? 0;
  const { project_access, group_access } = permissions as Json;
  return Math.max(level(project_access), level(group_access));
}

export interface PipelinePage {
  pipelines: Pipeline[];
  nextPage?: number;
}

export class GitLabFleet {
  private readonly api: GitLabApi;
  /** A runner's details and managers change only when it contacts GitLab (contacted_at): cached by it. */
  private readonly runnerCache = new Map<number, { contactedAt?: string; runner: Runner }>();

  constructor(
    readonly url: string,
    token: string,
    caFile?: string,
    clock?: Clock,
  ) {
    this.api = createGitLabApi(url, token, caFile, clock);
  }

  private async call<T>(what: () => Promise<T>): Promise<T> {
    try {
      return await what();
    } catch (error) {
      throw toGitLabFailure(error, this.url);
    }
  }

  async project(idOrPath: string | number): Promise<Project> {
    const p = (await this.call(() => this.api.Projects.show(idOrPath))) as unknown as Json;
    const namespace = (p.namespace ?? {}) as Json;
    return {
      id: num(p.id) ?? 0,
      path: str(p.path_with_namespace) ?? String(idOrPath),
      name: str(p.name) ?? '',
      webUrl: str(p.web_url) ?? '',
      defaultBranch: str(p.default_branch),
      namespaceId: num(namespace.id),
      namespaceKind: namespace.kind === 'group' ? 'group' : 'user',
      accessLevel: accessLevelOf(p.permissions),
    };
  }

  async isAdmin(): Promise<boolean> {
    const user = (await this.call(() => this.api.Users.showCurrentUser())) as unknown as Json;
    return user.is_admin === true;
  }

  /**
   * Runners available to the projects (project, group and instance runners), plus all instance
   * runners when the token is an admin's. Details and managers (tags, version, ips) only for the
   * runners `detailed` names: the first rows as the view sorts them, and the expanded ones.
   */
  async runners(
    projects: Project[],
    admin: boolean,
    detailed: {
      first: number;
      ids: Iterable<number>;
      listed?: (runners: Runner[]) => void;
      after?: Promise<void>;
    } = {
      first: PACE.fleet.visibleRows,
      ids: [],
    },
  ): Promise<Runner[]> {
    // Per project only its own runners, per namespace its group runners. The instance runners are
    // the same for every project: read them once, from /runners/all for an admin, else through
    // the first project. Listing a project's runners unfiltered would page through every
    // instance runner again for each project.
    const listedFor = (project: Project | undefined) => (list: unknown) => ({
      list: asList(list, this.url, 'runners'),
      project,
    });
    const lists = await Promise.all([
      ...projects.map((p) => this.projectRunners(p, 'project_type').then(listedFor(p))),
      // Projects in one namespace share its (and its ancestors') group runners: ask once per namespace.
      ...[...new Map(projects.map((p) => [p.namespaceId ?? `project:${p.id}`, p])).values()].map((p) =>
        this.projectRunners(p, 'group_type').then(listedFor(p)),
      ),
      (admin
        ? this.call(() =>
            this.allPages((page) =>
              this.api.Runners.all({ type: 'instance_type', perPage: PACE.gitlab.pageSize, page, showExpanded: true }),
            ),
          )
        : projects[0]
          ? this.projectRunners(projects[0], 'instance_type')
          : Promise.resolve([])
      ).then(listedFor(undefined)),
    ]);
    // Per-runner requests (details, managers) are N+1: bounded in parallel, and only for the rows
    // a user sees first or expanded; the others show what the list says (and details already known).
    const byId = new Map<number, { basic: Json; project?: Project }>();
    for (const { list, project } of lists) for (const basic of list) byId.set(basic.id as number, { basic, project });
    const listed = [...byId.values()].map((entry) => ({ ...entry, runner: toRunner(entry.basic) }));
    const shownFirst = new Set(
      runnersByStatus(listed.map((entry) => entry.runner))
        .slice(0, detailed.first)
        .map((runner) => runner.id),
    );
    const wanted = new Set([...shownFirst, ...detailed.ids]);
    const withPage = (runner: Runner, project?: Project) => ({
      ...runner,
      webUrl: runner.webUrl ?? this.runnerPage(runner, project),
    });
    detailed.listed?.(listed.map(({ project, runner }) => withPage(this.known(runner), project)));
    await detailed.after;
    const limit = pLimit(PACE.gitlab.perRunnerParallel);
    return Promise.all(
      listed.map(async ({ basic, project, runner: plain }) => {
        // A runner whose details fail shows what the list says: one flaky call must not blank the list.
        const runner = wanted.has(plain.id)
          ? await limit(() => this.withDetails(basic)).catch(() => this.known(plain))
          : this.known(plain);
        return withPage(runner, project);
      }),
    );
  }

  /**
   * The runner's own page: under the project it was listed for (a project runner), its group
   * (a group runner; the details name the group, else the listing project's namespace), or the
   * admin area (an instance runner).
   */
  private runnerPage(runner: Runner, listedFor: Project | undefined): string {
    const base = this.url.replace(/\/+$/, '');
    if (runner.type === 'project_type' && listedFor) return `${listedFor.webUrl}/-/runners/${runner.id}`;
    if (runner.type === 'group_type' && listedFor?.namespaceKind === 'group')
      return `${base}/groups/${listedFor.path.split('/').slice(0, -1).join('/')}/-/runners/${runner.id}`;
    return `${base}/admin/runners/${runner.id}`;
  }

  private async projectRunners(
    project: Project,
    type: 'project_type' | 'group_type' | 'instance_type',
  ): Promise<unknown> {
    try {
      return await this.allPages((page) =>
        this.api.Runners.all({ projectId: project.id, type, perPage: PACE.gitlab.pageSize, page, showExpanded: true }),
      );
    } catch (error) {
      const failure = toGitLabFailure(error, this.url);
      if (failure.kind !== 'forbidden') throw failure;
      // GitLab lists a project's runners to Maintainers and above only.
      throw new Failure({
        source: 'gitlab',
        kind: 'forbidden',
        message: `Listing the runners of ${project.path} needs the Maintainer role (or an admin token); the token's user has less. Ask for the role, or sign in with another token.`,
        request: failure.request,
      });
    }
  }

  /**
   * Every page of a list: the first, then the others at once when GitLab says how many there are
   * (it counts up to 10,000 rows), else one after another. Twenty pages one after another were
   * the scale fleet's slowest wait.
   */
  private async allPages(fetchPage: (page: number) => Promise<unknown>): Promise<unknown> {
    const first = (await fetchPage(1)) as Paged;
    if (!Array.isArray(first?.data)) return first?.data ?? first; // the caller names what came back
    const pages: unknown[] = [first.data];
    const total = first.paginationInfo?.totalPages;
    if (total && Number.isFinite(total)) {
      const limit = pLimit(PACE.gitlab.pagesParallel);
      const rest = Array.from({ length: total - 1 }, (_, i) => limit(() => fetchPage(i + 2) as Promise<Paged>));
      for (const page of await Promise.all(rest)) pages.push(page?.data ?? page);
    } else {
      for (let next = first.paginationInfo?.next; next;) {
        const page = (await fetchPage(next)) as Paged;
        pages.push(page?.data ?? page);
        next = page?.paginationInfo?.next;
      }
    }
    return pages.every(Array.isArray) ? pages.flat() : pages.find((page) => !Array.isArray(page));
  }

  /** A runner not fetched in detail this time: its list entry over the details fetched earlier, if any. */
  private known(plain: Runner): Runner {
    const cached = this.runnerCache.get(plain.id)?.runner;
    return cached ? { ...cached, status: plain.status, paused: plain.paused, contactedAt: plain.contactedAt } : plain;
  }

  private async withDetails(basic: Json): Promise<Runner> {
    const id = basic.id as number;
    const contactedAt = str(basic.contacted_at);
    const cached = this.runnerCache.get(id);
    // The list carries no contacted_at (only the details do): a status change is its sign of a contact,
    // e.g. a new runner's first check-in (never_contacted -> online) brings its managers and version.
    const sameStatus = cached?.runner.status === (str(basic.status) ?? cached?.runner.status);
    if (
      cached &&
      cached.contactedAt === contactedAt &&
      sameStatus &&
      cached.runner.paused === (basic.paused === true)
    ) {
      return { ...cached.runner, status: str(basic.status) ?? cached.runner.status };
    }
    const [details, managers] = await Promise.all([
      this.call(() => this.api.Runners.show(id)) as Promise<unknown>,
      this.managers(id),
    ]);
    const group = ((details as Json).groups as Json[] | undefined)?.[0];
    const runner: Runner = { ...toRunner({ ...basic, ...(details as Json) }), managers };
    if (runner.type === 'group_type' && str(group?.web_url)) runner.webUrl = `${str(group?.web_url)}/-/runners/${id}`;
    const newest = managers.slice().sort((a, b) => (b.contactedAt ?? 0) - (a.contactedAt ?? 0))[0];
    runner.version ||= newest?.version;
    runner.executor ||= newest?.executor;
    this.runnerCache.set(id, { contactedAt, runner });
    return runner;
  }

  /** GET /version: the server's version ("17.11.3-ee"), to tell which runners are behind. */
  async serverVersion(): Promise<string | undefined> {
    const response = await this.call(() => this.api.Runners.requester.get('version'));
    return str((response.body as Json | undefined)?.version) || undefined;
  }

  /** GET /runners/:id/managers: gitbeaker has no method for it. */
  async managers(runnerId: number): Promise<RunnerManager[]> {
    const response = await this.call(() => this.api.Runners.requester.get(`runners/${runnerId}/managers`));
    return asList(response.body, this.url, 'runner managers').map((m) => ({
      systemId: str(m.system_id) ?? '',
      ipAddress: str(m.ip_address) || undefined,
      version: str(m.version) || undefined,
      platform: str(m.platform) || undefined,
      architecture: str(m.architecture) || undefined,
      executor: str(m.executor) || undefined,
      contactedAt: time(m.contacted_at),
      status: str(m.status),
    }));
  }

  async runnerJobs(runnerId: number, count = PACE.fleet.runnerJobs): Promise<Job[]> {
    const jobs = await this.call(() =>
      this.api.Runners.allJobs(runnerId, { perPage: count, maxPages: 1, orderBy: 'id', sort: 'desc' } as never),
    );
    return asList(jobs, this.url, 'jobs').map(toJob);
  }

  /** One runner's details, fresh (re-provisioning reads its paused flag and status now, not from the cache). */
  async runner(runnerId: number): Promise<Runner> {
    return toRunner((await this.call(() => this.api.Runners.show(runnerId))) as unknown as Json);
  }

  /** GET /runners/:id/jobs?status=running: what a drain waits for. */
  async runningJobs(runnerId: number): Promise<Job[]> {
    const jobs = await this.call(() =>
      this.api.Runners.allJobs(runnerId, { status: 'running', perPage: PACE.gitlab.pageSize } as never),
    );
    return asList(jobs, this.url, 'running jobs').map(toJob);
  }

  async cancelJob(projectId: number, jobId: number): Promise<void> {
    await this.call(() => this.api.Jobs.cancel(projectId, jobId));
  }

  async username(): Promise<string> {
    const user = (await this.call(() => this.api.Users.showCurrentUser())) as unknown as Json;
    return str(user.username) ?? '';
  }

  async createPipeline(project: string, ref: string): Promise<Pipeline> {
    const created = (await this.call(() => this.api.Pipelines.create(project, ref))) as unknown as Json;
    return toPipeline(created, num(created.project_id) ?? 0);
  }

  async setRunnerPaused(runnerId: number, paused: boolean): Promise<Runner> {
    const updated = await this.call(() => this.api.Runners.edit(runnerId, { paused }));
    this.runnerCache.delete(runnerId);
    return toRunner(updated as unknown as Json);
  }

  async pipelines(project: number | string, page = 1, perPage = PACE.gitlab.pipelinesPerPage): Promise<PipelinePage> {
    const result = (await this.call(() =>
      this.api.Pipelines.all(project, {
        page,
        perPage,
        maxPages: 1,
        showExpanded: true,
        orderBy: 'id',
        sort: 'desc',
      } as never),
    )) as unknown as { data: Json[]; paginationInfo: { next: number | null } };
    return {
      // Listed by path, a row without project_id gets its id from the caller, who looked the project up.
      pipelines: asList(result?.data, this.url, 'pipelines').map((p) =>
        toPipeline(p, typeof project === 'number' ? project : NaN),
      ),
      nextPage: result?.paginationInfo?.next ?? undefined,
    };
  }

  async pipeline(projectId: number, pipelineId: number): Promise<Pipeline> {
    return toPipeline(
      (await this.call(() => this.api.Pipelines.show(projectId, pipelineId))) as unknown as Json,
      projectId,
    );
  }

  /** Every attempt, retried ones included: the only way to tell the stages' defined order (src/core/stages.ts). */
  async pipelineJobs(projectId: number, pipelineId: number): Promise<Job[]> {
    const jobs = await this.call(() =>
      this.api.Jobs.all(projectId, { pipelineId, includeRetried: true, perPage: PACE.gitlab.pageSize }),
    );
    return asList(jobs, this.url, 'jobs').map((j) =>
      toJob({ ...j, project_id: projectId, pipeline: j.pipeline ?? { id: pipelineId } }),
    );
  }

  async retryPipeline(projectId: number, pipelineId: number): Promise<Pipeline> {
    return toPipeline(
      (await this.call(() => this.api.Pipelines.retry(projectId, pipelineId))) as unknown as Json,
      projectId,
    );
  }

  async cancelPipeline(projectId: number, pipelineId: number): Promise<Pipeline> {
    return toPipeline(
      (await this.call(() => this.api.Pipelines.cancel(projectId, pipelineId))) as unknown as Json,
      projectId,
    );
  }

  async schedules(projectId: number): Promise<PipelineSchedule[]> {
    const list = await this.call(() => this.api.PipelineSchedules.all(projectId, { perPage: PACE.gitlab.pageSize }));
    return asList(list, this.url, 'pipeline schedules').map(toSchedule);
  }

  async schedule(projectId: number, scheduleId: number): Promise<PipelineSchedule> {
    return toSchedule(
      (await this.call(() => this.api.PipelineSchedules.show(projectId, scheduleId))) as unknown as Json,
    );
  }

  async playSchedule(projectId: number, scheduleId: number): Promise<void> {
    await this.call(() => this.api.PipelineSchedules.run(projectId, scheduleId));
  }
}

function toSchedule(s: Json): PipelineSchedule {
  return {
    id: s.id as number,
    description: str(s.description) ?? '',
    ref: str(s.ref) ?? '',
    cron: str(s.cron) ?? '',
    cronTimezone: str(s.cron_timezone) ?? 'UTC',
    nextRunAt: time(s.next_run_at),
    active: s.active !== false,
    ownerUsername: str((s.owner as Json | undefined)?.username),
    lastPipeline: s.last_pipeline
      ? { id: (s.last_pipeline as Json).id as number, status: str((s.last_pipeline as Json).status) ?? '' }
      : undefined,
  };
}

export function toRunner(r: Json): Runner {
  return {
    id: r.id as number,
    description: str(r.description) ?? '',
    status: str(r.status) ?? 'unknown',
    paused: r.paused === true || r.active === false,
    type: str(r.runner_type) ?? (r.is_shared ? 'instance_type' : 'project_type'),
    tags: Array.isArray(r.tag_list) ? (r.tag_list as string[]) : [],
    runUntagged: typeof r.run_untagged === 'boolean' ? r.run_untagged : undefined,
    locked: typeof r.locked === 'boolean' ? r.locked : undefined,
    accessLevel: str(r.access_level),
    projectIds: Array.isArray(r.projects) ? (r.projects as Json[]).map((p) => p.id as number) : undefined,
    groupPath: groupPathOf(r.groups),
    contactedAt: time(r.contacted_at),
    version: str(r.version) || undefined,
    executor: str(r.executor_name) || undefined,
    ipAddress: str(r.ip_address) || undefined,
  };
}

/** A group runner's group as its full path, from the web_url GitLab gives (".../groups/infra/ci"). */
function groupPathOf(groups: unknown): string | undefined {
  const url = Array.isArray(groups) ? str((groups[0] as Json | undefined)?.web_url) : undefined;
  const path = url && /\/groups\/([^?#]+?)\/?(?:[?#]|$)/.exec(url)?.[1];
  return path || undefined;
}

export function toPipeline(p: Json, projectId: number): Pipeline {
  const user = p.user as Json | undefined;
  return {
    id: p.id as number,
    iid: num(p.iid),
    projectId: num(p.project_id) ?? projectId,
    ref: str(p.ref) ?? '',
    sha: str(p.sha) ?? '',
    source: str(p.source) ?? '',
    status: str(p.status) ?? 'unknown',
    createdAt: time(p.created_at) ?? 0,
    updatedAt: time(p.updated_at),
    startedAt: time(p.started_at),
    finishedAt: time(p.finished_at),
    duration: num(p.duration),
    webUrl: str(p.web_url) ?? '',
    user: user ? { username: str(user.username) ?? '', name: str(user.name) ?? '' } : undefined,
  };
}

export function toJob(j: Json): Job {
  const runner = j.runner as Json | null | undefined;
  const manager = j.runner_manager as Json | null | undefined;
  return {
    id: j.id as number,
    name: str(j.name) ?? '',
    stage: str(j.stage) ?? '',
    status: str(j.status) ?? 'unknown',
    allowFailure: j.allow_failure === true,
    failureReason: str(j.failure_reason),
    duration: num(j.duration),
    queuedDuration: num(j.queued_duration),
    createdAt: time(j.created_at),
    startedAt: time(j.started_at),
    finishedAt: time(j.finished_at),
    webUrl: str(j.web_url),
    tags: Array.isArray(j.tag_list) ? (j.tag_list as string[]) : [],
    ref: str(j.ref),
    runner: runner ? { id: runner.id as number, description: str(runner.description) ?? '' } : undefined,
    runnerManager: manager
      ? { systemId: str(manager.system_id) ?? '', ipAddress: str(manager.ip_address) || undefined }
      : undefined,
    pipelineId: ((j.pipeline as Json | undefined)?.id as number) ?? 0,
    projectId:
      num(j.project_id) ??
      num((j.project as Json | undefined)?.id) ??
      num((j.pipeline as Json | undefined)?.project_id) ??
      0,
    projectPath: str((j.project as Json | undefined)?.path_with_namespace),
  };
}
