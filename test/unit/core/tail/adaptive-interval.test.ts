import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { AdaptiveInterval } from '../../../../src/core/tail/adaptive-interval';

const clockAt = (ms: number) => ({ now: () => ms });

test('fast while data arrives, slower while quiet, but never slower than the 2-second promise while visible', () => {
  const interval = new AdaptiveInterval(clockAt(0), { fastMs: 500, quietMs: 1500 });
  interval.gotData();
  assert.equal(interval.next(), 500);
  interval.gotNothing();
  assert.equal(interval.next(), 750);
  for (let i = 0; i < 10; i++) interval.gotNothing();
  assert.equal(interval.next(), 1500);
  interval.gotData();
  assert.equal(interval.next(), 500);
});

test('a hidden tail polls slowly; shown again, it is quick again', () => {
  const interval = new AdaptiveInterval(clockAt(0), { quietMs: 1500, hiddenMs: 10_000 });
  interval.setVisible(false);
  for (let i = 0; i < 20; i++) interval.gotNothing();
  assert.equal(interval.next(), 10_000);
  interval.setVisible(true);
  assert.equal(interval.next(), 1500);
});

test('errors back off exponentially up to a ceiling, and Retry-After is honoured', () => {
  let now = 1_000_000;
  const interval = new AdaptiveInterval({ now: () => now }, { fastMs: 500, maxErrorMs: 30_000 });
  const waits = [1, 2, 3, 4, 5, 6].map(() => (interval.failed(), interval.next()));
  assert.deepEqual(waits, [2000, 4000, 8000, 16000, 30000, 30000]);
  interval.gotData();
  interval.failed(45_000);
  assert.equal(interval.next(), 45_000);
  now += 40_000;
  assert.equal(interval.next(), 5_000);
});
