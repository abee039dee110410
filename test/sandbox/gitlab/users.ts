// The caller's own user and token, and project details.
import { json, type Router } from '../http';
import { findProject } from './access';
import { authenticate, authenticateAnyScope } from './auth';
import { currentUser, personalAccessToken, projectDetails } from './entities';
import { entityContext, type GitLabContext } from './context';

export function registerUserRoutes(router: Router, ctx: GitLabContext): void {
  const { state } = ctx;

  router.add('GET', '/api/v4/user', (req) => {
    const { user } = authenticate(state, req, ctx.clock.now(), ['read_user']);
    return json(200, currentUser(entityContext(ctx), user));
  });

  router.add('GET', '/api/v4/personal_access_tokens/self', (req) => {
    const { token } = authenticateAnyScope(state, req, ctx.clock.now());
    return json(200, personalAccessToken(token, ctx.clock.now()));
  });

  router.add('GET', '/api/v4/projects/:id', (req, params) => {
    const { user } = authenticate(state, req, ctx.clock.now());
    const project = findProject(state, params.id, user);
    return json(200, projectDetails(entityContext(ctx), project, user.id));
  });
}
