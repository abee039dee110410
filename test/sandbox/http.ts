// The sandbox's tiny HTTP layer: a request/response model and a path router, nothing more.
import type { IncomingHttpHeaders } from 'node:http';

export interface SandboxRequest {
  method: string;
  url: URL;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface SandboxResponse {
  status: number;
  headers?: Record<string, string>;
  /** A plain object or array is sent as JSON; a string or Buffer as is. */
  body?: unknown;
}

/** Thrown by handlers; the server turns it into a response as is. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(typeof body === 'string' ? body : JSON.stringify(body));
  }
}

export type Params = Record<string, string>;
export type Handler = (req: SandboxRequest, params: Params) => SandboxResponse | Promise<SandboxResponse>;

interface Route {
  method: string;
  regex: RegExp;
  names: string[];
  handler: Handler;
}

/**
 * Patterns use `:name` for one path segment (URL-decoded, so `group%2Fproject` arrives as
 * `group/project`) and may end in a literal suffix such as `:encrypt` after a parameter:
 * `/v1/:key(.+):encrypt` is not supported; use `*name` for "the rest, slashes included".
 */
export class Router {
  private readonly routes: Route[] = [];

  add(method: string, pattern: string, handler: Handler): this {
    const names: string[] = [];
    const source = pattern
      .replace(/[.+?^${}()|[\]\\]/g, '\\$&')
      .replace(/([:*])(\w+)/g, (_m, kind: string, name: string) => {
        names.push(name);
        return kind === ':' ? '([^/]+?)' : '(.+?)';
      });
    this.routes.push({ method, regex: new RegExp(`^${source}$`), names, handler });
    return this;
  }

  /** undefined when no route matches the path; 405 handled by the caller. */
  match(method: string, path: string): { handler: Handler; params: Params } | 'method-not-allowed' | undefined {
    let pathMatched = false;
    for (const route of this.routes) {
      const m = route.regex.exec(path);
      if (!m) continue;
      pathMatched = true;
      if (route.method !== method) continue;
      const params: Params = {};
      route.names.forEach((name, i) => (params[name] = decodeURIComponent(m[i + 1])));
      return { handler: route.handler, params };
    }
    return pathMatched ? 'method-not-allowed' : undefined;
  }
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): SandboxResponse {
  return { status, body, headers };
}

export function readJson<T = Record<string, unknown>>(req: SandboxRequest): T {
  if (req.body.length === 0) return {} as T;
  const type = String(req.headers['content-type'] ?? '');
  const text = req.body.toString('utf8');
  if (type.includes('application/x-www-form-urlencoded')) {
    return Object.fromEntries(new URLSearchParams(text)) as T;
  }
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new HttpError(400, { error: 'Invalid JSON body' });
  }
}
