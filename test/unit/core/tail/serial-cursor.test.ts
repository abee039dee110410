import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { SerialCursor } from '../../../../src/core/tail/serial-cursor';
import { SerialPort } from '../../../sandbox/google/compute/serial';

/** What getSerialPortOutput returns for the raw bytes [start, next) of a port's output. */
function readBytes(all: Buffer, start: number, next: number) {
  return { contents: all.subarray(start, next).toString('utf8'), start, next };
}

const texts = (step: ReturnType<SerialCursor['accept']>) =>
  step.events
    .filter((e) => e.kind === 'text')
    .map((e) => (e as { text: string }).text)
    .join('');

test('the first read asks for the last few KB, then follows with next', () => {
  const port = new SerialPort();
  port.write('x'.repeat(10_000) + 'tail\n');
  const cursor = new SerialCursor(4096);
  assert.equal(cursor.nextStart(), -4096);
  const first = cursor.accept(port.read(cursor.nextStart()));
  assert.equal(texts(first).length, 4096);
  assert.ok(texts(first).endsWith('tail\n'));
  port.write('more\n');
  assert.equal(cursor.nextStart(), 10_005);
  assert.equal(texts(cursor.accept(port.read(cursor.nextStart()))), 'more\n');
});

test('when the 1 MB buffer moved past the cursor, the lost bytes are counted exactly', () => {
  const port = new SerialPort(1000);
  const cursor = new SerialCursor(100);
  port.write('a'.repeat(100));
  cursor.accept(port.read(cursor.nextStart()));
  port.write('b'.repeat(1500)); // 1600 written, only the last 1000 kept: bytes 100..599 are gone
  const step = cursor.accept(port.read(cursor.nextStart()));
  assert.deepEqual(step.events[0], { kind: 'lost', bytes: 500 });
  assert.equal(texts(step), 'b'.repeat(1000));
  assert.equal(cursor.position, 1600);
});

test('an offset going backwards is a restart: marker, then the new boot from byte 0', () => {
  const cursor = new SerialCursor();
  const oldBoot = new SerialPort();
  oldBoot.write('old boot output\n'.repeat(50));
  cursor.accept(oldBoot.read(cursor.nextStart()));
  const newBoot = new SerialPort();
  newBoot.write('SeaBIOS\n');
  const step = cursor.accept(newBoot.read(cursor.nextStart()));
  assert.deepEqual(step.events, [{ kind: 'restarted' }]);
  assert.equal(step.readAgain, true);
  assert.equal(cursor.nextStart(), 0);
  assert.equal(texts(cursor.accept(newBoot.read(cursor.nextStart()))), 'SeaBIOS\n');
});

test('a multi-byte character cut by a read is held back and read whole next time', () => {
  for (const char of ['é', '€', '🚀']) {
    const all = Buffer.from(`ok ${char} done`, 'utf8');
    const charStart = 3;
    for (let cut = charStart + 1; cut < charStart + Buffer.byteLength(char); cut++) {
      const cursor = new SerialCursor();
      cursor.accept(readBytes(all, 0, 0));
      const first = cursor.accept(readBytes(all, 0, cut));
      assert.equal(texts(first), 'ok ', `${char} cut after ${cut - charStart} byte(s)`);
      assert.equal(cursor.nextStart(), charStart);
      const second = cursor.accept(readBytes(all, cursor.nextStart(), all.length));
      assert.equal(texts(second), `${char} done`);
    }
  }
});

test('a window that starts inside a character drops the fragment, not the text after it', () => {
  const port = new SerialPort(10);
  const cursor = new SerialCursor(100);
  port.write('€€€€'); // 12 bytes: the 10 kept start inside the first euro sign
  const step = cursor.accept(port.read(cursor.nextStart()));
  assert.equal(texts(step), '€€€');
});

test('real U+FFFD characters in the middle of the output pass through', () => {
  const cursor = new SerialCursor();
  cursor.accept(readBytes(Buffer.alloc(0), 0, 0));
  const all = Buffer.from('bad \uFFFD byte\n', 'utf8');
  assert.equal(texts(cursor.accept(readBytes(all, 0, all.length))), 'bad \uFFFD byte\n');
});
