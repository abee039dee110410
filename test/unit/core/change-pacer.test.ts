import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { ChangePacer, type Change } from '../../../src/core/change-pacer';
import { FakeClock } from './fake-clock';

function paced(gapMs = 210) {
  const clock = new FakeClock();
  const sent: Array<{ at: number; change: Change<string> }> = [];
  const start = clock.now();
  const pacer = new ChangePacer<string>((change) => sent.push({ at: clock.now() - start, change }), gapMs, clock);
  return { clock, sent, pacer };
}

test('a first change goes to VS Code at once', () => {
  const { sent, pacer } = paced();
  pacer.change();
  assert.deepEqual(sent, [{ at: 0, change: undefined }]);
});

test('changes every 50 ms during a load reach VS Code once per gap, never postponed by the next', async () => {
  const { clock, sent, pacer } = paced();
  for (let i = 0; i < 10; i++) {
    pacer.change();
    await clock.advance(50);
  }
  await clock.advance(1000);
  // Changes at 0, 50, … 450 ms: 0 at once; 50–200 merged and sent at 210; 250–400 at 420; 450 at 630.
  assert.deepEqual(
    sent.map((s) => s.at),
    [0, 210, 420, 630],
  );
  for (let i = 1; i < sent.length; i++) assert.ok(sent[i].at - sent[i - 1].at >= 210);
});

test('changed elements are merged, and a whole-tree change takes them over', async () => {
  const { clock, sent, pacer } = paced();
  pacer.change('a');
  pacer.change('b');
  pacer.change(['c', 'b']);
  await clock.advance(300);
  pacer.change('d');
  pacer.change(null);
  pacer.change('e');
  await clock.advance(300);
  assert.deepEqual(sent, [
    { at: 0, change: ['a'] },
    { at: 210, change: ['b', 'c'] },
    { at: 420, change: undefined },
  ]);
});

test('nothing is sent after dispose', async () => {
  const { clock, sent, pacer } = paced();
  pacer.change();
  pacer.change();
  pacer.dispose();
  await clock.advance(1000);
  assert.equal(sent.length, 1);
});
