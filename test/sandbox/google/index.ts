// The Google Cloud half of the sandbox: Compute, KMS, Storage and Logging on one router,
// all driven by one simulated clock and the shared scheduler.
import type { SandboxClock } from '../clock';
import { HttpError, Router, type Handler } from '../http';
import type { GitLabWorld, GoogleWorld } from '../world';
import { igmRoutes, ManagedGroups } from './compute/igm';
import { instanceRoutes } from './compute/instances';
import { Operations } from './compute/operations';
import { ComputeState } from './compute/state';
import { templateRoutes } from './compute/templates';
import { createContext } from './context';
import { legacyError, rpcError } from './errors';
import { GoogleIam, iamRoutes } from './iam';
import { kmsRoutes } from './kms';
import { KmsState } from './kms-state';
import { LoggingState, loggingRoutes } from './logging';
import { seedGoogle, type SeedKind, type SeedResult, type SeedWorker } from './seed';
import { storageRoutes } from './storage';
import { StorageState } from './storage-state';
import { VmLifecycle } from './vm-lifecycle';

export type { SeedKind, SeedResult, SeedWorker };

export interface GoogleSandbox extends GoogleWorld {
  router: Router;
  /** Origin the sandbox serves on; settable after listen (selfLinks use it). */
  baseUrl: string;
  seed(kind: SeedKind, workers: SeedWorker[]): SeedResult;
  /** Direct access to the state, for fault injection and assertions. */
  state: {
    compute: ComputeState;
    groups: ManagedGroups;
    kms: KmsState;
    storage: StorageState;
    logging: LoggingState;
    /** The caller's roles: what the routes allow and what testIamPermissions answers. */
    iam: GoogleIam;
  };
}

/** Brings the world up to date before every request, so responses reflect simulated "now". */
class TickingRouter extends Router {
  constructor(
    private readonly beforeEach: () => void,
    private readonly iam: GoogleIam,
    private readonly computeProject: (project: string) => void,
  ) {
    super();
  }

  override add(method: string, pattern: string, handler: Handler): this {
    const rpcStyle = pattern.startsWith('/v1/') || pattern.startsWith('/v2/');
    return super.add(method, pattern, async (req, params) => {
      this.beforeEach();
      try {
        // Compute says a project does not exist before it asks about permissions in it.
        const computeProject = /^\/compute\/v1\/projects\/([^/]+)\//.exec(req.url.pathname);
        if (computeProject) this.computeProject(decodeURIComponent(computeProject[1]));
        this.iam.check(req.method, req.url.pathname);
        return await handler(req, params);
      } catch (e) {
        // The shared readJson speaks GitLab's error shape; Google clients need their own.
        if (e instanceof HttpError && typeof (e.body as { error?: unknown }).error === 'string') {
          const message = String((e.body as { error: string }).error);
          throw rpcStyle ? rpcError(e.status, message) : legacyError(e.status, message, 'parseError');
        }
        throw e;
      }
    });
  }
}

export function createGoogle(opts: { clock: SandboxClock; gitlab: GitLabWorld; baseUrl: string }): GoogleSandbox {
  const ctx = createContext(opts.clock, opts.gitlab, opts.baseUrl);
  const storage = new StorageState(ctx);
  const kms = new KmsState(ctx);
  const logging = new LoggingState(ctx);
  const lifecycle = new VmLifecycle(ctx, storage, kms, logging);
  let ticking = false;
  const tick = (now: number) => {
    if (ticking) return; // a task that calls back into the API must not re-enter the scheduler
    ticking = true;
    try {
      ctx.scheduler.runUntil(now);
    } finally {
      ticking = false;
    }
  };
  const operations = new Operations(ctx, () => tick(ctx.now()));
  const compute = new ComputeState(ctx, lifecycle, operations);
  const groups = new ManagedGroups(ctx, compute);

  const iam = new GoogleIam();
  const router = new TickingRouter(
    () => tick(ctx.now()),
    iam,
    (project) => compute.requireProject(project),
  );
  iamRoutes(
    iam,
    { bucket: (n) => storage.bucket(n), vm: (...a) => compute.vm(...a), template: (...a) => compute.template(...a) },
    router,
  );
  instanceRoutes(ctx, compute, router);
  templateRoutes(ctx, compute, router);
  igmRoutes(ctx, compute, groups, router);
  kmsRoutes(kms, router, iam);
  storageRoutes(ctx, storage, router);
  loggingRoutes(ctx, logging, router);

  return {
    router,
    get baseUrl() {
      return ctx.baseUrl;
    },
    set baseUrl(value: string) {
      ctx.baseUrl = value;
    },
    tick,
    seed: (kind, workers) => seedGoogle({ ctx, compute, groups, kms, storage, lifecycle }, kind, workers),
    state: { compute, groups, kms, storage, logging, iam },
  };
}
