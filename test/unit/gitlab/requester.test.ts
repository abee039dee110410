// Our requester against the sandbox's faults: every attempt has a deadline that covers the body
// (a dripping answer fails in time, even on calls gitbeaker makes without a signal), a connection
// reset or a body cut off midway is tried again for a GET and never for a write, and each ends
// in a Failure that says what happened.
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { Gitlab } from '@gitbeaker/core';
import type { Failure } from '../../../src/core/failures';
import { PACE } from '../../../src/core/pace';
import { toGitLabFailure } from '../../../src/gitlab/errors';
import { GitLabFleet } from '../../../src/gitlab/fleet';
import { boundedRequesterFn } from '../../../src/gitlab/requester';
import { startSandbox, type Sandbox } from '../../sandbox/server';

let sandbox: Sandbox;
before(async () => {
  sandbox = await startSandbox({ seed: 'demo' });
});
after(() => sandbox.close());

/** A client whose deadline is short (a dripping body outlasts it by far), though long enough for the retries' waits. */
const quick = (queryTimeout = 300) =>
  new Gitlab({ host: sandbox.url, token: sandbox.gitlabToken, queryTimeout, requesterFn: boundedRequesterFn() });

/** The Failure a call ends in (it must fail). */
const failureOf = (call: () => Promise<unknown>): Promise<Failure> =>
  call().then(
    () => assert.fail('the call succeeded'),
    (error: unknown) => toGitLabFailure(error, sandbox.url),
  );

async function withFaults<T>(spec: string, body: () => Promise<T>): Promise<T> {
  sandbox.faults.add(spec);
  try {
    return await body();
  } finally {
    sandbox.faults.clear();
  }
}

/** What reached these paths since the mark (a dripping answer of an earlier test is logged when it ends). */
const sent = (mark: number, prefix = '/api/v4/') =>
  sandbox.requests
    .since(mark)
    .map((r) => `${r.method} ${r.path.split('?')[0]}`)
    .filter((r) => r.split(' ')[1].startsWith(prefix));

test('a body dripping in after the headers times out: the deadline covers the body, not only the headers', async () => {
  const failure = await withFaults('gitlab:/api/v4/user=slow:4000', () =>
    failureOf(() => quick().Users.showCurrentUser()),
  );
  assert.equal(failure.kind, 'timeout');
  assert.equal(failure.message, `GitLab at ${sandbox.url} did not answer in time.`);
  assert.deepEqual(failure.request, { method: 'GET', path: '/api/v4/user', status: undefined });
});

test('a call gitbeaker makes without a signal (a runner manager list) has a deadline too', async () => {
  const failure = await withFaults('gitlab:/api/v4/runners/*/managers=slow:4000', () =>
    failureOf(() => quick().Runners.requester.get('runners/1/managers')),
  );
  assert.equal(failure.kind, 'timeout');
  assert.deepEqual(failure.request, { method: 'GET', path: '/api/v4/runners/1/managers', status: undefined });
});

test('a GET whose body is cut off midway is tried again, then says the answer broke off', async () => {
  const mark = sandbox.requests.mark();
  const failure = await withFaults('gitlab:/api/v4/user=truncate', () =>
    failureOf(() => quick(5000).Users.showCurrentUser()),
  );
  assert.equal(failure.kind, 'network');
  assert.equal(
    failure.message,
    `GitLab at ${sandbox.url} broke off its answer midway (the connection closed). Try again shortly.`,
  );
  assert.deepEqual(sent(mark, '/api/v4/user'), Array(PACE.gitlab.attempts).fill('GET /api/v4/user'));
});

test('a connection reset: a GET is tried again, a write is not (it may have happened)', async () => {
  const api = quick(5000);
  let mark = sandbox.requests.mark();
  const read = await withFaults('gitlab:/api/v4/user=reset', () => failureOf(() => api.Users.showCurrentUser()));
  assert.equal(read.kind, 'network');
  assert.match(read.message, /^Cannot reach GitLab at /);
  assert.equal(sent(mark, '/api/v4/user').length, PACE.gitlab.attempts);
  mark = sandbox.requests.mark();
  const write = await withFaults('gitlab:/api/v4/runners/*=reset', () =>
    failureOf(() => api.Runners.edit(1, { paused: true })),
  );
  assert.equal(write.kind, 'network');
  assert.deepEqual(sent(mark, '/api/v4/runners'), ['PUT /api/v4/runners/1']);
});

test("one runner's details failing leaves it in the list with what the list says, instead of failing the list", async () => {
  const fleet = new GitLabFleet(sandbox.url, sandbox.gitlabToken);
  const project = await fleet.project('infra/runner-fleet');
  const runners = await withFaults('gitlab:/api/v4/runners/1=500', () => fleet.runners([project], true));
  assert.deepEqual(runners.map((r) => r.id).sort(), [1, 2, 3]);
  const first = runners.find((r) => r.id === 1)!;
  assert.equal(first.description, 'gitlab-runner-a');
  assert.equal(first.managers, undefined, 'no details: the row shows the list entry');
  const again = await fleet.runners([project], true);
  assert.equal(again.find((r) => r.id === 1)?.managers?.length, 1, 'the next refresh fetches its details');
});
