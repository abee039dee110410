// Serial port output semantics: byte offsets, the 1 MiB ring, negative start, UTF-8, and a
// reset restarting the console at offset 0 (seen through the real Compute client).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { InstancesClient } from '@google-cloud/compute';
import { SERIAL_BUFFER_BYTES, SerialPort } from '../../sandbox/google/compute/serial';
import { gaxOptions, noRetry, startGoogleOnly, workers, type GoogleOnlySandbox } from '../../sandbox/google/testing';

describe('serial port ring buffer', () => {
  it('counts bytes, not characters, and continues from next', () => {
    const port = new SerialPort();
    port.write('héllo ✓\n');
    const first = port.read(0);
    assert.equal(first.contents, 'héllo ✓\n');
    assert.equal(first.next, Buffer.byteLength('héllo ✓\n'));
    assert.notEqual(first.next, 'héllo ✓\n'.length);
    port.write('more');
    assert.deepEqual(port.read(first.next), { contents: 'more', start: first.next, next: first.next + 4 });
  });

  it('keeps only the last 1 MiB and moves an old start forward', () => {
    const port = new SerialPort();
    const line = 'x'.repeat(1023) + '\n';
    for (let i = 0; i < 1500; i++) port.write(line);
    const total = 1500 * 1024;
    const read = port.read(0);
    assert.equal(read.start, total - SERIAL_BUFFER_BYTES, 'start moved to the oldest byte kept: bytes were lost');
    assert.equal(read.next, total);
    assert.equal(Buffer.byteLength(read.contents), SERIAL_BUFFER_BYTES);
  });

  it('treats a negative start as the last N bytes', () => {
    const port = new SerialPort();
    port.write('0123456789');
    assert.deepEqual(port.read(-4), { contents: '6789', start: 6, next: 10 });
    assert.deepEqual(port.read(-100), { contents: '0123456789', start: 0, next: 10 });
    assert.deepEqual(port.read(10), { contents: '', start: 10, next: 10 });
  });
});

describe('serial console through the Compute client', () => {
  let sb: GoogleOnlySandbox;
  let instances: InstancesClient;
  let project: string;
  const zone = 'europe-west1-b';

  before(async () => {
    sb = await startGoogleOnly();
    const fleet = workers(1);
    fleet.forEach((w) => sb.gitlab.validTokens.add(w.runnerToken));
    project = sb.google.seed('small', fleet).project;
    instances = new InstancesClient(gaxOptions(sb.port));
  });
  after(async () => {
    await instances.close();
    await sb.close();
  });

  const read = async (start: number) =>
    (await instances.getSerialPortOutput({ project, zone, instance: 'gitlab-runner-1', port: 1, start }, noRetry))[0];

  it('tails with next, sees a reset as next going backwards, and int64 fields arrive as strings', async () => {
    const first = await read(0);
    assert.equal(first.start, '0');
    assert.match(String(first.contents), /Linux version/);
    assert.match(String(first.contents), /startup-script: Fetching gs:\/\//);
    const cursor = Number(first.next);
    assert.ok(cursor > 1000);
    const tail = await read(-200);
    assert.equal(Number(tail.start), cursor - 200);
    assert.equal(tail.next, first.next);
    await instances.reset({ project, zone, instance: 'gitlab-runner-1' }, noRetry);
    const afterReset = await read(cursor);
    assert.ok(Number(afterReset.next) < cursor, 'a new boot restarts the console at offset 0');
    sb.clock.advance(5_000);
    const rebooted = await read(0);
    assert.match(String(rebooted.contents), /startup-script exit status 0/);
    await assert.rejects(
      instances.getSerialPortOutput({ project, zone, instance: 'gitlab-runner-1', port: 9 }, noRetry),
      (e: { code?: number }) => e.code === 3,
    );
  });

  it('reports lost bytes when a tailer falls more than 1 MiB behind', async () => {
    const cursor = Number((await read(-1)).next);
    const port = sb.google.state.compute.vm(project, zone, 'gitlab-runner-1').serial.get(1)!;
    const line = `${'é'.repeat(511)}\n`; // 1023 bytes of two-byte characters
    for (let i = 0; i < 1100; i++) port.write(line);
    const caughtUp = await read(cursor);
    assert.ok(Number(caughtUp.start) > cursor, 'start moved past the cursor: bytes were lost');
    assert.equal(Number(caughtUp.next) - Number(caughtUp.start), 1024 * 1024);
    assert.equal(Number(caughtUp.next), cursor + 1100 * 1023);
  });
});
