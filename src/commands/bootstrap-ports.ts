// The ports the checklist's fixes act through, each adapter loaded on first use (src/lazy.ts):
// KMS and Storage from the secrets bundle, Compute from the Compute bundle, GitLab with the
// signed-in session.
import type { BootstrapPorts } from '../core/bootstrap-fixes';
import type { SecretsPort } from '../core/secrets';
import { loadCompute, loadGitLab, loadSecrets } from '../lazy';
import type { Services } from '../services';

export function bootstrapPorts(services: Services): BootstrapPorts & { close(): Promise<void> } {
  const settings = services.settings();
  const closers: Array<() => Promise<void>> = [];
  /** Made on first use; closed with the ports. */
  const once = <T extends object>(make: () => Promise<T>) => {
    let made: Promise<T> | undefined;
    return () =>
      (made ??= make().then((adapter) => {
        const closable = adapter as { close?(): Promise<void> };
        closers.push(async () => closable.close?.());
        return adapter;
      }));
  };
  const google = once(() => loadSecrets().then((m) => new m.GoogleBootstrap(settings)));
  const compute = once(() => loadCompute().then((m) => new m.WorkerCompute(settings)));
  const secrets = once(() => loadSecrets().then((m): SecretsPort => m.secretsPort(settings)));
  const gitlab = once(async () => {
    const session = await services.gitlabSession();
    if (!session) throw new Error(`Not signed in to GitLab at ${settings.gitlabUrl}: sign in first.`);
    return new (await loadGitLab()).GitLabBootstrap(session.url, session.token, session.caFile);
  });
  return {
    createRingAndKey: async (k, rotation, next) => (await google()).createRingAndKey(k, rotation, next),
    ensureBucket: async (spec) => (await google()).ensureBucket(spec),
    template: async (project, name) => (await compute()).template(project, name),
    createTemplate: async (project, spec) => (await compute()).createTemplate(project, spec),
    createVm: async (project, zone, name, template, requestId) =>
      (await compute()).createVm(project, zone, name, template, requestId),
    createRunner: async (project, description, tags) => (await gitlab()).createRunner(project, description, tags),
    createSchedule: async (spec) => (await gitlab()).createSchedule(spec),
    secrets,
    close: async () => {
      await Promise.all(closers.map((close) => close().catch(() => undefined)));
    },
  };
}
