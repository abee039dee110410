// The server itself: fault grammar and effects seen through plain fetch and the request log,
// control paths, and `npm run sandbox` printing its three lines.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { parseFaultSpec } from '../../sandbox/faults';
import { startSandbox, type Sandbox } from '../../sandbox/server';

let sandbox: Sandbox;
const headers = () => ({ 'PRIVATE-TOKEN': sandbox.gitlabToken });

before(async () => {
  sandbox = await startSandbox({ seed: 'small' });
});
after(() => sandbox.close());

/** The promise's value if it settles within `ms` of wall-clock time, else undefined. */
function settledWithin<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  return Promise.race([promise, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), ms))]);
}

/** Raw GET that reports a reset or a short body instead of throwing away the evidence. */
function rawGet(path: string): Promise<{ status?: number; declared?: number; received: number; error?: string }> {
  return new Promise((resolve) => {
    const req = request(`${sandbox.url}${path}`, { headers: headers() }, (res) => {
      let received = 0;
      res.on('data', (c: Buffer) => (received += c.length));
      res.on('end', () =>
        resolve({ status: res.statusCode, declared: Number(res.headers['content-length']), received }),
      );
      res.on('error', (e) =>
        resolve({
          status: res.statusCode,
          declared: Number(res.headers['content-length']),
          received,
          error: e.message,
        }),
      );
      res.on('aborted', () =>
        resolve({
          status: res.statusCode,
          declared: Number(res.headers['content-length']),
          received,
          error: 'aborted',
        }),
      );
    });
    req.on('error', (e) => resolve({ received: 0, error: (e as NodeJS.ErrnoException).code ?? e.message }));
    req.end();
  });
}

describe('fault grammar', () => {
  it('parses every kind', () => {
    const rules = parseFaultSpec(
      'gitlab:/api/v4/runners*=503@0.5,compute:*=latency:800,*=429:retry-after=2@0.1,kms:*=reset,storage:*=truncate@0.2,logging:*=slow:2000',
    );
    assert.deepEqual(
      rules.map((r) => [r.api, r.glob, r.action, r.rate]),
      [
        ['gitlab', '/api/v4/runners*', { kind: 'status', status: 503 }, 0.5],
        ['compute', '*', { kind: 'latency', ms: 800 }, 1],
        ['*', '*', { kind: 'status', status: 429, retryAfter: 2 }, 0.1],
        ['kms', '*', { kind: 'reset' }, 1],
        ['storage', '*', { kind: 'truncate' }, 0.2],
        ['logging', '*', { kind: 'slow', ms: 2000 }, 1],
      ],
    );
  });

  it('explains bad specs', () => {
    assert.throws(() => parseFaultSpec('gitlab:/x=teapot'), /unknown action "teapot"/);
    assert.throws(() => parseFaultSpec('github:*=503'), /unknown API "github"/);
    assert.throws(() => parseFaultSpec('*=503@2'), /rate must be a number between 0 and 1/);
    assert.throws(() => parseFaultSpec('runners=503'), /must be "\*" or start with "\/"/);
    assert.throws(() => parseFaultSpec('*=200'), /not an error status/);
    assert.throws(() => parseFaultSpec('*'), /missing "="/);
  });
});

describe('faults at runtime', () => {
  it('503 at a rate hits about that share of matching requests only', async () => {
    sandbox.faults.add('gitlab:/api/v4/runners*=503@0.5');
    const mark = sandbox.requests.mark();
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++)
      statuses.push((await fetch(`${sandbox.url}/api/v4/runners/all`, { headers: headers() })).status);
    const user = await fetch(`${sandbox.url}/api/v4/user`, { headers: headers() });
    sandbox.faults.clear();
    const failed = statuses.filter((s) => s === 503).length;
    assert.ok(failed >= 10 && failed <= 30, `about half failed, got ${failed}/40`);
    assert.ok(statuses.every((s) => s === 200 || s === 503));
    assert.equal(user.status, 200, 'paths outside the glob are untouched');
    const logged = sandbox.requests.since(mark);
    assert.equal(logged.filter((r) => r.status === 503 && r.fault === '503').length, failed);
    assert.ok(logged.every((r) => r.api === 'gitlab'));
  });

  it("429 carries Retry-After and GitLab's plain-text body", async () => {
    sandbox.faults.add('*=429:retry-after=2');
    const res = await fetch(`${sandbox.url}/api/v4/user`, { headers: headers() });
    const compute = await fetch(`${sandbox.url}/compute/v1/projects/p/zones/z/instances`);
    sandbox.faults.clear();
    assert.equal(res.status, 429);
    assert.equal(res.headers.get('retry-after'), '2');
    assert.equal(await res.text(), 'Retry later\n');
    assert.equal(compute.status, 429);
    const body = (await compute.json()) as { error: { status: string; code: number } };
    assert.deepEqual([body.error.code, body.error.status], [429, 'RESOURCE_EXHAUSTED']);
  });

  it('reset drops the connection; the log records status 0', async () => {
    sandbox.faults.add('gitlab:/api/v4/user=reset');
    const mark = sandbox.requests.mark();
    const result = await rawGet('/api/v4/user');
    sandbox.faults.clear();
    assert.equal(result.status, undefined);
    assert.equal(result.error, 'ECONNRESET');
    await new Promise((r) => setTimeout(r, 20));
    const [entry] = sandbox.requests.since(mark);
    assert.deepEqual([entry.path, entry.status, entry.fault], ['/api/v4/user', 0, 'reset']);
  });

  it('truncate sends fewer bytes than Content-Length promises', async () => {
    sandbox.faults.add('gitlab:/api/v4/runners/all=truncate');
    const result = await rawGet('/api/v4/runners/all');
    sandbox.faults.clear();
    assert.equal(result.status, 200);
    assert.ok(
      result.declared !== undefined && result.received < result.declared,
      `received ${result.received} of ${result.declared}`,
    );
    await assert.rejects(async () => {
      sandbox.faults.add('gitlab:/api/v4/runners/all=truncate');
      try {
        await (await fetch(`${sandbox.url}/api/v4/runners/all`, { headers: headers() })).json();
      } finally {
        sandbox.faults.clear();
      }
    });
  });

  it('latency and slow bodies take the time they say', async () => {
    sandbox.faults.add('gitlab:/api/v4/user=latency:150, gitlab:/api/v4/runners/all=slow:200');
    const t0 = performance.now();
    assert.equal((await fetch(`${sandbox.url}/api/v4/user`, { headers: headers() })).status, 200);
    const t1 = performance.now();
    const runners = (await (
      await fetch(`${sandbox.url}/api/v4/runners/all`, { headers: headers() })
    ).json()) as unknown[];
    const t2 = performance.now();
    sandbox.faults.clear();
    assert.ok(t1 - t0 >= 140, `latency ${t1 - t0}`);
    assert.ok(t2 - t1 >= 150, `slow ${t2 - t1}`);
    assert.equal(runners.length, 2, 'a slow body still arrives whole');
  });

  it('latency and slow bodies wait on the simulated clock: a time scale shortens them, an advance ends them', async () => {
    const fast = await startSandbox({ seed: 'small', timeScale: 100 });
    try {
      const get = (path: string) => fetch(`${fast.url}${path}`, { headers: { 'PRIVATE-TOKEN': fast.gitlabToken } });
      fast.faults.add('gitlab:/api/v4/user=latency:20000, gitlab:/api/v4/runners/all=slow:20000');
      const t0 = performance.now();
      assert.equal((await get('/api/v4/user')).status, 200);
      assert.equal(((await (await get('/api/v4/runners/all')).json()) as unknown[]).length, 2);
      const took = performance.now() - t0;
      assert.ok(took < 2_000, `40 simulated seconds at 100x took ${Math.round(took)} ms`);

      fast.faults.clear();
      fast.faults.add('gitlab:/api/v4/user=latency:3600000');
      const answered = get('/api/v4/user').then((r) => r.status);
      assert.equal(await settledWithin(answered, 300), undefined, 'an hour of latency is still waiting');
      fast.world.clock.advance(3_600_000);
      assert.equal(await settledWithin(answered, 2_000), 200, 'the advance over the hour ends it');
    } finally {
      await fast.close();
    }
  });

  it('never applies to control paths, which can also set faults', async () => {
    sandbox.faults.add('*=503');
    const health = await fetch(`${sandbox.url}/_sandbox/health`);
    sandbox.faults.clear();
    assert.equal(health.status, 200);
    const set = await fetch(`${sandbox.url}/_sandbox/faults`, {
      method: 'POST',
      body: JSON.stringify({ spec: 'gitlab:/api/v4/user=418' }),
    });
    assert.equal(set.status, 201);
    assert.equal((await fetch(`${sandbox.url}/api/v4/user`, { headers: headers() })).status, 418);
    const bad = await fetch(`${sandbox.url}/_sandbox/faults`, {
      method: 'POST',
      body: JSON.stringify({ spec: 'nope' }),
    });
    assert.equal(bad.status, 400);
    assert.equal((await fetch(`${sandbox.url}/_sandbox/faults`, { method: 'DELETE' })).status, 204);
    assert.equal((await fetch(`${sandbox.url}/api/v4/user`, { headers: headers() })).status, 200);
  });
});

describe('request log and routing', () => {
  it('records method, path with query, status, api and simulated time', async () => {
    const mark = sandbox.requests.mark();
    await fetch(`${sandbox.url}/api/v4/runners/all?per_page=1`, { headers: headers() });
    await fetch(`${sandbox.url}/storage/v1/nothing-here-at-all`);
    const entries = sandbox.requests.since(mark);
    assert.equal(entries.length, 2);
    assert.deepEqual(
      [entries[0].method, entries[0].path, entries[0].status, entries[0].api],
      ['GET', '/api/v4/runners/all?per_page=1', 200, 'gitlab'],
    );
    assert.equal(entries[1].api, 'storage');
    assert.equal(entries[1].status, 404);
    assert.ok(Math.abs(entries[0].at - sandbox.world.clock.now()) < 60_000);
    assert.equal(sandbox.requests.filter((r) => r.api === 'storage').length >= 1, true);
    sandbox.requests.clear();
    assert.equal(sandbox.requests.since(mark).length, 0);
  });

  it('settings carry every runnerOps key, pointing at the sandbox', () => {
    const s = sandbox.settings;
    assert.equal(s['runnerOps.gitlab.url'], sandbox.url);
    assert.deepEqual(s['runnerOps.gitlab.projects'], ['qa/app']);
    assert.deepEqual(s['runnerOps.gcp.endpoints'], {
      compute: sandbox.url,
      kms: sandbox.url,
      storage: sandbox.url,
      logging: sandbox.url,
    });
    assert.equal(s['runnerOps.gcp.credentials'], 'none');
    assert.match(
      String(s['runnerOps.secrets.kmsKey']),
      /^projects\/[^/]+\/locations\/[^/]+\/keyRings\/[^/]+\/cryptoKeys\/[^/]+$/,
    );
    for (const key of [
      'runnerOps.gcp.project',
      'runnerOps.gcp.zones',
      'runnerOps.gcp.instanceFilter',
      'runnerOps.secrets.bucket',
      'runnerOps.secrets.prefix',
    ])
      assert.ok(s[key], key);
  });
});

describe('npm run sandbox', () => {
  it('prints URL, token and settings first, serves, and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/sandbox/main.ts', '--seed', 'small'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const lines = await new Promise<string[]>((resolve, reject) => {
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        const got = out.split('\n');
        if (got.length > 3) resolve(got.slice(0, 3));
      });
      child.on('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
    });
    assert.match(lines[0], /^SANDBOX_URL=http:\/\/127\.0\.0\.1:\d+$/);
    assert.match(lines[1], /^SANDBOX_GITLAB_TOKEN=glpat-\S+$/);
    const settings = JSON.parse(lines[2].replace(/^SANDBOX_SETTINGS=/, '')) as Record<string, unknown>;
    const url = lines[0].slice('SANDBOX_URL='.length);
    assert.equal(settings['runnerOps.gitlab.url'], url);
    const me = await fetch(`${url}/api/v4/user`, {
      headers: { 'PRIVATE-TOKEN': lines[1].slice('SANDBOX_GITLAB_TOKEN='.length) },
    });
    assert.equal(me.status, 200);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
  });

  it('rejects bad flags with usage and exit code 2', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/sandbox/main.ts', '--seed', 'huge'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    assert.equal(code, 2);
    assert.match(err, /--seed must be one of small, demo, scale/);
    assert.match(err, /usage: npm run sandbox/);
  });
});
