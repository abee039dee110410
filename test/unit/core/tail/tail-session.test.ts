import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { JobTraceTailer } from '../../../../src/core/tail/job-trace-tailer';
import { Failure } from '../../../../src/core/failures';
import { SerialTailer } from '../../../../src/core/tail/serial-tailer';
import { TailSession } from '../../../../src/core/tail/tail-session';
import { SerialPort } from '../../../sandbox/google/compute/serial';
import { FakeClock } from '../fake-clock';

function serialSession(port: SerialPort, clock: FakeClock, maxLines = 100) {
  let reads = 0;
  const source = { read: async (_n: number, start: number) => (reads++, port.read(start)) };
  const session = new TailSession('serial', new SerialTailer(source, 1), { maxLines, clock });
  return { session, reads: () => reads };
}

test('a live tail shows new output within the quiet interval, and stop() means no further read', async () => {
  const clock = new FakeClock();
  const port = new SerialPort();
  port.write('booted\r\n');
  const { session, reads } = serialSession(port, clock);
  let changes = 0;
  session.onDidChange(() => changes++);
  session.start();
  await clock.advance(0);
  assert.equal(session.buffer.text(), 'booted\n'.trimEnd());
  for (let i = 0; i < 10; i++) await clock.advance(2000); // long quiet spell
  port.write('runner started\r\n');
  await clock.advance(2000);
  assert.equal(session.buffer.text(), 'booted\nrunner started');
  assert.ok(changes >= 2);

  session.stop();
  const readsAtStop = reads();
  assert.equal(clock.pendingTimers, 0, 'no timer left once stopped');
  port.write('after stop\r\n');
  await clock.advance(60_000);
  assert.equal(reads(), readsAtStop);
  assert.doesNotMatch(session.buffer.text(), /after stop/);

  session.start();
  await clock.advance(0);
  assert.match(session.buffer.text(), /after stop$/, 'Resume continues from the cursor');
});

test('Stop and Resume are marked in the log, the marker after the lines of a poll still in flight', async () => {
  const clock = new FakeClock();
  const port = new SerialPort();
  port.write('booted\r\n');
  let release: (() => void) | undefined;
  const source = {
    read: async (_n: number, start: number) => {
      const read = port.read(start);
      if (release === undefined) await new Promise<void>((resolve) => (release = resolve));
      return read;
    },
  };
  const session = new TailSession('serial', new SerialTailer(source, 1), { maxLines: 100, clock });
  let changes = 0;
  session.onDidChange(() => changes++);
  session.start();
  await clock.advance(0);
  session.stop(); // the first read is still in flight
  assert.equal(session.buffer.text(), '', 'nothing yet: the marker waits for the read');
  release!();
  await new Promise((resolve) => setImmediate(resolve));
  const stopped = /^booted\n\[tail stopped at \d\d:\d\d:\d\d — Resume Tail to continue\]$/;
  assert.match(session.buffer.text(), stopped);
  assert.ok(changes >= 1, 'the document is told');
  port.write('while stopped\r\n');
  session.start();
  await clock.advance(0);
  assert.match(
    session.buffer.text(),
    /— Resume Tail to continue\]\n\[tail resumed at \d\d:\d\d:\d\d\]\nwhile stopped$/,
  );
  session.dispose();
  assert.doesNotMatch(session.buffer.text(), /stopped at [^\n]*\n[^\n]*\n[^\n]*stopped at/, 'closing writes no marker');
});

test('a job that has not started says what it waits for and since when, on one line, without reading the trace', async () => {
  const clock = new FakeClock();
  const created = 1_000_000;
  let now = created + 20_000;
  let job: { status: string; createdAt?: number; queuedDurationSec?: number; tags?: string[] } = {
    status: 'created',
    createdAt: created,
  };
  let trace = '';
  let traceReads = 0;
  const source = { trace: async () => (traceReads++, trace), job: async () => job };
  const session = new TailSession('job', new JobTraceTailer(source, 1, 2, { now: () => now }), {
    maxLines: 100,
    clock,
  });
  session.start();
  await clock.advance(0);
  assert.equal(session.buffer.text(), '[waiting for the earlier stages for less than 1 min]');

  job = { status: 'pending', createdAt: created, queuedDurationSec: 5, tags: ['terraform', 'gcp'] };
  await clock.advance(2_000);
  assert.equal(
    session.buffer.text(),
    '[waited for the earlier stages for less than 1 min]\n[waiting for a runner for less than 1 min · tags: terraform, gcp]',
    'a new line when the job moves on',
  );
  let changes = 0;
  session.onDidChange(() => changes++);
  for (let i = 0; i < 20; i++) {
    job = { ...job, queuedDurationSec: 5 + i };
    await clock.advance(2_000);
  }
  assert.equal(changes, 0, 'no change while the shown wait is the same');
  job = { ...job, queuedDurationSec: 185 };
  now += 10 * 60_000; // GitLab's queued_duration counts, not the local clock
  await clock.advance(2_000);
  assert.equal(changes, 1);
  assert.equal(
    session.buffer.text(),
    '[waited for the earlier stages for less than 1 min]\n[waiting for a runner for 3 min · tags: terraform, gcp]',
    'the same line, updated',
  );
  assert.equal(traceReads, 0, 'no trace is read before the job starts');

  job = { status: 'running', createdAt: created, queuedDurationSec: 190 };
  trace = 'Running with gitlab-runner 17.11.0\n';
  await clock.advance(2_000);
  assert.equal(
    session.buffer.text(),
    '[waited for the earlier stages for less than 1 min]\n[waited for a runner for 3 min]\nRunning with gitlab-runner 17.11.0',
  );
  session.dispose();
});

test('a restart is read again at once and marked; lost bytes are marked', async () => {
  const clock = new FakeClock();
  let port = new SerialPort(1000);
  port.write('x'.repeat(50) + '\n');
  const source = { read: async (_n: number, start: number) => port.read(start) };
  const session = new TailSession('serial', new SerialTailer(source, 1), { maxLines: 100, clock });
  session.start();
  await clock.advance(0);
  port.write('y'.repeat(2000) + '\n');
  await clock.advance(2000);
  assert.match(session.buffer.text(), /\n\[1001 bytes lost\]\ny{999}$/);
  port = new SerialPort(1000);
  port.write('SeaBIOS\n');
  await clock.advance(2000);
  assert.match(session.buffer.text(), /\[VM restarted\]\nSeaBIOS$/);
});

test('errors back off with a single marker; a permanent failure stops the tail', async () => {
  const clock = new FakeClock();
  let calls = 0;
  let fail: Error | undefined = new Failure({
    source: 'compute',
    kind: 'unavailable',
    message: 'Compute answered 503',
    retryAfterMs: 20_000,
  });
  const source = {
    read: async () => {
      calls++;
      if (fail) throw fail;
      return { contents: 'ok\n', start: 0, next: 3 };
    },
  };
  const logged: string[] = [];
  const session = new TailSession('serial', new SerialTailer(source, 1), {
    maxLines: 100,
    clock,
    onFailure: (e) => logged.push(e.message),
  });
  session.start();
  await clock.advance(0);
  await clock.advance(19_000);
  assert.equal(calls, 1, 'Retry-After honoured');
  await clock.advance(1_000);
  assert.equal(calls, 2);
  assert.equal(session.buffer.text(), '[error: Compute answered 503; retrying]');
  fail = new Failure({ source: 'compute', kind: 'not-found', message: 'instance ci-runner-a not found' });
  await clock.advance(60_000);
  assert.equal(session.state, 'failed');
  assert.match(session.buffer.text(), /\[tail stopped: instance ci-runner-a not found\]$/);
  assert.deepEqual(
    logged,
    ['Compute answered 503', 'instance ci-runner-a not found'],
    'one log entry per run of failures',
  );
  const after = calls;
  await clock.advance(600_000);
  assert.equal(calls, after);
});

test('a running job is followed until it ends; section headers get their duration', async () => {
  const clock = new FakeClock();
  const CLEAR = '\u001b[0K';
  let trace = `section_start:100:build\r${CLEAR}Building\n`;
  let status = 'running';
  const source = { trace: async () => trace, job: async () => ({ status }) };
  const session = new TailSession('job', new JobTraceTailer(source, 1, 2), { maxLines: 100, clock });
  session.start();
  await clock.advance(0);
  assert.equal(session.buffer.text(), 'Building');
  trace += `compiled\nsection_end:107:build\r${CLEAR}\n\u001b[32;1mJob succeeded\u001b[0;m\n`;
  status = 'success';
  await clock.advance(2000);
  assert.equal(session.buffer.text(), 'Building (7 s)\ncompiled\nJob succeeded\n[job success]');
  assert.deepEqual(
    session.sections().map((s) => [s.startLine, s.endLine]),
    [[0, 1]],
  );
  assert.equal(session.state, 'ended');
  assert.equal(clock.pendingTimers, 0);
});
