// POST /api/v4/runners/verify: what `gitlab-runner verify` calls with a runner's authentication
// token. 200 with the runner's id and token expiry for a valid token, 403 otherwise. Like GitLab
// (API::Ci::Runner, `update_contacted_at: false`) it does not mark the runner as contacted; with a
// `system_id` it makes sure a manager with that id exists.
import { json, readJson, type Router } from '../http';
import type { GitLabContext } from './context';
import { forbidden, invalidParam } from './errors';

export function registerRunnerVerifyRoute(router: Router, ctx: GitLabContext): void {
  const { state } = ctx;
  router.add('POST', '/api/v4/runners/verify', (req) => {
    const body = readJson<{ token?: unknown; system_id?: unknown }>(req);
    if (typeof body.token !== 'string' || body.token === '') throw invalidParam('token is missing');
    const runner = state.runnersByToken.get(body.token);
    if (!runner) throw forbidden();
    const systemId = typeof body.system_id === 'string' ? body.system_id : '';
    const managers = state.managersByRunner.get(runner.id) ?? [];
    if (systemId && !managers.some((m) => m.systemId === systemId)) {
      state.addManager({
        id: state.nextId('manager'),
        runnerId: runner.id,
        systemId,
        version: '',
        revision: '',
        platform: '',
        architecture: '',
        executor: '',
        ipAddress: '',
        createdAt: ctx.clock.now(),
        contactedAt: null,
        processAlive: false,
        adoptable: false,
      });
    }
    return json(200, {
      id: runner.id,
      token: runner.token,
      token_expires_at: runner.tokenExpiresAt === null ? null : new Date(runner.tokenExpiresAt).toISOString(),
    });
  });
}
