// Pipeline, job, trace and pipeline-schedule routes of a project.
import { HttpError, json, readJson, type Router, type SandboxRequest } from '../http';
import { findProject, projectAccess } from './access';
import { authenticate } from './auth';
import { entityContext, type GitLabContext } from './context';
import {
  job as jobEntity,
  pipeline as pipelineEntity,
  pipelineBasic,
  pipelineWithMetadata,
  schedule as scheduleEntity,
  scheduleDetails,
} from './entities';
import { forbidden, invalidParam, notFound, recordNotFound } from './errors';
import { paginate } from './pagination';
import { COMPLETED, pipelineStatus } from './pipeline-status';
import { ReferenceNotFound } from './simulation';
import { DEVELOPER, type JobRecord, type PipelineRecord, type ProjectRecord, type UserRecord } from './state';
import { renderTrace } from './trace';

const PIPELINE_STATUSES = [
  'created',
  'waiting_for_resource',
  'preparing',
  'pending',
  'running',
  'success',
  'failed',
  'canceled',
  'skipped',
  'manual',
  'scheduled',
];
const JOB_SCOPES = [
  'created',
  'pending',
  'running',
  'failed',
  'success',
  'canceled',
  'skipped',
  'waiting_for_resource',
  'manual',
];
const ORDER_BY = ['id', 'status', 'ref', 'updated_at', 'user_id'];

function requireDeveloper(ctx: GitLabContext, project: ProjectRecord, user: UserRecord): void {
  if (!user.isAdmin && projectAccess(ctx.state, project, user) < DEVELOPER) throw forbidden();
}

function findPipeline(ctx: GitLabContext, project: ProjectRecord, id: string): PipelineRecord {
  const pipeline = ctx.state.pipelines.get(Number(id));
  if (!pipeline || pipeline.projectId !== project.id) throw recordNotFound();
  return pipeline;
}

function findJob(ctx: GitLabContext, project: ProjectRecord, id: string): JobRecord {
  const job = ctx.state.jobs.get(Number(id));
  if (!job || job.projectId !== project.id) throw recordNotFound();
  return job;
}

function timeParam(q: URLSearchParams, name: string): number | undefined {
  const value = q.get(name);
  if (value === null) return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw invalidParam(`${name} is invalid`);
  return ms;
}

/** Scope filter given as `scope=x` or `scope[]=x&scope[]=y`. */
function jobScopes(q: URLSearchParams): string[] | undefined {
  const scopes = [...q.getAll('scope'), ...q.getAll('scope[]')].flatMap((s) => s.split(','));
  if (scopes.length === 0) return undefined;
  for (const s of scopes) if (!JOB_SCOPES.includes(s)) throw invalidParam('scope does not have a valid value');
  return scopes;
}

function filterPipelines(ctx: GitLabContext, req: SandboxRequest, project: ProjectRecord): PipelineRecord[] {
  const q = req.url.searchParams;
  const { state } = ctx;
  const status = q.get('status');
  const scope = q.get('scope');
  const orderBy = q.get('order_by') ?? 'id';
  const sort = q.get('sort') ?? 'desc';
  if (status !== null && !PIPELINE_STATUSES.includes(status)) throw invalidParam('status does not have a valid value');
  if (scope !== null && !['running', 'pending', 'finished', 'branches', 'tags'].includes(scope))
    throw invalidParam('scope does not have a valid value');
  if (!ORDER_BY.includes(orderBy)) throw invalidParam('order_by does not have a valid value');
  if (sort !== 'asc' && sort !== 'desc') throw invalidParam('sort does not have a valid value');
  const updatedAfter = timeParam(q, 'updated_after');
  const updatedBefore = timeParam(q, 'updated_before');
  const createdAfter = timeParam(q, 'created_after');
  const createdBefore = timeParam(q, 'created_before');
  const ref = q.get('ref');
  const sha = q.get('sha');
  const source = q.get('source');
  const username = q.get('username');
  const name = q.get('name');
  const rows = (state.pipelinesByProject.get(project.id) ?? []).filter((p) => {
    const s = pipelineStatus(state, p);
    if (status !== null && s !== status) return false;
    if (scope === 'running' && s !== 'running') return false;
    if (scope === 'pending' && s !== 'pending') return false;
    if (scope === 'finished' && !COMPLETED.has(s)) return false;
    if (scope === 'tags' && !p.tag) return false;
    if (scope === 'branches' && p.tag) return false;
    if (ref !== null && p.ref !== ref) return false;
    if (sha !== null && p.sha !== sha) return false;
    if (source !== null && p.source !== source) return false;
    if (name !== null && p.name !== name) return false;
    if (username !== null && state.users.get(p.userId)?.username !== username) return false;
    if (updatedAfter !== undefined && p.updatedAt <= updatedAfter) return false;
    if (updatedBefore !== undefined && p.updatedAt >= updatedBefore) return false;
    if (createdAfter !== undefined && p.createdAt <= createdAfter) return false;
    if (createdBefore !== undefined && p.createdAt >= createdBefore) return false;
    return true;
  });
  const key = (p: PipelineRecord): string | number =>
    orderBy === 'status'
      ? pipelineStatus(state, p)
      : orderBy === 'ref'
        ? p.ref
        : orderBy === 'updated_at'
          ? p.updatedAt
          : orderBy === 'user_id'
            ? p.userId
            : p.id;
  const direction = sort === 'asc' ? 1 : -1;
  return rows.sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    return (ka < kb ? -1 : ka > kb ? 1 : a.id - b.id) * direction;
  });
}

export function registerPipelineRoutes(router: Router, ctx: GitLabContext): void {
  const { state, sim } = ctx;
  const auth = (req: SandboxRequest) => authenticate(state, req, ctx.clock.now());
  const project = (req: SandboxRequest, id: string) => {
    const { user } = auth(req);
    return { user, project: findProject(state, id, user) };
  };
  const view = () => entityContext(ctx);

  router.add('GET', '/api/v4/projects/:id/pipelines', (req, params) => {
    const { project: p } = project(req, params.id);
    return paginate(req, ctx.baseUrl, filterPipelines(ctx, req, p), (row) => pipelineBasic(view(), row));
  });

  router.add('GET', '/api/v4/projects/:id/pipelines/:pipeline_id', (req, params) => {
    const { project: p } = project(req, params.id);
    return json(200, pipelineWithMetadata(view(), findPipeline(ctx, p, params.pipeline_id)));
  });

  router.add('POST', '/api/v4/projects/:id/pipeline', (req, params) => {
    const { user, project: p } = project(req, params.id);
    requireDeveloper(ctx, p, user);
    const body = { ...Object.fromEntries(req.url.searchParams), ...readJson(req) };
    if (typeof body.ref !== 'string' || body.ref === '') throw invalidParam('ref is missing');
    try {
      const pipeline = sim.createPipeline(p, body.ref, 'api', user.id, ctx.clock.now());
      return json(201, pipelineEntity(view(), pipeline));
    } catch (e) {
      if (e instanceof ReferenceNotFound) throw new HttpError(400, { message: { base: ['Reference not found'] } });
      throw e;
    }
  });

  router.add('POST', '/api/v4/projects/:id/pipelines/:pipeline_id/retry', (req, params) => {
    const { user, project: p } = project(req, params.id);
    requireDeveloper(ctx, p, user);
    const pipeline = findPipeline(ctx, p, params.pipeline_id);
    sim.retryPipeline(pipeline, ctx.clock.now());
    return json(201, pipelineEntity(view(), pipeline));
  });

  router.add('POST', '/api/v4/projects/:id/pipelines/:pipeline_id/cancel', (req, params) => {
    const { user, project: p } = project(req, params.id);
    requireDeveloper(ctx, p, user);
    const pipeline = findPipeline(ctx, p, params.pipeline_id);
    sim.cancelPipeline(pipeline, ctx.clock.now());
    return json(200, pipelineEntity(view(), pipeline)); // documented as 200, unlike other POSTs
  });

  router.add('GET', '/api/v4/projects/:id/pipelines/:pipeline_id/jobs', (req, params) => {
    const { project: p } = project(req, params.id);
    const pipeline = findPipeline(ctx, p, params.pipeline_id);
    const scopes = jobScopes(req.url.searchParams);
    const includeRetried = req.url.searchParams.get('include_retried') === 'true';
    const jobs = state
      .pipelineJobs(pipeline)
      .filter((j) => includeRetried || !j.retried)
      .filter((j) => !scopes || scopes.includes(j.status))
      .sort((a, b) => a.id - b.id);
    return paginate(req, ctx.baseUrl, jobs, (j) => jobEntity(view(), j));
  });

  router.add('GET', '/api/v4/projects/:id/jobs', (req, params) => {
    const { project: p } = project(req, params.id);
    const scopes = jobScopes(req.url.searchParams);
    const jobs = (state.pipelinesByProject.get(p.id) ?? [])
      .flatMap((pl) => state.pipelineJobs(pl))
      .filter((j) => !scopes || scopes.includes(j.status))
      .sort((a, b) => b.id - a.id);
    return paginate(req, ctx.baseUrl, jobs, (j) => jobEntity(view(), j));
  });

  router.add('GET', '/api/v4/projects/:id/jobs/:job_id', (req, params) => {
    const { project: p } = project(req, params.id);
    return json(200, jobEntity(view(), findJob(ctx, p, params.job_id)));
  });

  router.add('GET', '/api/v4/projects/:id/jobs/:job_id/trace', (req, params) => {
    const { project: p } = project(req, params.id);
    const job = findJob(ctx, p, params.job_id);
    const pipeline = state.pipelines.get(job.pipelineId) as PipelineRecord;
    const trace = renderTrace(
      {
        job,
        runner: job.runnerId === null ? undefined : state.runners.get(job.runnerId),
        manager: job.managerId === null ? undefined : state.managers.get(job.managerId),
        projectPath: state.projectFullPath(p),
        sha: pipeline.sha,
        ref: pipeline.ref,
      },
      ctx.clock.now(),
    );
    return { status: 200, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: trace };
  });

  router.add('POST', '/api/v4/projects/:id/jobs/:job_id/cancel', (req, params) => {
    const { user, project: p } = project(req, params.id);
    requireDeveloper(ctx, p, user);
    const job = findJob(ctx, p, params.job_id);
    sim.cancelJob(job, ctx.clock.now());
    return json(201, jobEntity(view(), job));
  });

  router.add('POST', '/api/v4/projects/:id/jobs/:job_id/retry', (req, params) => {
    const { user, project: p } = project(req, params.id);
    requireDeveloper(ctx, p, user);
    const job = findJob(ctx, p, params.job_id);
    const retried = sim.retryJob(job, ctx.clock.now());
    if (!retried) throw forbidden('Job is not retryable');
    return json(201, jobEntity(view(), retried));
  });

  router.add('GET', '/api/v4/projects/:id/pipeline_schedules', (req, params) => {
    const { project: p } = project(req, params.id);
    const scope = req.url.searchParams.get('scope');
    if (scope !== null && scope !== 'active' && scope !== 'inactive')
      throw invalidParam('scope does not have a valid value');
    const schedules = [...state.schedules.values()]
      .filter((s) => s.projectId === p.id)
      .filter((s) => scope === null || s.active === (scope === 'active'))
      .sort((a, b) => a.id - b.id);
    return paginate(req, ctx.baseUrl, schedules, (s) => scheduleEntity(view(), s));
  });

  const findSchedule = (p: ProjectRecord, id: string) => {
    const schedule = state.schedules.get(Number(id));
    if (!schedule || schedule.projectId !== p.id) throw notFound('Pipeline Schedule');
    return schedule;
  };

  router.add('GET', '/api/v4/projects/:id/pipeline_schedules/:schedule_id', (req, params) => {
    const { project: p } = project(req, params.id);
    return json(200, scheduleDetails(view(), findSchedule(p, params.schedule_id)));
  });

  router.add('POST', '/api/v4/projects/:id/pipeline_schedules/:schedule_id/play', (req, params) => {
    const { user, project: p } = project(req, params.id);
    requireDeveloper(ctx, p, user);
    sim.playSchedule(findSchedule(p, params.schedule_id), ctx.clock.now());
    return json(201, { message: '201 Created' });
  });
}
