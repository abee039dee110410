// Answers of an unexpected shape, from a loopback server standing in for GitLab (or a proxy in
// front of it): each ends in a Failure that names what came back, never a TypeError, a stack
// trace or a page of HTML in the message.
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isFailure } from '../../../src/core/failures';
import { PACE } from '../../../src/core/pace';
import { GitLabFleet } from '../../../src/gitlab/fleet';
import type { Project } from '../../../src/core/model';

type Answer = { status?: number; type?: string; body: string };
let answers: Record<string, Answer> = {};
const seen: string[] = [];
/** Where a 30x answer points (its Location header). */
let redirectTo: string | undefined;
let server: Server;
let url: string;

before(async () => {
  server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    seen.push(path);
    const answer = answers[path] ?? { status: 404, type: 'application/json', body: '{"message":"404 Not found"}' };
    res.writeHead(answer.status ?? 200, {
      'content-type': answer.type ?? 'application/json',
      ...(redirectTo ? { location: redirectTo } : {}),
    });
    res.end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

const project: Project = { id: 1, path: 'g/p', name: 'p', webUrl: '', namespaceKind: 'group', namespaceId: 5 };
const fleet = () => new GitLabFleet(url, 'glpat-AbCdEfGhIjKlMnOpQrSt');

async function messageOf(call: () => Promise<unknown>): Promise<string> {
  try {
    await call();
  } catch (error) {
    assert.ok(isFailure(error), `a Failure, not ${String(error)}`);
    return error.message;
  }
  throw new Error('the call succeeded');
}

const SIGN_IN_PAGE = '<!DOCTYPE html><html><body><form action="/login">Sign in</form></body></html>';

test('a proxy sign-in page (200, text/html) instead of JSON', async () => {
  answers = { '/api/v4/projects/g%2Fp': { type: 'text/html; charset=utf-8', body: SIGN_IN_PAGE } };
  assert.equal(
    await messageOf(() => fleet().project('g/p')),
    `GitLab at ${url} answered with an HTML page instead of JSON (a proxy or sign-in page?). Check runnerOps.gitlab.url, then try again.`,
  );
});

test('an HTML error page (502 from a load balancer): the status, not the markup', async () => {
  answers = {
    '/api/v4/projects/g%2Fp': {
      status: 502,
      type: 'text/html',
      body: `<html>${'<p>Bad gateway</p>'.repeat(50)}</html>`,
    },
  };
  const message = await messageOf(() => fleet().project('g/p'));
  assert.equal(message, `GitLab at ${url} had an error (502). Try again shortly.`);
});

test('JSON that does not parse', async () => {
  answers = { '/api/v4/projects/g%2Fp': { body: '{"id": 1, "path_with_nam' } };
  assert.equal(
    await messageOf(() => fleet().project('g/p')),
    `GitLab at ${url} answered with an answer that is not valid JSON. Check runnerOps.gitlab.url, then try again.`,
  );
});

test('an empty body where the runners list should be', async () => {
  answers = { '/api/v4/projects/1/runners': { body: '' } };
  assert.equal(
    await messageOf(() => fleet().runners([project], false)),
    `GitLab at ${url} answered the list of runners with an empty answer. Check runnerOps.gitlab.url, then try again.`,
  );
});

test('an object where a list should be (wrong type)', async () => {
  answers = { '/api/v4/projects/1/pipelines': { body: '{"pipelines": []}' } };
  assert.equal(
    await messageOf(() => fleet().pipelines(1)),
    `GitLab at ${url} answered the list of pipelines with an object instead of a list. Check runnerOps.gitlab.url, then try again.`,
  );
  answers = { '/api/v4/runners/7/managers': { body: '"none"' } };
  assert.equal(
    await messageOf(() => fleet().managers(7)),
    `GitLab at ${url} answered the list of runner managers with a string instead of a list. Check runnerOps.gitlab.url, then try again.`,
  );
});

test('fields of the wrong type read as unknown, not as a crash', async () => {
  answers = {
    '/api/v4/projects/1/pipelines': {
      body: JSON.stringify([{ id: 9, status: 42, ref: ['main'], created_at: 'yesterday', user: 'root' }, 'junk', null]),
    },
  };
  const page = await fleet().pipelines(1);
  assert.equal(page.pipelines.length, 1, 'entries that are not objects are dropped');
  assert.equal(page.pipelines[0].status, 'unknown');
  assert.equal(page.pipelines[0].ref, '');
});

test('a huge page (2,000 runners in one answer): listed, with details for the first ones only', async () => {
  const runners = Array.from({ length: 2000 }, (_, i) => ({ id: i + 1, description: `r${i + 1}`, status: 'online' }));
  answers = {
    '/api/v4/projects/1/runners': { body: JSON.stringify(runners) },
    '/api/v4/groups/5/runners': { body: '[]' },
  };
  seen.length = 0;
  const listed = await fleet().runners([project], false);
  assert.equal(listed.length, 2000);
  const detailCalls = seen.filter((p) => /^\/api\/v4\/runners\/\d+$/.test(p)).length;
  assert.ok(detailCalls <= PACE.fleet.visibleRows, `${detailCalls} detail requests`);
});

test('a redirect to another host is not followed: the token never reaches it', async () => {
  const other: string[] = [];
  const elsewhere = createServer((req, res) => {
    other.push(`${req.url} ${String(req.headers['private-token'] ?? '')}`);
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
  await new Promise<void>((resolve) => elsewhere.listen(0, '127.0.0.1', resolve));
  const target = `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}`;
  try {
    answers = { '/api/v4/projects/g%2Fp': { status: 302, type: 'text/html', body: '' } };
    redirectTo = `${target}/api/v4/projects/g%2Fp`;
    assert.equal(
      await messageOf(() => fleet().project('g/p')),
      `GitLab at ${url} answered with a redirect (302) to ${target}, which Runner Ops does not follow with your token; if GitLab moved, set runnerOps.gitlab.url to its new address.`,
    );
    assert.deepEqual(other, [], 'nothing reached the other host');
  } finally {
    redirectTo = undefined;
    await new Promise<void>((resolve) => elsewhere.close(() => resolve()));
  }
});
