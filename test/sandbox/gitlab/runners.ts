// Runner routes: lists with GitLab's filters, details, edit, delete, jobs, managers, token reset
// and runner creation (POST /user/runners).
import { randomBytes } from 'node:crypto';
import { HttpError, json, readJson, type Router, type SandboxRequest } from '../http';
import {
  findGroup,
  findProject,
  findRunner,
  ownsRunner,
  requireGroupOwner,
  requireProjectMaintainer,
  requireRunnerAdmin,
  requireRunnerRead,
} from './access';
import { authenticate } from './auth';
import { entityContext, type GitLabContext } from './context';
import { jobWithProject, runner as runnerEntity, runnerDetails, runnerManager } from './entities';
import { badRequest, forbidden, invalidParam, notFound } from './errors';
import { paginate } from './pagination';
import { runnerStatus } from './runner-status';
import type { GitLabState, RunnerRecord, RunnerType } from './state';

const RUNNER_TYPES: RunnerType[] = ['instance_type', 'group_type', 'project_type'];
const STATUS_FILTERS = ['active', 'paused', 'online', 'offline', 'stale', 'never_contacted'];
const JOB_STATUS_FILTERS = ['running', 'success', 'failed', 'canceled'];

export function newRunnerToken(): string {
  return `glrt-${randomBytes(15).toString('base64url').slice(0, 20)}`;
}

function bool(value: unknown): boolean | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  return value === true || value === 'true' || value === '1' || value === 1;
}

function tagList(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  const list = Array.isArray(value) ? value.map(String) : String(value).split(',');
  return list.map((t) => t.trim()).filter(Boolean);
}

/** type / status / paused / tag_list, validated like Grape does (400 "<param> does not have a valid value"). */
function filterRunners(ctx: GitLabContext, req: SandboxRequest, runners: RunnerRecord[]): RunnerRecord[] {
  const q = req.url.searchParams;
  const type = q.get('type');
  const status = q.get('status');
  const paused = q.get('paused');
  const tags = tagList(q.get('tag_list') ?? undefined);
  if (type !== null && !RUNNER_TYPES.includes(type as RunnerType))
    throw invalidParam('type does not have a valid value');
  if (status !== null && !STATUS_FILTERS.includes(status)) throw invalidParam('status does not have a valid value');
  if (paused !== null && paused !== 'true' && paused !== 'false') throw invalidParam('paused is invalid');
  const now = ctx.clock.now();
  return runners.filter((r) => {
    if (type !== null && r.runnerType !== type) return false;
    if (paused !== null && r.paused !== (paused === 'true')) return false;
    if (status === 'active' && r.paused) return false;
    if (status === 'paused' && !r.paused) return false;
    if (status !== null && status !== 'active' && status !== 'paused' && runnerStatus(ctx.state, r, now) !== status)
      return false;
    if (tags && !tags.every((t) => r.tagList.includes(t))) return false;
    return true;
  });
}

const expiresAt = (runner: RunnerRecord) =>
  runner.tokenExpiresAt === null ? null : new Date(runner.tokenExpiresAt).toISOString();

function byId(runners: Iterable<RunnerRecord>): RunnerRecord[] {
  return [...runners].sort((a, b) => a.id - b.id);
}

function applyEdits(runner: RunnerRecord, body: Record<string, unknown>): void {
  if (typeof body.description === 'string') runner.description = body.description;
  const paused = bool(body.paused);
  const active = bool(body.active);
  if (paused !== undefined) runner.paused = paused;
  else if (active !== undefined) runner.paused = !active;
  const tags = tagList(body.tag_list);
  if (tags) runner.tagList = tags;
  const runUntagged = bool(body.run_untagged);
  if (runUntagged !== undefined) runner.runUntagged = runUntagged;
  const locked = bool(body.locked);
  if (locked !== undefined) runner.locked = locked;
  if (body.access_level !== undefined) {
    if (body.access_level !== 'not_protected' && body.access_level !== 'ref_protected')
      throw invalidParam('access_level does not have a valid value');
    runner.accessLevel = body.access_level;
  }
  if (body.maximum_timeout !== undefined)
    runner.maximumTimeout = body.maximum_timeout === null ? null : Number(body.maximum_timeout);
  if (body.maintenance_note !== undefined)
    runner.maintenanceNote = body.maintenance_note === null ? null : String(body.maintenance_note);
}

/** Runners a project can use: its own, its groups' (if enabled) and instance runners (if enabled). */
function projectRunners(ctx: GitLabContext, projectId: number): RunnerRecord[] {
  const project = ctx.state.projects.get(projectId);
  if (!project) return [];
  return byId([...ctx.state.runners.values()].filter((r) => ctx.sim.servesProject(r, project)));
}

function groupRunners(state: GitLabState, groupId: number): RunnerRecord[] {
  const chain = new Set(state.groupChain(groupId).map((g) => g.id));
  return byId(
    [...state.runners.values()].filter(
      (r) =>
        r.runnerType === 'instance_type' ||
        (r.runnerType === 'group_type' && r.groupId !== null && chain.has(r.groupId)),
    ),
  );
}

export function registerRunnerRoutes(router: Router, ctx: GitLabContext): void {
  const { state } = ctx;
  const auth = (req: SandboxRequest) => authenticate(state, req, ctx.clock.now());
  const list = (req: SandboxRequest, runners: RunnerRecord[]) =>
    paginate(req, ctx.baseUrl, filterRunners(ctx, req, runners), (r) => runnerEntity(entityContext(ctx), r));

  router.add('GET', '/api/v4/runners', (req) => {
    const { user } = auth(req);
    return list(req, byId([...state.runners.values()].filter((r) => ownsRunner(state, r, user))));
  });

  router.add('GET', '/api/v4/runners/all', (req) => {
    const { user } = auth(req);
    if (!user.isAdmin) throw forbidden();
    return list(req, byId(state.runners.values()));
  });

  router.add('GET', '/api/v4/projects/:id/runners', (req, params) => {
    const { user } = auth(req);
    const project = findProject(state, params.id, user);
    requireProjectMaintainer(state, project, user);
    return list(req, projectRunners(ctx, project.id));
  });

  router.add('GET', '/api/v4/groups/:id/runners', (req, params) => {
    const { user } = auth(req);
    const group = findGroup(state, params.id, user);
    requireGroupOwner(state, group, user);
    return list(req, groupRunners(state, group.id));
  });

  router.add('GET', '/api/v4/runners/:id', (req, params) => {
    const { user } = auth(req);
    const runner = findRunner(state, params.id);
    requireRunnerRead(state, runner, user);
    return json(200, runnerDetails(entityContext(ctx), runner));
  });

  router.add('PUT', '/api/v4/runners/:id', (req, params) => {
    const { user } = auth(req);
    const runner = findRunner(state, params.id);
    requireRunnerAdmin(state, runner, user);
    applyEdits(runner, readJson(req));
    return json(200, runnerDetails(entityContext(ctx), runner));
  });

  // What `gitlab-runner unregister` calls for one host: removes that system_id's manager. Before
  // /runners/:id, which would take `managers` for an id.
  router.add('DELETE', '/api/v4/runners/managers', (req) => {
    const { runner, body } = byRunnerToken(req);
    if (typeof body.system_id !== 'string' || body.system_id === '') throw invalidParam('system_id is missing');
    const list = state.managersByRunner.get(runner.id) ?? [];
    const manager = list.find((m) => m.systemId === body.system_id);
    if (!manager) throw notFound('Runner Manager');
    state.managers.delete(manager.id);
    state.managersByRunner.set(
      runner.id,
      list.filter((m) => m !== manager),
    );
    return { status: 204 };
  });

  router.add('DELETE', '/api/v4/runners/:id', (req, params) => {
    const { user } = auth(req);
    const runner = findRunner(state, params.id);
    requireRunnerAdmin(state, runner, user);
    state.removeRunner(runner);
    return { status: 204 };
  });

  router.add('GET', '/api/v4/runners/:id/jobs', (req, params) => {
    const { user } = auth(req);
    const runner = findRunner(state, params.id);
    requireRunnerAdmin(state, runner, user);
    const q = req.url.searchParams;
    const status = q.get('status');
    const sort = q.get('sort') ?? 'desc';
    const orderBy = q.get('order_by') ?? 'id';
    const systemId = q.get('system_id');
    if (status !== null && !JOB_STATUS_FILTERS.includes(status))
      throw invalidParam('status does not have a valid value');
    if (sort !== 'asc' && sort !== 'desc') throw invalidParam('sort does not have a valid value');
    if (orderBy !== 'id') throw invalidParam('order_by does not have a valid value');
    const jobs = (state.jobsByRunner.get(runner.id) ?? [])
      .filter((j) => status === null || j.status === status)
      .filter(
        (j) => systemId === null || (j.managerId !== null && state.managers.get(j.managerId)?.systemId === systemId),
      )
      .sort((a, b) => (sort === 'asc' ? a.id - b.id : b.id - a.id));
    return paginate(req, ctx.baseUrl, jobs, (j) => jobWithProject(entityContext(ctx), j));
  });

  router.add('GET', '/api/v4/runners/:id/managers', (req, params) => {
    const { user } = auth(req);
    const runner = findRunner(state, params.id);
    requireRunnerRead(state, runner, user);
    const managers = [...(state.managersByRunner.get(runner.id) ?? [])].sort((a, b) => a.id - b.id);
    return json(
      200,
      managers.map((m) => runnerManager(entityContext(ctx), m)),
    );
  });

  router.add('POST', '/api/v4/runners/:id/reset_authentication_token', (req, params) => {
    const { user } = auth(req);
    const runner = findRunner(state, params.id);
    requireRunnerAdmin(state, runner, user);
    return json(201, resetToken(runner));
  });

  // The old token stops working at once: the index only knows the new one. The new token's
  // expiry restarts from now when an expiration interval applies (Ci::Runner#reset_token!).
  const resetToken = (runner: RunnerRecord) => {
    state.runnersByToken.delete(runner.token);
    runner.token = newRunnerToken();
    runner.tokenExpiresAt = runner.tokenLifetimeMs ? ctx.clock.now() + runner.tokenLifetimeMs : null;
    state.indexToken(runner);
    return { token: runner.token, token_expires_at: expiresAt(runner) };
  };

  /** The runner whose (valid) token the body carries, as `gitlab-runner` authenticates; 403 otherwise. */
  const byRunnerToken = (req: SandboxRequest) => {
    const body = readJson(req);
    if (typeof body.token !== 'string' || body.token === '') throw invalidParam('token is missing');
    const runner = state.runnersByToken.get(body.token);
    if (!runner || !ctx.sim.tokenValid(runner, ctx.clock.now())) throw forbidden();
    return { runner, body };
  };

  // What `gitlab-runner reset-token` calls: authenticated by the runner's own token.
  router.add('POST', '/api/v4/runners/reset_authentication_token', (req) =>
    json(201, resetToken(byRunnerToken(req).runner)),
  );

  // Authenticated by the runner token in the body, not a user's: what `gitlab-runner verify` calls.
  // With a system_id GitLab ensures that manager exists; it does not count as a contact.
  router.add('POST', '/api/v4/runners/verify', (req) => {
    const { runner, body } = byRunnerToken(req);
    if (runner.runnerType === 'project_type' && runner.projectIds.length === 0)
      throw new HttpError(422, { message: 'Runner is orphaned' });
    if (typeof body.system_id === 'string' && body.system_id !== '')
      ctx.sim.ensureManager(runner, body.system_id, ctx.clock.now());
    return json(200, { id: runner.id, token: runner.token, token_expires_at: expiresAt(runner) });
  });

  router.add('POST', '/api/v4/user/runners', (req) => {
    const { user } = auth(req);
    const body = readJson(req);
    const runnerType = body.runner_type;
    if (runnerType === undefined) throw invalidParam('runner_type is missing');
    if (!RUNNER_TYPES.includes(runnerType as RunnerType)) throw invalidParam('runner_type does not have a valid value');
    let groupId: number | null = null;
    let projectIds: number[] = [];
    if (runnerType === 'instance_type') {
      if (!user.isAdmin) throw forbidden('Insufficient permissions');
    } else if (runnerType === 'group_type') {
      if (body.group_id === undefined) throw badRequest('400 Bad request - Missing/invalid group_id');
      const group = findGroup(state, String(body.group_id), user);
      requireGroupOwner(state, group, user);
      groupId = group.id;
    } else {
      if (body.project_id === undefined) throw badRequest('400 Bad request - Missing/invalid project_id');
      const project = findProject(state, String(body.project_id), user);
      requireProjectMaintainer(state, project, user);
      projectIds = [project.id];
    }
    const now = ctx.clock.now();
    const created: RunnerRecord = {
      id: state.nextId('runner'),
      runnerType: runnerType as RunnerType,
      description: typeof body.description === 'string' ? body.description : '',
      name: null,
      createdAt: now,
      createdById: user.id,
      paused: false,
      tagList: [],
      runUntagged: true,
      locked: runnerType === 'project_type',
      accessLevel: 'not_protected',
      maximumTimeout: null,
      maintenanceNote: null,
      token: newRunnerToken(),
      tokenExpiresAt: null,
      groupId,
      projectIds,
    };
    applyEdits(created, body);
    state.addRunner(created);
    return json(201, { id: created.id, token: created.token, token_expires_at: null });
  });
}
