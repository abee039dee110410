// The caller's own user and token, and project details.
import { json, type Handler, type Router } from '../http';
import { findProject } from './access';
import { authenticate, authenticateAnyScope } from './auth';
import { currentUser, personalAccessToken, projectDetails } from './entities';
import { entityContext, type GitLabContext } from './context';
import { revisionOf } from './simulation';

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

  // lib/api/metadata.rb: `GET /metadata` and `GET /version` answer the same Metadata entity, to any
  // token with read_api, api or read_user.
  const metadata: Handler = (req) => {
    authenticate(state, req, ctx.clock.now(), ['read_user']);
    const version = state.serverVersion;
    const plain = version.replace(/-ee$/, '');
    return json(200, {
      version,
      revision: revisionOf(version),
      kas: {
        enabled: true,
        externalUrl: `${ctx.baseUrl.replace(/^http/, 'ws')}/-/kubernetes-agent/`,
        externalK8sProxyUrl: `${ctx.baseUrl}/-/kubernetes-agent/k8s-proxy/`,
        version: plain,
      },
      enterprise: version.endsWith('-ee'),
    });
  };
  router.add('GET', '/api/v4/version', metadata);
  router.add('GET', '/api/v4/metadata', metadata);

  router.add('GET', '/api/v4/projects/:id', (req, params) => {
    const { user } = authenticate(state, req, ctx.clock.now());
    const project = findProject(state, params.id, user);
    return json(200, projectDetails(entityContext(ctx), project, user.id));
  });
}
