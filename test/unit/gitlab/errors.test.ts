// The GitLab mapper against the sandbox, through the real gitbeaker client and our requester:
// each fault becomes a Failure with its request, its wait and whether retrying can help.
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { Gitlab } from '@gitbeaker/core';
import { describeFailure, isFailure, type Failure } from '../../../src/core/failures';
import { createGitLabApi } from '../../../src/gitlab/client';
import { toGitLabFailure } from '../../../src/gitlab/errors';
import { boundedRequesterFn } from '../../../src/gitlab/requester';
import { startSandbox, type Sandbox } from '../../sandbox/server';

let sandbox: Sandbox;
before(async () => {
  sandbox = await startSandbox({ seed: 'demo' });
});
after(() => sandbox.close());

async function failureOf(call: () => Promise<unknown>): Promise<Failure> {
  try {
    await call();
  } catch (error) {
    const failure = toGitLabFailure(error, sandbox.url);
    assert.ok(isFailure(failure));
    return failure;
  }
  throw new Error('the call succeeded');
}

test('a 429 with Retry-After: rate limited, the wait in milliseconds, not permanent', async () => {
  sandbox.faults.add('gitlab:/api/v4/projects/*=429:retry-after=30');
  try {
    const api = createGitLabApi(sandbox.url, sandbox.gitlabToken);
    const failure = await failureOf(() => api.Projects.show('infra/runner-fleet'));
    assert.equal(failure.kind, 'rate-limited');
    assert.equal(failure.retryAfterMs, 30_000);
    assert.equal(failure.permanent, false);
    assert.deepEqual(failure.request, { method: 'GET', path: '/api/v4/projects/infra%2Frunner-fleet', status: 429 });
  } finally {
    sandbox.faults.clear();
  }
});

test('a 403 is permanent and says what the token lacks', async () => {
  sandbox.faults.add('gitlab:/api/v4/projects/*/pipelines=403');
  try {
    const api = createGitLabApi(sandbox.url, sandbox.gitlabToken);
    const failure = await failureOf(() => api.Pipelines.all(1, { perPage: 5, maxPages: 1 }));
    assert.equal(failure.kind, 'forbidden');
    assert.equal(failure.permanent, true);
    assert.match(failure.message, /refused this \(403\): the token's user lacks the permission/);
    assert.equal(failure.request?.status, 403);
  } finally {
    sandbox.faults.clear();
  }
});

test('a 404 is permanent; a 503 after the inline retries is not', async () => {
  const api = createGitLabApi(sandbox.url, sandbox.gitlabToken);
  const missing = await failureOf(() => api.Projects.show('no/such-project'));
  assert.equal(missing.kind, 'not-found');
  assert.equal(missing.permanent, true);
  sandbox.faults.add('gitlab:/api/v4/user=503');
  try {
    const down = await failureOf(() => api.Users.showCurrentUser());
    assert.equal(down.kind, 'unavailable');
    assert.equal(down.permanent, false);
  } finally {
    sandbox.faults.clear();
  }
});

test('a 401 logs its request and status, never the PRIVATE-TOKEN or Authorization it carried', async () => {
  const privateToken = 'glpat-NeverPrintThis0123456789';
  const oauthToken = 'ya29.NeverPrintThisEither';
  const withPrivateToken = createGitLabApi(sandbox.url, privateToken);
  const withBearer = new Gitlab({ host: sandbox.url, oauthToken, requesterFn: boundedRequesterFn() });
  const mark = sandbox.requests.mark();
  for (const [failure, secret] of [
    [await failureOf(() => withPrivateToken.Users.showCurrentUser()), privateToken],
    [await failureOf(() => withBearer.Users.showCurrentUser()), oauthToken],
  ] as const) {
    assert.equal(failure.kind, 'unauthorized');
    const line = describeFailure(failure, 1);
    assert.match(line, /^\[failure 1\] gitlab · GET \/api\/v4\/user · 401 · unauthorized, permanent: GitLab at /);
    assert.ok(!line.includes(secret), line);
    assert.ok(!JSON.stringify(failure.request).includes(secret));
    assert.ok(!failure.message.includes(secret));
  }
  const sent = sandbox.requests.since(mark).map((r) => `${r.method} ${r.path} ${r.status}`);
  assert.deepEqual(sent, ['GET /api/v4/user 401', 'GET /api/v4/user 401'], 'the server saw both, each once');
});

test('a timeout names its request; an unreachable host is a network failure', async () => {
  sandbox.faults.add('gitlab:/api/v4/user=latency:2000');
  try {
    const slow = new Gitlab({
      host: sandbox.url,
      token: sandbox.gitlabToken,
      queryTimeout: 200,
      requesterFn: boundedRequesterFn(),
    });
    const failure = await failureOf(() => slow.Users.showCurrentUser());
    assert.equal(failure.kind, 'timeout');
    assert.deepEqual(failure.request, { method: 'GET', path: '/api/v4/user', status: undefined });
  } finally {
    sandbox.faults.clear();
  }
  const closed = createGitLabApi('http://127.0.0.1:9', sandbox.gitlabToken);
  const unreachable = await failureOf(() => closed.Users.showCurrentUser());
  assert.equal(unreachable.kind, 'network');
  assert.match(unreachable.message, /Cannot reach GitLab/);
});
