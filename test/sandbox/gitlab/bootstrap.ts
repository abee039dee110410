// What a bootstrap needs beyond the fleet's reads: the server's version (GET /version) and
// creating a pipeline schedule (POST /projects/:id/pipeline_schedules). POST /runners/verify is
// in runners.ts.
import { json, readJson, type Router, type SandboxRequest } from '../http';
import { findProject, projectAccess } from './access';
import { authenticate } from './auth';
import { entityContext, type GitLabContext } from './context';
import { scheduleDetails } from './entities';
import { badRequest, forbidden } from './errors';
import { nextCronRun, parseCron } from './cron';
import { DEVELOPER, type ScheduleRecord } from './state';

/** The server the sandbox plays; its runners run 17.11.0. */
export const GITLAB_VERSION = '17.11.2-ee';
export const GITLAB_REVISION = '0b1c9b5e3a2';

export function registerBootstrapRoutes(router: Router, ctx: GitLabContext): void {
  const { state } = ctx;
  const auth = (req: SandboxRequest) => authenticate(state, req, ctx.clock.now());

  router.add('GET', '/api/v4/version', (req) => {
    auth(req);
    return json(200, {
      version: GITLAB_VERSION,
      revision: GITLAB_REVISION,
      kas: {
        enabled: true,
        externalUrl: `${ctx.baseUrl.replace(/^http/, 'ws')}/-/kubernetes-agent/`,
        externalK8sProxyUrl: `${ctx.baseUrl}/-/kubernetes-agent/k8s-proxy/`,
        version: GITLAB_VERSION.replace(/-ee$/, ''),
      },
      enterprise: true,
    });
  });

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
