// What a bootstrap needs beyond the fleet's reads: creating a pipeline schedule (POST /projects/:id/pipeline_schedules). POST /runners/verify is
// in runners.ts, GET /version in users.ts.
import { json, readJson, type Router, type SandboxRequest } from '../http';
import { findProject, projectAccess } from './access';
import { authenticate } from './auth';
import { entityContext, type GitLabContext } from './context';
import { scheduleDetails } from './entities';
import { badRequest, forbidden } from './errors';
import { nextCronRun, parseCron } from './cron';
import { DEVELOPER, type ScheduleRecord } from './state';

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
}
