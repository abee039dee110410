// The one Failure type: recognised across bundles by its brand, permanent by kind, and logged as
// one line with its source and request and never a token.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { describeFailure, Failure, isFailure, redactSecrets } from '../../../src/core/failures';

test('isFailure recognises a Failure by its brand, not by its shape or class identity', () => {
  const failure = new Failure({ source: 'compute', kind: 'not-found', message: 'gone' });
  assert.equal(isFailure(failure), true);
  // Another bundle's copy of the class: a different constructor, the same registry symbol.
  const fromOtherBundle = Object.create(Object.prototype, {
    [Symbol.for('runner-ops.failure')]: { value: true },
    kind: { value: 'not-found' },
  });
  assert.equal(isFailure(fromOtherBundle), true);
  assert.equal(isFailure(Object.assign(new Error('look-alike'), { kind: 'forbidden', permanent: true })), false);
  assert.equal(isFailure(undefined), false);
  assert.equal(isFailure('forbidden'), false);
});

test('permanent follows the kind: retrying cannot fix credentials, permissions, names or input', () => {
  const permanent = (kind: Failure['kind']) => new Failure({ source: 'gitlab', kind, message: '' }).permanent;
  for (const kind of ['unauthorized', 'forbidden', 'not-found', 'invalid', 'precondition', 'api-disabled'] as const)
    assert.equal(permanent(kind), true, kind);
  for (const kind of ['rate-limited', 'timeout', 'unavailable', 'network'] as const)
    assert.equal(permanent(kind), false, kind);
});

test('a log line names the entry, source, request, kind and wait, then the sentence', () => {
  const failure = new Failure({
    source: 'gitlab',
    kind: 'rate-limited',
    message: 'GitLab at https://gitlab.example.com is rate limiting requests (429).',
    retryAfterMs: 30_000,
    request: { method: 'GET', path: '/api/v4/projects/12/pipelines', status: 429 },
  });
  assert.equal(
    describeFailure(failure, 4),
    '[failure 4] gitlab · GET /api/v4/projects/12/pipelines · 429 · rate-limited (retry after 30 s): GitLab at https://gitlab.example.com is rate limiting requests (429).',
  );
  assert.equal(describeFailure(new Error('something\nbroke'), 5), '[failure 5] something broke');
});

test('token-shaped text is redacted from a log line, and a query string never printed', () => {
  assert.equal(redactSecrets('token glpat-abcdefghij0123456789 used'), 'token [redacted] used');
  assert.equal(redactSecrets('Authorization: Bearer ya29.a0AfB_secret'), 'Authorization: Bearer [redacted]');
  const line = describeFailure(
    new Failure({
      source: 'gitlab',
      kind: 'unauthorized',
      message: 'GitLab said: "invalid token glrt-abcdefghij0123456789".',
      request: { method: 'GET', path: '/api/v4/user?private_token=glpat-zyxwvutsrq9876543210', status: 401 },
    }),
    1,
  );
  assert.doesNotMatch(line, /glrt-abc|glpat-zyx|private_token/);
  assert.match(line, /GET \/api\/v4\/user · 401 · unauthorized, permanent/);
});
