// Test support for the Google half alone: a loopback server around its router, a recording
// fake of the GitLab side, and client options for the real Google libraries.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThroughClient } from 'google-auth-library';
import { SandboxClock } from '../clock';
import { HttpError } from '../http';
import type { GitLabWorld, RunnerHost } from '../world';
import { createGoogle, type GoogleSandbox, type SeedWorker } from './index';

export class RecordingGitLab implements GitLabWorld {
  readonly validTokens = new Set<string>();
  readonly checkIns: Array<{ token: string; host: RunnerHost; accepted: boolean }> = [];
  readonly gone: string[] = [];

  runnerCheckIn(token: string, host: RunnerHost): boolean {
    const accepted = this.validTokens.has(token);
    this.checkIns.push({ token, host, accepted });
    return accepted;
  }
  runnerHostGone(systemId: string): void {
    this.gone.push(systemId);
  }
  /** Jobs running per host, as a test sets them. */
  readonly jobsOn = new Map<string, number[]>();
  runningJobs(systemId: string): number[] {
    return this.jobsOn.get(systemId) ?? [];
  }
  runnerToken(): string | undefined {
    return undefined;
  }
  tick(): void {}
}

export interface GoogleOnlySandbox {
  url: string;
  port: number;
  clock: SandboxClock;
  gitlab: RecordingGitLab;
  google: GoogleSandbox;
  close(): Promise<void>;
}

export async function startGoogleOnly(timeScale = 1): Promise<GoogleOnlySandbox> {
  const clock = new SandboxClock(timeScale);
  const gitlab = new RecordingGitLab();
  const google = createGoogle({ clock, gitlab, baseUrl: '' });
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const match = google.router.match(req.method ?? 'GET', url.pathname);
      let status = 404;
      let headers: Record<string, string> = {};
      let body: unknown = { error: { code: 404, message: `no route ${url.pathname}` } };
      if (match && match !== 'method-not-allowed') {
        try {
          const response = await match.handler(
            { method: req.method ?? 'GET', url, headers: req.headers, body: Buffer.concat(chunks) },
            match.params,
          );
          ({ status } = response);
          headers = response.headers ?? {};
          body = response.body;
        } catch (e) {
          if (!(e instanceof HttpError)) throw e;
          ({ status, body, headers } = e);
        }
      }
      const bytes = Buffer.isBuffer(body)
        ? body
        : typeof body === 'string'
          ? Buffer.from(body)
          : Buffer.from(JSON.stringify(body ?? ''));
      if (!Buffer.isBuffer(body) && typeof body !== 'string') headers['content-type'] ??= 'application/json';
      res.writeHead(status, { ...headers, 'content-length': String(bytes.length) });
      res.end(bytes);
    });
  });
  // As in server.ts: longer than any client's idle keep-alive, so a busy machine's slow test
  // never reuses a socket the server has just closed (ECONNRESET).
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  google.baseUrl = url;
  return {
    url,
    port,
    clock,
    gitlab,
    google,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Options for the gax-based clients (Compute, KMS, Logging) against the loopback server. */
export function gaxOptions(port: number) {
  return { apiEndpoint: '127.0.0.1', port, protocol: 'http', authClient: new PassThroughClient() };
}

/** Per-call options: fail fast instead of the clients' minutes of retries. */
export const noRetry = { retry: { retryCodes: [] as number[] }, timeout: 5_000 };

export function workers(count: number, zones = ['europe-west1-b', 'europe-west1-c']): SeedWorker[] {
  return Array.from({ length: count }, (_, i) => ({
    name: `gitlab-runner-${i + 1}`,
    zone: zones[i % zones.length],
    runnerToken: `glrt-test-token-${i + 1}-abcdefghij`,
    runnerId: 100 + i,
    tags: ['gcp'],
    healthy: true,
  }));
}
