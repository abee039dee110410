// The pace follows the operator's slow-pace setting, and what must stay under it does, for any
// value the setting allows.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { PACE, paceFor, SLOW_SECONDS } from '../../../src/core/pace';

test('the slow view pace is the setting, and the quiet-project window stays between the fast and the slow pace', () => {
  for (let slowSeconds = SLOW_SECONDS.minimum; slowSeconds <= SLOW_SECONDS.maximum; slowSeconds++) {
    const pace = paceFor({ slowSeconds });
    assert.equal(pace.views.slowMs, slowSeconds * 1000);
    assert.ok(pace.fleet.quietProjectMs < pace.views.slowMs, `${slowSeconds} s: quiet window under the slow pace`);
    assert.ok(pace.fleet.quietProjectMs > pace.views.fastMs, `${slowSeconds} s: quiet window over the fast pace`);
  }
});

test('at the default setting the pace is the one the product always had', () => {
  assert.deepEqual(PACE, paceFor({ slowSeconds: 60 }));
  assert.deepEqual(PACE.views, { fastMs: 2_000, slowMs: 60_000, maxBackoffMs: 300_000, failedReadRetryMs: 30_000 });
  assert.equal(PACE.fleet.quietProjectMs, 55_000);
  assert.deepEqual(PACE.afterAction, { intervalMs: 1_000, maxPolls: 10 });
});
