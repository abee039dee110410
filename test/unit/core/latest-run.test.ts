// LatestRun, as the Bootstrap Checklist uses it: a run read before a sign-in is out of date once
// the sign-in asks for another; its "Not signed in" is never shown, the fresh answer is.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { LatestRun, type RunOutcome } from '../../../src/core/latest-run';

/** A task whose runs the test answers one by one. */
function controlled() {
  const pending: Array<{ resolve: (v: string) => void; reject: (e: Error) => void }> = [];
  const task = () => new Promise<string>((resolve, reject) => pending.push({ resolve, reject }));
  return { task, pending };
}
const tick = () => new Promise((resolve) => setImmediate(resolve));

test('asked again while running: the run under way is dropped, a fresh one follows, only its answer shows', async () => {
  const { task, pending } = controlled();
  const shown: Array<RunOutcome<string>> = [];
  const runs = new LatestRun(
    task,
    (o) => shown.push(o),
    () => 1000,
  );
  const first = runs.run();
  const second = runs.run(); // the sign-in, while the first still reads
  pending[0].resolve('Not signed in');
  await tick();
  assert.deepEqual(shown, [], 'the answer read before the sign-in is not shown');
  assert.equal(pending.length, 2, 'a fresh run started as soon as the old one ended');
  pending[1].resolve('Signed in as @admin');
  assert.equal(await first, 'Signed in as @admin');
  assert.equal(await second, 'Signed in as @admin');
  assert.deepEqual(shown, [{ value: 'Signed in as @admin', at: 1000 }]);
  assert.equal(runs.inFlight, false);
});

test('a failed run is shown as a failure (not left silently on the old answer) and rejects', async () => {
  const { task, pending } = controlled();
  const shown: Array<RunOutcome<string>> = [];
  const runs = new LatestRun(
    task,
    (o) => shown.push(o),
    () => 2000,
  );
  const run = runs.run();
  pending[0].reject(new Error('Cloud Storage did not answer within 15 s'));
  await assert.rejects(run, /did not answer/);
  assert.equal(shown.length, 1);
  assert.match(String((shown[0] as { error: Error }).error.message), /did not answer/);
  const again = runs.run();
  assert.equal(pending.length, 2, 'the next ask runs again');
  pending[1].resolve('ok');
  assert.equal(await again, 'ok');
});
