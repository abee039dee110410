import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { load, notLoaded, type Loadable } from '../../../src/core/loadable';

test('a first load announces loading; a reload of rows on screen announces only its answer', async () => {
  const seen: Array<Loadable<number[]>> = [];
  const first = await load(
    notLoaded<number[]>(),
    async () => [1],
    () => 1,
    (next) => seen.push(next),
  );
  assert.deepEqual(
    seen.map((s) => s.loading),
    [true, false],
  );
  seen.length = 0;
  await load(
    first,
    async () => [1, 2],
    () => 2,
    (next) => seen.push(next),
  );
  assert.deepEqual(
    seen.map((s) => [s.loading, s.value]),
    [[false, [1, 2]]],
    'one change, the answer: a live view re-renders once per reload',
  );
  seen.length = 0;
  const failed = await load(
    first,
    () => Promise.reject(new Error('down')),
    () => 3,
    (next) => seen.push(next),
  );
  assert.deepEqual(failed.value, [1], 'the last rows stay after a failure');
  assert.equal(seen.length, 1);
});
