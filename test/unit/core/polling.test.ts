import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import {
  PollingScheduler,
  PollingSet,
  retryAfterMs,
  type PollOutcome,
  type RefreshOutcome,
} from '../../../src/core/polling';
import { Failure } from '../../../src/core/failures';
import { onDemand, PACE, paceFor } from '../../../src/core/pace';

import { FakeClock, settle } from './fake-clock';

const rateLimited = (retryAfterMs?: number) =>
  new Failure({ source: 'gitlab', kind: 'rate-limited', message: 'rate limited', retryAfterMs });

/** A refresh that records when it ran and answers what the test queues (default: nothing changing). */
function fakeRefresh(clock: FakeClock) {
  const runs: number[] = [];
  const answers: Array<RefreshOutcome | Error> = [];
  const refresh = async (): Promise<RefreshOutcome> => {
    runs.push(clock.now());
    const answer = answers.shift() ?? { transitional: false };
    if (answer instanceof Error) throw answer;
    return answer;
  };
  return { runs, answers, refresh };
}

function shownScheduler(clock: FakeClock, refresh: () => Promise<RefreshOutcome>): PollingScheduler {
  const scheduler = new PollingScheduler({ refresh, clock });
  scheduler.setVisible(true);
  return scheduler;
}

test('while hidden nothing polls and no timer exists at all', async () => {
  const clock = new FakeClock();
  const { runs, refresh } = fakeRefresh(clock);
  const scheduler = new PollingScheduler({ refresh, clock });
  await clock.advance(10 * 60_000);
  assert.deepEqual(runs, []);
  assert.equal(clock.pendingTimers, 0);
  assert.equal(scheduler.hasTimer, false);
});

test('shown: refreshes at once, then every 60 s while nothing is changing', async () => {
  const clock = new FakeClock();
  const { runs, refresh } = fakeRefresh(clock);
  const start = clock.now();
  shownScheduler(clock, refresh);
  await clock.advance(0);
  assert.deepEqual(runs, [start]);
  await clock.advance(180_000);
  assert.deepEqual(
    runs.map((t) => t - start),
    [0, 60_000, 120_000, 180_000],
  );
  assert.equal(clock.pendingTimers, 1, 'exactly one timer between runs');
});

test('a changed slow-pace setting applies to every wait that starts after the change', async () => {
  const clock = new FakeClock();
  const { runs, refresh } = fakeRefresh(clock);
  let slowSeconds = 60;
  const start = clock.now();
  new PollingScheduler({ refresh, clock, pace: () => paceFor({ slowSeconds }).views }).setVisible(true);
  await clock.advance(60_000);
  slowSeconds = 20; // runnerOps.refresh.slowSeconds changes while the wait until 120 s is pending
  await clock.advance(100_000);
  assert.deepEqual(
    runs.map((t) => t - start),
    [0, 60_000, 120_000, 140_000, 160_000],
  );
});

test('polls every 2 s while something is transitional, and slows down once it settles', async () => {
  const clock = new FakeClock();
  const { runs, answers, refresh } = fakeRefresh(clock);
  answers.push({ transitional: true }, { transitional: true }, { transitional: false });
  const start = clock.now();
  shownScheduler(clock, refresh);
  await clock.advance(70_000);
  assert.deepEqual(
    runs.map((t) => t - start),
    [0, 2_000, 4_000, 64_000],
  );
});

test('hiding the view or unfocusing the window removes the timer; coming back after a while refreshes at once', async () => {
  const clock = new FakeClock();
  const { runs, refresh } = fakeRefresh(clock);
  const start = clock.now();
  const scheduler = shownScheduler(clock, refresh);
  await clock.advance(10_000);
  scheduler.setFocused(false);
  assert.equal(clock.pendingTimers, 0);
  await clock.advance(5 * 60_000);
  assert.equal(runs.length, 1, 'nothing while unfocused');
  scheduler.setFocused(true);
  await clock.advance(0);
  assert.deepEqual(
    runs.map((t) => t - start),
    [0, 310_000],
  );
  scheduler.setVisible(false);
  assert.equal(clock.pendingTimers, 0);
  assert.equal(scheduler.active, false);
});

test('a quick hide and show does not refresh early: the next run keeps its time', async () => {
  const clock = new FakeClock();
  const { runs, refresh } = fakeRefresh(clock);
  const start = clock.now();
  const scheduler = shownScheduler(clock, refresh);
  await clock.advance(20_000);
  scheduler.setVisible(false);
  scheduler.setVisible(true);
  assert.equal(clock.nextTimerIn, 40_000);
  await clock.advance(40_000);
  assert.deepEqual(
    runs.map((t) => t - start),
    [0, 60_000],
  );
});

test('errors back off exponentially up to 5 min, and one success resets the interval', async () => {
  const clock = new FakeClock();
  const { runs, answers, refresh } = fakeRefresh(clock);
  answers.push({ transitional: true }, ...Array.from({ length: 9 }, () => new Error('ECONNRESET')));
  shownScheduler(clock, refresh);
  await clock.advance(0);
  const gaps: number[] = [];
  for (let i = 0; i < 9; i++) {
    const before = runs.length;
    await clock.advance(clock.nextTimerIn ?? assert.fail('a timer should be pending'));
    assert.equal(runs.length, before + 1);
    gaps.push(runs[runs.length - 1] - runs[runs.length - 2]);
  }
  // Fast interval (still transitional) doubled per consecutive error, capped at 5 min.
  assert.deepEqual(gaps, [2_000, 4_000, 8_000, 16_000, 32_000, 64_000, 128_000, 256_000, 300_000]);
  await clock.advance(300_000); // this run succeeds: transitional false
  await clock.advance(60_000);
  assert.equal(runs[runs.length - 1] - runs[runs.length - 2], 60_000);
});

test('a 429 with Retry-After waits at least that long, even when the interval is shorter', async () => {
  const clock = new FakeClock();
  const { runs, answers, refresh } = fakeRefresh(clock);
  answers.push(rateLimited(90_000));
  shownScheduler(clock, refresh);
  await clock.advance(0);
  assert.equal(runs.length, 1);
  assert.equal(clock.nextTimerIn, 120_000, 'backoff (2 x 60 s) is already longer than 90 s');

  const fast = new FakeClock();
  const second = fakeRefresh(fast);
  second.answers.push({ transitional: true }, rateLimited(30_000));
  shownScheduler(fast, second.refresh);
  await fast.advance(2_000);
  assert.equal(second.runs.length, 2);
  await fast.advance(29_999);
  assert.equal(second.runs.length, 2, 'not after the 4 s backoff');
  await fast.advance(1);
  assert.equal(second.runs.length, 3);
});

test('the wait is read from a Failure (retryAfterMs), and is 0 for anything else', () => {
  assert.equal(retryAfterMs(rateLimited(12_000)), 12_000);
  assert.equal(retryAfterMs(rateLimited()), 0);
  assert.equal(retryAfterMs(Object.assign(new Error('look-alike'), { retryAfterMs: 3_000 })), 0);
  assert.equal(retryAfterMs(new Error('boom')), 0);
  assert.equal(retryAfterMs('429'), 0);
});

test('runs never overlap: no timer while a refresh is in flight, and a manual refresh joins it', async () => {
  const clock = new FakeClock();
  let calls = 0;
  let finish: (() => void) | undefined;
  const scheduler = shownScheduler(clock, () => {
    calls++;
    return new Promise<RefreshOutcome>((resolve) => {
      finish = () => resolve({ transitional: true });
    });
  });
  await clock.advance(0);
  assert.equal(calls, 1);
  assert.equal(clock.pendingTimers, 0, 'no timer while in flight');
  const manual = scheduler.refreshNow();
  scheduler.setFocused(false);
  scheduler.setFocused(true);
  assert.equal(clock.pendingTimers, 0, 'focus coming back during a run does not start a timer either');
  await clock.advance(30_000);
  assert.equal(calls, 1, 'joined, not a second request');
  finish?.();
  await manual;
  await settle();
  assert.equal(clock.pendingTimers, 1);
  assert.equal(clock.nextTimerIn, 2_000, 'the next delay counts from the end of the run');
});

test('a manual refresh runs at once and restarts the interval; while hidden it leaves no timer behind', async () => {
  const clock = new FakeClock();
  const { runs, refresh } = fakeRefresh(clock);
  const start = clock.now();
  const scheduler = shownScheduler(clock, refresh);
  await clock.advance(45_000);
  await scheduler.refreshNow();
  assert.deepEqual(
    runs.map((t) => t - start),
    [0, 45_000],
  );
  assert.equal(clock.nextTimerIn, 60_000);
  scheduler.setVisible(false);
  await scheduler.refreshNow();
  assert.equal(runs.length, 3);
  assert.equal(clock.pendingTimers, 0);
});

test('a refresh that throws synchronously still counts as a failed run, and polling goes on', async () => {
  const clock = new FakeClock();
  let calls = 0;
  shownScheduler(clock, () => {
    calls++;
    if (calls === 1) throw new Error('bad config');
    return Promise.resolve({ transitional: false });
  });
  await clock.advance(0);
  assert.equal(clock.nextTimerIn, 120_000);
  await clock.advance(120_000);
  assert.equal(calls, 2);
});

test('dispose stops everything, also after a run in flight ends', async () => {
  const clock = new FakeClock();
  let calls = 0;
  let finish: (() => void) | undefined;
  const scheduler = shownScheduler(clock, () => {
    calls++;
    return new Promise<RefreshOutcome>((resolve) => (finish = () => resolve({ transitional: true })));
  });
  await clock.advance(0);
  scheduler.dispose();
  finish?.();
  await settle();
  assert.equal(clock.pendingTimers, 0);
  void scheduler.refreshNow();
  await settle();
  assert.equal(calls, 1, 'a disposed scheduler fetches nothing, even when asked');
  assert.equal(clock.pendingTimers, 0);
});

/** A pipeline that takes `pollsUntilDone` polls to leave `canceling`. */
function fakePipelinePoll(clock: FakeClock, pollsUntilDone: Record<number, number>) {
  const polls: Array<[number, number]> = [];
  const poll = async (pipelineId: number): Promise<PollOutcome> => {
    polls.push([pipelineId, clock.now()]);
    pollsUntilDone[pipelineId]--;
    return pollsUntilDone[pipelineId] <= 0 ? 'done' : 'again';
  };
  return { polls, poll };
}

test('after a cancel, that one pipeline is polled every second until it settles, then the timer is gone', async () => {
  const clock = new FakeClock();
  const { polls, poll } = fakePipelinePoll(clock, { 1_480_221: 3 });
  const set = new PollingSet<number>({ poll, clock });
  assert.equal(clock.pendingTimers, 0, 'empty: no timer');
  const start = clock.now();
  set.add(1_480_221);
  await clock.advance(10_000);
  assert.deepEqual(
    polls.map(([, t]) => t - start),
    [1_000, 2_000, 3_000],
  );
  assert.equal(set.size, 0);
  assert.equal(clock.pendingTimers, 0);
  assert.equal(set.hasTimer, false);
});

test('an item that never settles is given up after 10 polls', async () => {
  const clock = new FakeClock();
  const { polls, poll } = fakePipelinePoll(clock, { 77: Infinity });
  const set = new PollingSet<number>({ poll, clock });
  set.add(77);
  await clock.advance(60_000);
  assert.equal(polls.length, 10);
  assert.equal(clock.pendingTimers, 0);
});

test('failed polls use up the budget too, and several items share one timer', async () => {
  const clock = new FakeClock();
  const polled: number[] = [];
  const set = new PollingSet<number>({
    clock,
    maxPolls: 3,
    poll: async (id) => {
      polled.push(id);
      if (id === 2) throw new Error('503');
      return 'again';
    },
  });
  set.add(1);
  set.add(2);
  assert.equal(clock.pendingTimers, 1);
  await clock.advance(10_000);
  assert.deepEqual(polled, [1, 2, 1, 2, 1, 2]);
  assert.equal(clock.pendingTimers, 0);
});

test('re-adding an item during a poll restarts its watch instead of trusting the older answer', async () => {
  const clock = new FakeClock();
  let answer: ((outcome: PollOutcome) => void) | undefined;
  let calls = 0;
  const set = new PollingSet<string>({
    clock,
    poll: () => {
      calls++;
      return new Promise<PollOutcome>((resolve) => (answer = resolve));
    },
  });
  set.add('pipeline-9');
  await clock.advance(1_000);
  assert.equal(calls, 1);
  set.add('pipeline-9'); // retried while the poll of the cancel was on its way
  assert.equal(clock.pendingTimers, 0, 'no timer while a round is in flight');
  answer?.('done');
  await settle();
  assert.equal(set.has('pipeline-9'), true);
  assert.equal(clock.pendingTimers, 1);
});

test('deleting the last item or disposing removes the timer', async () => {
  const clock = new FakeClock();
  const set = new PollingSet<number>({ clock, poll: async () => 'again' });
  set.add(1);
  set.delete(1);
  assert.equal(clock.pendingTimers, 0);
  set.add(2);
  set.dispose();
  assert.equal(clock.pendingTimers, 0);
  assert.equal(set.size, 0);
});

test('on demand (slow pace Infinity): reads once when shown, never on a timer, again when invalidated', async () => {
  const clock = new FakeClock();
  const { runs, refresh } = fakeRefresh(clock);
  const scheduler = new PollingScheduler({ refresh, clock, pace: () => onDemand(PACE.views) });
  scheduler.invalidate();
  await clock.advance(60_000);
  assert.equal(runs.length, 0, 'hidden: an invalidation waits until shown');
  scheduler.setVisible(true);
  await clock.advance(0);
  assert.equal(runs.length, 1, 'shown: read at once');
  await clock.advance(60 * 60_000);
  assert.equal(runs.length, 1, 'no timer afterwards');
  assert.equal(scheduler.hasTimer, false);
  scheduler.invalidate();
  await clock.advance(0);
  assert.equal(runs.length, 2, 'out of date while shown: read again now');
});

test('on demand, a failed read is tried again on its own (30 s, 60 s, 120 s…, at most 5 min), then no timer once one succeeds', async () => {
  const clock = new FakeClock();
  const { runs, answers, refresh } = fakeRefresh(clock);
  answers.push(...Array.from({ length: 5 }, () => new Error('Cannot reach Cloud Storage')));
  const scheduler = new PollingScheduler({ refresh, clock, pace: () => onDemand(PACE.views) });
  scheduler.setVisible(true);
  await clock.advance(20 * 60_000);
  const start = runs[0];
  assert.deepEqual(
    runs.map((t) => (t - start) / 1000),
    [0, 60, 180, 420, 720, 1020],
    'five failures: waits of 60, 120, 240 s, then the 5-minute ceiling; the sixth read succeeds',
  );
  assert.equal(scheduler.hasTimer, false, 'after a good read: on demand again');
});

test('invalidated while a read is in flight: a new read starts at once, and the old one is ignored', async () => {
  const clock = new FakeClock();
  const runs: number[] = [];
  const releases: Array<(outcome: RefreshOutcome) => void> = [];
  const refresh = () =>
    new Promise<RefreshOutcome>((resolve) => {
      runs.push(clock.now());
      releases.push(resolve);
    });
  const scheduler = shownScheduler(clock, refresh);
  await clock.advance(0);
  assert.equal(runs.length, 1);
  scheduler.invalidate(); // the first read hangs on a server of the old settings
  await clock.advance(0);
  assert.equal(runs.length, 2, 'the new read does not wait for the old one');
  releases[1]({ transitional: false });
  await clock.advance(0);
  releases[0]({ transitional: true }); // the abandoned read's answer predates the change
  await clock.advance(30_000);
  assert.equal(runs.length, 2, 'the old answer did not switch to the fast pace');
  await clock.advance(30_000);
  assert.equal(runs.length, 3, 'the slow pace counts from the new read');
});
