// One loopback HTTP server for the whole sandbox: GitLab under /api/v4, the Google APIs
// everywhere else, /_sandbox/* for control. Adds global latency and injected faults, logs every
// request, and ticks the world.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SandboxClock } from './clock';
import { apiError, describeAction, FaultController, FaultSpecError, type FaultRule } from './faults';
import { createGoogle } from './google/index';
import { partialResponse } from './google/field-mask';
import { createGitLab } from './gitlab/index';
import { HttpError, json, readJson, Router, type SandboxRequest, type SandboxResponse } from './http';
import { apiOf, RequestLog, type ApiName } from './request-log';
import { seedWorld, type SeedKind, type SeedTokens } from './seeds';
import type { World } from './world';

export interface SandboxOptions {
  port?: number;
  seed?: SeedKind;
  latencyMs?: number;
  faults?: string;
  timeScale?: number;
  /** The Google caller's roles on the project (default: roles/owner); fewer roles seed a missing permission. */
  roles?: string[];
}

export interface Sandbox {
  url: string;
  gitlabToken: string;
  /** The seeded tokens: admin (api), readOnly (read_api), user (non-admin developer), revoked. */
  tokens: SeedTokens;
  settings: Record<string, unknown>;
  world: World;
  requests: RequestLog;
  faults: FaultController;
  close(): Promise<void>;
}

const TICK_MS = 100;

function encode(response: SandboxResponse): { headers: Record<string, string>; body: Buffer } {
  const headers: Record<string, string> = { ...(response.headers ?? {}) };
  let body: Buffer;
  if (response.body === undefined || response.body === null) body = Buffer.alloc(0);
  else if (Buffer.isBuffer(response.body)) body = response.body;
  else if (typeof response.body === 'string') body = Buffer.from(response.body, 'utf8');
  else {
    body = Buffer.from(JSON.stringify(response.body), 'utf8');
    if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type'))
      headers['content-type'] = 'application/json';
  }
  headers['content-length'] = String(body.length);
  return { headers, body };
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

async function dispatch(router: Router, api: ApiName, req: SandboxRequest): Promise<SandboxResponse> {
  const match = router.match(req.method, req.url.pathname);
  if (match === undefined)
    return apiError(
      api,
      404,
      api === 'gitlab' || api === 'unknown'
        ? undefined
        : `The requested URL ${req.url.pathname} was not found on this server.`,
    );
  if (match === 'method-not-allowed') return apiError(api, 405);
  try {
    return await match.handler(req, match.params);
  } catch (e) {
    if (e instanceof HttpError) return { status: e.status, body: e.body, headers: e.headers };
    process.stderr.write(`sandbox: ${req.method} ${req.url.pathname} failed: ${(e as Error).stack ?? String(e)}\n`);
    return apiError(api, 500, api === 'gitlab' ? '500 Internal Server Error' : String((e as Error).message));
  }
}

/** Writes a response, possibly sabotaged by a fault (truncated, or dripped slowly on the simulated clock). */
async function send(
  res: ServerResponse,
  response: SandboxResponse,
  fault: FaultRule | undefined,
  clock: SandboxClock,
): Promise<void> {
  const { headers, body } = encode(response);
  res.writeHead(response.status, headers);
  if (fault?.action.kind === 'truncate' && body.length > 0) {
    res.write(body.subarray(0, Math.floor(body.length / 2)));
    await new Promise<void>((resolve) => res.once('drain', resolve).write('', () => resolve()));
    res.socket?.destroy();
    return;
  }
  if (fault?.action.kind === 'slow' && body.length > 0) {
    const pieces = Math.min(10, body.length);
    const size = Math.ceil(body.length / pieces);
    for (let i = 0; i < body.length && !res.destroyed; i += size) {
      res.write(body.subarray(i, i + size));
      await clock.sleep(fault.action.ms / pieces);
    }
    res.end();
    return;
  }
  res.end(body);
}

/** Every sandbox this process started, closed ones too: the whole-run leak scan reads their worlds. */
export const startedSandboxes: Sandbox[] = [];

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const clock = new SandboxClock(options.timeScale ?? 1);
  const requests = new RequestLog();
  const faults = new FaultController(options.faults);
  const latencyMs = options.latencyMs ?? 0;
  // Set once both halves exist (they need the listening URL); the request handler reads them.
  // eslint-disable-next-line prefer-const
  let routeGitLab: Router | undefined;
  // eslint-disable-next-line prefer-const
  let routeGoogle: Router | undefined;
  const control = controlRouter(clock, faults, requests);

  const server = createServer((req, res) => {
    void handle(req, res);
  });
  // Like Google's and GitLab's front ends, keep idle connections longer than clients reuse them:
  // Node's 5 s default closes a socket a client is just reusing (ECONNRESET on a loaded machine).
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const at = clock.now();
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const api = apiOf(url.pathname);
    const entry = {
      method: req.method ?? 'GET',
      path: url.pathname + url.search,
      status: 0,
      ms: 0,
      at,
      api,
      privateToken: req.headers['private-token'] !== undefined,
      fault: undefined as string | undefined,
    };
    res.on('close', () => {
      entry.status = res.headersSent ? res.statusCode : 0;
      entry.ms = Math.round((performance.now() - started) * 10) / 10;
      requests.add(entry);
    });
    try {
      const body = await readBody(req);
      const request: SandboxRequest = { method: entry.method, url, headers: req.headers, body };
      if (api === 'sandbox') return await send(res, await dispatch(control, api, request), undefined, clock);
      if (latencyMs > 0) await clock.sleep(latencyMs);
      const fault = faults.pick(api, url.pathname);
      if (fault) entry.fault = describeAction(fault.action);
      if (fault?.action.kind === 'latency') await clock.sleep(fault.action.ms);
      if (fault?.action.kind === 'reset') {
        req.socket.destroy();
        return;
      }
      if (fault?.action.kind === 'status') {
        const headers: Record<string, string> =
          fault.action.retryAfter === undefined ? {} : { 'retry-after': String(fault.action.retryAfter) };
        // IAM's own sentence for a denied permission (Cloud KMS, Storage and Logging say it this way).
        const denied = fault.action.permission
          ? `Permission '${fault.action.permission}' denied on resource (or it may not exist).`
          : undefined;
        return await send(res, apiError(api, fault.action.status, denied, headers), undefined, clock);
      }
      const router = api === 'gitlab' ? routeGitLab : routeGoogle;
      const response = router ? await dispatch(router, api, request) : apiError(api, 503);
      const partial =
        api === 'gitlab' ? response : partialResponse(request, response, (message) => apiError(api, 400, message));
      await send(res, partial, fault, clock);
    } catch (e) {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(e));
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const gitlab = createGitLab({ clock, baseUrl: url });
  const google = createGoogle({ clock, gitlab, baseUrl: url });
  routeGitLab = gitlab.router;
  routeGoogle = google.router;
  const world: World = { clock, gitlab, google };
  const seeded = seedWorld(options.seed ?? 'demo', { clock, gitlab, google });
  if (options.roles) google.state.iam.roles = new Set(options.roles);

  let tickFailed = false;
  const timer = setInterval(() => {
    const now = clock.now();
    try {
      gitlab.tick(now);
      google.tick(now);
    } catch (e) {
      if (!tickFailed) process.stderr.write(`sandbox: world tick failed: ${(e as Error).stack ?? String(e)}\n`);
      tickFailed = true;
    }
  }, TICK_MS);
  timer.unref();

  const settings: Record<string, unknown> = {
    'runnerOps.gitlab.url': url,
    'runnerOps.gitlab.projects': seeded.projects,
    'runnerOps.gcp.project': seeded.google.project,
    'runnerOps.gcp.zones': seeded.google.zones,
    'runnerOps.gcp.instanceFilter': seeded.google.instanceFilter,
    'runnerOps.gcp.endpoints': { compute: url, kms: url, storage: url, logging: url },
    'runnerOps.gcp.credentials': 'none',
    'runnerOps.secrets.bucket': seeded.google.bucket,
    'runnerOps.secrets.prefix': seeded.google.prefix,
    'runnerOps.secrets.kmsKey': seeded.google.kmsKey,
  };

  const sandbox: Sandbox = {
    url,
    gitlabToken: seeded.tokens.admin,
    tokens: seeded.tokens,
    settings,
    world,
    requests,
    faults,
    close: async () => {
      clearInterval(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  startedSandboxes.push(sandbox);
  return sandbox;
}

/** /_sandbox/*: health, simulated clock, faults and the request log, for scripts and tests outside the process. */
function controlRouter(clock: SandboxClock, faults: FaultController, requests: RequestLog): Router {
  const router = new Router();
  router.add('GET', '/_sandbox/health', () => json(200, { ok: true, now: clock.nowIso() }));
  router.add('GET', '/_sandbox/clock', () => json(200, { now: clock.nowIso(), timeScale: clock.timeScale }));
  router.add('POST', '/_sandbox/clock/advance', (req) => {
    const { ms } = readJson<{ ms?: number }>(req);
    if (typeof ms !== 'number' || !(ms >= 0)) throw new HttpError(400, { error: 'ms must be a non-negative number' });
    clock.advance(ms);
    return json(200, { now: clock.nowIso() });
  });
  router.add('GET', '/_sandbox/faults', () =>
    json(
      200,
      faults.list().map((r) => r.source),
    ),
  );
  router.add('POST', '/_sandbox/faults', (req) => {
    const { spec } = readJson<{ spec?: string }>(req);
    try {
      return json(
        201,
        faults.add(String(spec ?? '')).map((r) => r.source),
      );
    } catch (e) {
      if (e instanceof FaultSpecError) throw new HttpError(400, { error: e.message });
      throw e;
    }
  });
  router.add('DELETE', '/_sandbox/faults', () => {
    faults.clear();
    return { status: 204 };
  });
  router.add('GET', '/_sandbox/requests', (req) =>
    json(200, requests.since(Number(req.url.searchParams.get('since') ?? 0))),
  );
  return router;
}
