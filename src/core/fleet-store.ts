// The fleet as last fetched: VMs, projects, runners, pipelines and what was expanded, keyed by
// id, firing one change event per area. Views render from it; commands mutate through it.
import pLimit from 'p-limit';
import type { FailureSink } from './failures';
import { DISK_WARN_PERCENT, type GuestAttribute } from './guest-health';
import { busyArea, type BusyKey } from './fleet-actions';
import { load, notLoaded, type Loadable } from './loadable';
import { pipelineMoving } from './motion';
import type { Job, Pipeline, PipelineSchedule, Project, Runner, WorkerVm } from './model';
import { PACE, type Pace } from './pace';
import { QUEUE_WARN_SECONDS } from './queue-time';
import type { ComputePort, GitLabPort } from './ports';
import { pipelineStatus } from './status-table';

export type FleetArea = 'workers' | 'runners' | 'pipelines';

export interface PipelineList {
  pipelines: Pipeline[];
  nextPage?: number;
}

export interface FleetSources {
  /** undefined when Google Cloud is not configured. */
  compute: () => Promise<ComputePort | undefined>;
  /** undefined when GitLab is not configured or signed out. */
  gitlab: () => Promise<GitLabPort | undefined>;
  projects: Array<string | number>;
  now: () => number;
  /** Where each failure is reported as it happens (the log); nothing by default. */
  onFailure?: FailureSink;
  /** Freshness windows and budgets; PACE.fleet unless the settings change the slow pace. */
  pace?: Pace['fleet'];
  /** Queue times over this (p90, seconds) are warned: runnerOps.insights.queueWarnSeconds. */
  queueWarnSeconds?: number;
  /** A VM reporting its disk this full (percent) is warned: runnerOps.insights.diskWarnPercent. */
  diskWarnPercent?: number;
  /**
   * Settles when the views' first rows are on screen (asked once per store): until then the
   * per-row requests (runner details and managers, pipeline details) wait, so the first render's
   * round trips between VS Code and the extension host do not queue behind their answers.
   */
  firstRowsDrawn?: () => Promise<void>;
}

export class FleetStore {
  workers: Loadable<WorkerVm[]> = notLoaded();
  projects: Loadable<Project[]> = notLoaded();
  runners: Loadable<Runner[]> = notLoaded();
  readonly pipelines = new Map<number, Loadable<PipelineList>>();
  readonly pipelineJobs = new Map<number, Loadable<Job[]>>();
  readonly runnerJobs = new Map<number, Loadable<Job[]>>();
  readonly schedules = new Map<number, Loadable<PipelineSchedule[]>>();
  /** What each VM reports from inside (guest attributes; null: none), by VM id: read on expand and tooltip only. */
  readonly guest = new Map<string, Loadable<GuestAttribute[] | null>>();
  private readonly guestReads = new Map<string, { at: number; read: Promise<void> }>();
  /** Rows with an action in flight, e.g. "Pausing…": key `runner:12`, `pipeline:345` (set by fleet-actions.ts). */
  readonly busy = new Map<BusyKey, string>();
  /** false once we know the source is not configured or signed out: views show their welcome instead. */
  computeAvailable?: boolean;
  gitlabAvailable?: boolean;
  /** GitLab's version, read once per store (a new session or settings build a new store); null when unreadable. */
  serverVersion?: string | null;
  /** The one read of serverVersion, once asked (the checklist waits on it rather than asking again). */
  serverVersionRead?: Promise<string | null>;
  private admin?: boolean;
  private projectsLookup: Promise<Project[] | undefined> | undefined;
  /** Pipeline details (duration, who triggered it) are not in GitLab's list: fetched per row, kept while unchanged. */
  private readonly pipelineDetails = new Map<number, Pipeline>();
  private readonly pace: Pace['fleet'];
  /** One limiter for all projects (PACE.fleet.detailsParallel). */
  private readonly detailsLimit: ReturnType<typeof pLimit>;
  /** sources.firstRowsDrawn, asked at the first read (the views exist by then); 'settled' after. */
  private firstRows: Promise<void> | 'settled' | undefined;
  private readonly projectRefreshedAt = new Map<number, number>();
  private readonly inFlight = new Map<FleetArea, Promise<void>>();
  private readonly lastRefresh = new Map<FleetArea, number>();
  private readonly listeners = new Set<(area: FleetArea) => void>();
  /** Set while a change nobody can see is recorded (a first read starting): emit() stays silent. */
  private unseen = false;

  get queueWarnSeconds(): number {
    return this.sources.queueWarnSeconds ?? QUEUE_WARN_SECONDS.default;
  }

  get diskWarnPercent(): number {
    return this.sources.diskWarnPercent ?? DISK_WARN_PERCENT.default;
  }

  constructor(private readonly sources: FleetSources) {
    this.pace = sources.pace ?? PACE.fleet;
    this.detailsLimit = pLimit(this.pace.detailsParallel);
  }

  /** What per-row requests wait for: the first rows on screen; undefined once they are. */
  private beforeDetails(): Promise<void> | undefined {
    if (this.firstRows === undefined) {
      const drawn = this.sources.firstRowsDrawn?.();
      const settle = () => void (this.firstRows = 'settled');
      this.firstRows = drawn ? drawn.then(settle, settle) : 'settled';
    }
    return this.firstRows === 'settled' ? undefined : this.firstRows;
  }

  onChange(listener: (area: FleetArea) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private load<T>(
    current: Loadable<T>,
    fetch: (shown: (partial: T) => void) => Promise<T>,
    changed: (next: Loadable<T>) => void,
  ): Promise<Loadable<T>> {
    const announce = (next: Loadable<T>) => {
      // A first read starting leaves its rows as they were ("Loading…"): the state changes, but an
      // event would only take the view's next redraw slot (ChangePacer) from the rows that follow.
      this.unseen = next.loading && next.value === undefined && next.error === undefined;
      try {
        changed(next);
      } finally {
        this.unseen = false;
      }
    };
    return load(current, fetch, this.sources.now, announce, this.sources.onFailure);
  }

  private emit(area: FleetArea): void {
    if (this.unseen) return;
    for (const listener of this.listeners) listener(area);
  }

  /**
   * Refreshes what one view shows: its own area now, and the areas it borrows from (VM rows
   * show runners, job rows show VMs) only when they are older than `borrowedFreshMs`, so three
   * visible views do not fetch everything three times. A refresh in flight is joined.
   */
  async refresh(
    own: FleetArea,
    borrowed: FleetArea[] = [],
    borrowedFreshMs = this.pace.borrowedFreshMs,
  ): Promise<void> {
    await Promise.all([
      this.refreshArea(own, this.pace.ownFreshMs),
      ...borrowed.map((area) => this.refreshArea(area, borrowedFreshMs)),
    ]);
  }

  /** What another reader (the checklist) borrows: read only when older than `borrowedFreshMs`; a read in flight is joined. */
  async borrow(areas: FleetArea[]): Promise<void> {
    await Promise.all(areas.map((area) => this.refreshArea(area, this.pace.borrowedFreshMs)));
  }

  private refreshArea(area: FleetArea, freshMs: number): Promise<void> | undefined {
    const running = this.inFlight.get(area);
    if (running) return running;
    if (this.sources.now() - (this.lastRefresh.get(area) ?? -Infinity) < freshMs) return undefined;
    const run = {
      workers: () => this.refreshWorkers(),
      runners: () => this.refreshRunners(),
      pipelines: () => this.refreshPipelines(),
    }
      [area]()
      .finally(() => {
        this.inFlight.delete(area);
        this.lastRefresh.set(area, this.sources.now());
      });
    this.inFlight.set(area, run);
    return run;
  }

  /** Whether the area has rows to show: a list read (an error or "Loading…" shows nothing of another area). */
  hasRows(area: FleetArea): boolean {
    if (area === 'workers') return this.workers.value !== undefined;
    if (area === 'runners') return this.runners.value !== undefined;
    return [...this.pipelines.values()].some((p) => p.value !== undefined);
  }

  /** Resolves when no area is being read (at once when none is), whatever the reads' outcome. */
  async settled(): Promise<void> {
    while (this.inFlight.size) await Promise.allSettled([...this.inFlight.values()]);
  }

  /** The first error among the areas, for the poller's backoff. */
  errorOf(areas: FleetArea[]): Error | undefined {
    for (const area of areas) {
      const error =
        area === 'workers'
          ? this.workers.error
          : area === 'runners'
            ? (this.runners.error ?? this.projects.error)
            : ([...this.pipelines.values()].find((p) => p.error)?.error ?? this.projects.error);
      if (error) return error;
    }
    return undefined;
  }

  async refreshWorkers(): Promise<void> {
    const compute = await this.sources.compute();
    this.computeAvailable = compute !== undefined;
    if (!compute) {
      this.emit('workers');
      return;
    }
    this.workers = await this.load(
      this.workers,
      (shown) => compute.listWorkers(shown),
      (next) => {
        this.workers = next;
        this.emit('workers');
      },
    );
  }

  /** The configured projects (what the checklist's access check reads), shared with the runners' and pipelines' reads. */
  async readProjects(): Promise<void> {
    const gitlab = await this.sources.gitlab();
    if (gitlab) await this.ensureProjects(gitlab);
  }

  /** The configured projects, looked up once: the runners' and pipelines' first reads share one lookup. */
  private ensureProjects(gitlab: GitLabPort): Promise<Project[] | undefined> {
    if (this.projects.value && !this.projects.error) return Promise.resolve(this.projects.value);
    this.projectsLookup ??= this.lookUpProjects(gitlab).finally(() => (this.projectsLookup = undefined));
    return this.projectsLookup;
  }

  private async lookUpProjects(gitlab: GitLabPort): Promise<Project[] | undefined> {
    // Who the user is decides how runners are listed: asked alongside the projects, not after.
    const admin = this.admin === undefined ? gitlab.isAdmin().catch(() => false) : undefined;
    // Only rows' version comparisons need it: it arrives when it arrives, asked once even if it fails.
    this.serverVersionRead ??= Promise.resolve()
      .then(() => gitlab.serverVersion())
      .then(
        (version) => {
          this.serverVersion = version ?? null;
          if (version) this.emit('runners');
          return this.serverVersion;
        },
        () => (this.serverVersion = null),
      );
    this.projects = await this.load(
      this.projects,
      () => Promise.all(this.sources.projects.map((p) => gitlab.project(p))),
      (next) => {
        this.projects = next;
      },
    );
    if (admin && !this.projects.error) this.admin = await admin;
    return this.projects.error ? undefined : this.projects.value;
  }

  async refreshRunners(): Promise<void> {
    const gitlab = await this.sources.gitlab();
    this.gitlabAvailable = gitlab !== undefined;
    if (!gitlab) {
      this.emit('runners');
      return;
    }
    const projects = await this.ensureProjects(gitlab);
    if (!projects) {
      this.runners = { ...this.runners, loading: false, error: this.projects.error };
      this.emit('runners');
      return;
    }
    this.runners = await this.load(
      this.runners,
      // Details for the rows shown first and the expanded ones (their jobs are loaded).
      (shown) =>
        gitlab.runners(projects, this.admin === true, {
          first: this.pace.visibleRows,
          ids: this.runnerJobs.keys(),
          // Rows first, details after: a first load shows the lists' rows at once.
          listed: shown,
          after: this.beforeDetails(),
        }),
      (next) => {
        this.runners = next;
        this.emit('runners');
        this.emit('workers'); // VM rows show their runners
      },
    );
    for (const id of this.runnerJobs.keys()) await this.loadRunnerJobs(id);
  }

  async refreshPipelines(): Promise<void> {
    const gitlab = await this.sources.gitlab();
    this.gitlabAvailable = gitlab !== undefined;
    if (!gitlab) {
      this.emit('pipelines');
      return;
    }
    // A first read lists each configured project's pipelines by its id or path while the projects
    // are looked up, not after: the first rows come one round trip sooner.
    const early = this.projects.value
      ? undefined
      : this.sources.projects.map((ref) => gitlab.pipelines(ref, 1).catch(() => undefined));
    const projects = await this.ensureProjects(gitlab);
    if (!projects) {
      this.emit('pipelines');
      return;
    }
    // Fast polls are for what is moving: a project with nothing running waits for the slow pace.
    const now = this.sources.now();
    const due = projects.filter(
      (p) =>
        !this.pipelines.get(p.id)?.value ||
        this.inMotion(p.id) ||
        now - (this.projectRefreshedAt.get(p.id) ?? -Infinity) >= this.pace.quietProjectMs,
    );
    const slots = this.visibleSlots(projects);
    await Promise.all(
      due.map(async (project) => {
        this.projectRefreshedAt.set(project.id, now);
        const current = this.pipelines.get(project.id) ?? notLoaded<PipelineList>();
        // Keep as many pipelines as the user loaded: refresh the first page, keep older pages.
        const next = await this.load(
          current,
          async (shown) => {
            const listed = await early?.[projects.indexOf(project)];
            const first = listed
              ? { ...listed, pipelines: listed.pipelines.map((p) => ({ ...p, projectId: project.id })) }
              : await gitlab.pipelines(project.id, 1);
            // Older pages stay only when the first page reaches them: after more than a page of
            // new pipelines they would sit below a gap, and the list goes on from page 2 instead.
            const shownBefore = current.value?.pipelines ?? [];
            const reaches = first.pipelines.some((f) => shownBefore.some((p) => p.id === f.id));
            const older = reaches
              ? shownBefore.filter(
                  (p) =>
                    !first.pipelines.some((f) => f.id === p.id) && p.id < Math.min(...first.pipelines.map((f) => f.id)),
                )
              : [];
            const page = (pipelines: Pipeline[]): PipelineList => ({
              pipelines: [...pipelines, ...older],
              nextPage: older.length ? current.value?.nextPage : first.nextPage,
            });
            const drawn = this.beforeDetails();
            if (drawn) {
              // Rows first, details once the first render is on screen.
              shown(page(first.pipelines));
              await drawn;
            }
            return page(await this.withDetails(gitlab, first.pipelines, slots.get(project.id) ?? 0));
          },
          (value) => {
            this.pipelines.set(project.id, value);
            this.emit('pipelines');
          },
        );
        this.pipelines.set(project.id, next);
      }),
    );
    // Expanded pipelines show their jobs: re-read those of pipelines still moving (or that just stopped).
    for (const [pipelineId, jobs] of this.pipelineJobs) {
      const pipeline = this.findPipeline(pipelineId);
      const jobsMoving = (jobs.value ?? []).some((j) => pipelineStatus(j.status).transitional);
      if (pipeline && (pipelineStatus(pipeline.status).transitional || jobsMoving))
        await this.loadPipelineJobs(pipeline.projectId, pipelineId);
    }
  }

  /**
   * How many of each project's pipeline rows fall within the first screenful of the view: every
   * project is expanded, each shows its row and a Schedules row above its pipelines.
   */
  private visibleSlots(projects: Project[]): Map<number, number> {
    const slots = new Map<number, number>();
    let above = 0;
    for (const project of projects) {
      above += 2;
      slots.set(project.id, Math.max(0, this.pace.visibleRows - above));
      above += this.pipelines.get(project.id)?.value?.pipelines.length ?? PACE.gitlab.pipelinesPerPage;
    }
    return slots;
  }

  private inMotion(projectId: number): boolean {
    return (this.pipelines.get(projectId)?.value?.pipelines ?? []).some((p) => pipelineMoving(this, p));
  }

  /** The user asked for a refresh: nothing counts as fresh any more. */
  invalidate(): void {
    this.lastRefresh.clear();
    this.projectRefreshedAt.clear();
  }

  async loadMorePipelines(projectId: number): Promise<void> {
    const gitlab = await this.sources.gitlab();
    const current = this.pipelines.get(projectId);
    if (!gitlab || !current?.value?.nextPage) return;
    const page = current.value.nextPage;
    await this.load(
      current,
      async () => {
        const more = await gitlab.pipelines(projectId, page);
        // The user scrolled down to "Load more": the new rows are the ones on screen.
        more.pipelines = await this.withDetails(gitlab, more.pipelines, this.pace.visibleRows);
        return { pipelines: [...(current.value?.pipelines ?? []), ...more.pipelines], nextPage: more.nextPage };
      },
      (value) => {
        this.pipelines.set(projectId, value);
        this.emit('pipelines');
      },
    );
  }

  async loadPipelineJobs(projectId: number, pipelineId: number): Promise<void> {
    const gitlab = await this.sources.gitlab();
    if (!gitlab) return;
    await this.load(
      this.pipelineJobs.get(pipelineId) ?? notLoaded<Job[]>(),
      () => gitlab.pipelineJobs(projectId, pipelineId),
      (value) => {
        this.pipelineJobs.set(pipelineId, value);
        this.emit('pipelines');
      },
    );
  }

  async loadRunnerJobs(runnerId: number): Promise<void> {
    const gitlab = await this.sources.gitlab();
    if (!gitlab) return;
    await this.load(
      this.runnerJobs.get(runnerId) ?? notLoaded<Job[]>(),
      () => gitlab.runnerJobs(runnerId, this.pace.runnerJobs),
      (value) => {
        this.runnerJobs.set(runnerId, value);
        this.emit('runners');
      },
    );
  }

  /**
   * Reads what the VM publishes about itself, unless it was read within PACE.fleet.guestFreshMs (a
   * read in flight is joined). `announce`: fire a change so the row shows the result (an expand);
   * a tooltip being resolved gets the answer directly, and a re-render would close it.
   */
  loadGuest(vm: WorkerVm, announce: boolean): Promise<void> {
    const last = this.guestReads.get(vm.id);
    // A row expanded after its tooltip was read shows what that read found.
    if (last && this.sources.now() - last.at < this.pace.guestFreshMs)
      return announce ? last.read.then(() => this.emit('workers')) : last.read;
    const read = (async () => {
      const compute = await this.sources.compute();
      if (!compute) return;
      await this.load(
        this.guest.get(vm.id) ?? notLoaded<GuestAttribute[] | null>(),
        () => compute.guestAttributes(vm),
        (next) => {
          this.guest.set(vm.id, next);
          if (announce) this.emit('workers');
        },
      );
    })();
    this.guestReads.set(vm.id, { at: this.sources.now(), read });
    return read;
  }

  async loadSchedules(projectId: number): Promise<void> {
    const gitlab = await this.sources.gitlab();
    if (!gitlab) return;
    await this.load(
      this.schedules.get(projectId) ?? notLoaded<PipelineSchedule[]>(),
      () => gitlab.schedules(projectId),
      (value) => {
        this.schedules.set(projectId, value);
        this.emit('pipelines');
      },
    );
  }

  /**
   * One request per pipeline whose list entry changed since its details were fetched
   * (updated_at), for the first `onScreen` rows of the list and the expanded ones only: the others
   * keep the list's data (over details known from earlier) until they are scrolled to or expanded.
   */
  private async withDetails(gitlab: GitLabPort, listed: Pipeline[], onScreen: number): Promise<Pipeline[]> {
    return Promise.all(
      listed.map((p, index) => {
        const known = this.pipelineDetails.get(p.id);
        if (known && known.updatedAt === p.updatedAt && known.status === p.status) return known;
        if (index >= onScreen && !this.pipelineJobs.has(p.id))
          return known ? { ...known, ...p, duration: known.duration, user: known.user } : p;
        return this.detailsLimit(async () => {
          try {
            const detailed = { ...p, ...(await gitlab.pipeline(p.projectId, p.id)) };
            this.pipelineDetails.set(p.id, detailed);
            return detailed;
          } catch {
            return p; // the row still shows what the list said
          }
        });
      }),
    );
  }

  findPipeline(pipelineId: number): Pipeline | undefined {
    for (const list of this.pipelines.values()) {
      const found = list.value?.pipelines.find((p) => p.id === pipelineId);
      if (found) return found;
    }
    return undefined;
  }

  /**
   * Replaces one pipeline after an action on it (retry, cancel) without refetching the list; a
   * pipeline the list does not have yet (a schedule just started it) goes in by id, newest first.
   */
  updatePipeline(pipeline: Pipeline): void {
    this.pipelineDetails.set(pipeline.id, pipeline);
    const list = this.pipelines.get(pipeline.projectId);
    if (!list?.value) return;
    const others = list.value.pipelines.filter((p) => p.id !== pipeline.id);
    list.value.pipelines = [...others, pipeline].sort((a, b) => b.id - a.id);
    this.emit('pipelines');
  }

  updateRunner(runner: Runner): void {
    if (!this.runners.value) return;
    this.runners = {
      ...this.runners,
      value: this.runners.value.map((r) =>
        r.id === runner.id
          ? { ...r, ...runner, managers: r.managers, tags: runner.tags.length ? runner.tags : r.tags }
          : r,
      ),
    };
    this.emit('runners');
    this.emit('workers');
  }

  setBusy(key: BusyKey, label: string | undefined): void {
    if (label) this.busy.set(key, label);
    else this.busy.delete(key);
    this.emit(busyArea(key));
  }

  async gitlab(): Promise<GitLabPort | undefined> {
    return this.sources.gitlab();
  }
}
