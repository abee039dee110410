// The one Retry-After parser: delay-seconds, an HTTP date, and junk ignored.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { parseRetryAfter } from '../../../src/core/retry-after';

const now = Date.parse('2025-01-01T00:00:00Z');

test('delay-seconds', () => {
  assert.equal(parseRetryAfter('7', now), 7_000);
  assert.equal(parseRetryAfter(' 120 ', now), 120_000);
  assert.equal(parseRetryAfter('0', now), 0);
});

test('an HTTP date: the wait until then, never negative', () => {
  assert.equal(parseRetryAfter('Wed, 01 Jan 2025 00:00:30 GMT', now), 30_000);
  assert.equal(parseRetryAfter('Tue, 31 Dec 2024 23:59:00 GMT', now), 0, 'a date already past: no wait');
});

test('junk and absence are undefined, so the caller keeps its own backoff', () => {
  for (const junk of ['soon', '-5', '1.5', '10s', '', '   ', null, undefined])
    assert.equal(parseRetryAfter(junk, now), undefined, `"${junk}"`);
});
