// What a bootstrap needs beyond the fleet's reads: creating and editing a pipeline schedule
// (POST /projects/:id/pipeline_schedules, PUT .../:schedule_id). POST /runners/verify is
// in runners.ts, GET /version in users.ts.
import { json, readJson, type Router, type SandboxRequest } from '../http';
import { findProject, projectAccess } from './access';
import { authenticate } from './auth';
import { entityContext, type GitLabContext } from './context';
import { scheduleDetails } from './entities';
import { badRequest, forbidden, notFound } from './errors';
import { nextCronRun, parseCron } from './cron';
import { DEVELOPER, MAINTAINER, type ScheduleRecord } from './state';

export function registerBootstrapRoutes(router: Router, ctx: GitLabContext): void {
  const { state } = ctx;
  const auth = (req: SandboxRequest) => authenticate(state, req, ctx.clock.now());

  router.add('POST', '/api/v4/projects/:id/pipeline_schedules', (req, params) => {
    const { user } = auth(req);
    const project = findProject(state, params.id, user);
    if (!user.isAdmin && projectAccess(state, project, user) < DEVELOPER) throw forbidden();
    const body = readJson<Record<string, unknown>>(req);
    for (const field of ['description', 'ref', 'cron'])
      if (typeof body[field] !== 'string' || !body[field]) throw badRequest(`400 Bad request - ${field} is missing`);
    const timezone = typeof body.cron_timezone === 'string' ? body.cron_timezone : 'UTC';
    const now = ctx.clock.now();
    let nextRunAt: number;
    try {
      parseCron(String(body.cron));
      nextRunAt = nextCronRun(String(body.cron), timezone, now);
    } catch {
      throw badRequest({ cron: ['is invalid syntax'] });
    }
    const schedule: ScheduleRecord = {
      id: state.nextId('schedule'),
      projectId: project.id,
      description: String(body.description),
      ref: String(body.ref).replace(/^refs\/heads\//, ''),
      cron: String(body.cron),
      cronTimezone: timezone,
      active: body.active === undefined ? true : body.active === true || body.active === 'true',
      createdAt: now,
      updatedAt: now,
      ownerId: user.id,
      nextRunAt,
      lastPipelineId: null,
    };
    state.schedules.set(schedule.id, schedule);
    return json(201, scheduleDetails(entityContext(ctx), schedule));
  });

  // Edits what the body names; the owner, or a maintainer, may (Ci::PipelineSchedulePolicy).
  router.add('PUT', '/api/v4/projects/:id/pipeline_schedules/:schedule_id', (req, params) => {
    const { user } = auth(req);
    const project = findProject(state, params.id, user);
    const schedule = state.schedules.get(Number(params.schedule_id));
    if (!schedule || schedule.projectId !== project.id) throw notFound('Pipeline Schedule');
    if (!user.isAdmin && schedule.ownerId !== user.id && projectAccess(state, project, user) < MAINTAINER)
      throw forbidden();
    const body = readJson<Record<string, unknown>>(req);
    const text = (key: string) => (typeof body[key] === 'string' && body[key] ? String(body[key]) : undefined);
    const cron = text('cron') ?? schedule.cron;
    const timezone = text('cron_timezone') ?? schedule.cronTimezone;
    let nextRunAt: number;
    try {
      parseCron(cron);
      nextRunAt = nextCronRun(cron, timezone, ctx.clock.now());
    } catch {
      throw badRequest({ cron: ['is invalid syntax'] });
    }
    Object.assign(schedule, {
      description: text('description') ?? schedule.description,
      ref: (text('ref') ?? schedule.ref).replace(/^refs\/heads\//, ''),
      cron,
      cronTimezone: timezone,
      active: body.active === undefined ? schedule.active : body.active === true || body.active === 'true',
      nextRunAt,
      updatedAt: ctx.clock.now(),
    });
    return json(200, scheduleDetails(entityContext(ctx), schedule));
  });
}
