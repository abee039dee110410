// Our rate-limiter choice is gitbeaker's, route by route, on gitbeaker's own default limits.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { Gitlab } from '@gitbeaker/core';
import {
  createRateLimiters,
  getMatchingRateLimiter,
  type RateLimitOptions,
  type ResourceOptions,
} from '@gitbeaker/requester-utils';
import { boundedRequesterFn } from '../../../src/gitlab/requester';
import { matchingRateLimiter } from '../../../src/gitlab/rate-limits';

/** The limits gitbeaker hands a requester when the client sets none. */
function gitbeakerDefaults(): RateLimitOptions {
  let seen: RateLimitOptions | undefined;
  const api = new Gitlab({
    host: 'https://gitlab.example.com',
    token: 'unused',
    requesterFn: (options: ResourceOptions) => ((seen = options.rateLimits), boundedRequesterFn()(options)),
  });
  assert.ok(api.Runners);
  assert.ok(seen && Object.keys(seen).length > 5, 'gitbeaker passed its default limits');
  return seen;
}

const ROUTES: Array<[endpoint: string, method: string]> = [
  ['runners/all', 'GET'],
  ['projects/infra%2Frunner-fleet/pipelines', 'GET'],
  ['projects/1/jobs', 'GET'],
  ['projects/1/jobs/7/trace', 'GET'],
  ['projects/1/export', 'GET'],
  ['projects/1/issues/3/notes', 'POST'],
  ['projects/1/issues/3/notes', 'GET'],
  ['projects/1/repository/archive.zip', 'GET'],
  ['groups/2/members', 'DELETE'],
  ['user/runners', 'POST'],
];

test("each route gets gitbeaker's limiter (the same one, or a fallback where gitbeaker falls back)", () => {
  const limiters = createRateLimiters(gitbeakerDefaults(), 60);
  const configured = new Set(Object.values(limiters).map((l) => (typeof l === 'function' ? l : l.limit)));
  let named = 0;
  for (const [endpoint, method] of ROUTES) {
    const theirs = getMatchingRateLimiter(endpoint, limiters, method);
    const ours = matchingRateLimiter(endpoint, limiters, method);
    if (configured.has(theirs)) {
      named += 1;
      assert.equal(ours, theirs, `${method} ${endpoint}`);
    } else assert.ok(!configured.has(ours), `${method} ${endpoint}: gitbeaker falls back, so do we`);
  }
  assert.ok(named >= 8, 'most routes have a configured limiter');
  // A route-specific limit, not the catch-all: the globs are really told apart.
  assert.notEqual(matchingRateLimiter('projects/1/jobs', limiters), matchingRateLimiter('runners/all', limiters));
});

test('a service with no limits falls back as gitbeaker does', () => {
  const limiter = matchingRateLimiter('runners/all', {});
  assert.equal(typeof limiter, 'function');
});
