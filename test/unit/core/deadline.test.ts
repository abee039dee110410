// withDeadline: a call that never settles is given up on at its deadline; one that settles in time
// keeps its answer (or its own error) and leaves no timer behind.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { DeadlineExceeded, isDeadlineExceeded, withDeadline } from '../../../src/core/deadline';
import { FakeClock } from './fake-clock';

test('a call that never answers rejects at its deadline, not before', async () => {
  const clock = new FakeClock();
  let outcome: unknown = 'pending';
  withDeadline(new Promise(() => undefined), 20_000, clock).catch((e: unknown) => (outcome = e));
  await clock.advance(19_999);
  assert.equal(outcome, 'pending');
  await clock.advance(1);
  assert.ok(isDeadlineExceeded(outcome));
  assert.equal((outcome as DeadlineExceeded).message, 'no answer within 20 s');
});

test('an answer or an error in time is passed on, and its timer is cleared', async () => {
  const clock = new FakeClock();
  assert.equal(await withDeadline(Promise.resolve(42), 1_000, clock), 42);
  await assert.rejects(withDeadline(Promise.reject(new Error('refused')), 1_000, clock), /refused/);
  assert.equal(clock.pendingTimers, 0);
});
