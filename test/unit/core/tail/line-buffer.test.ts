import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { LineBuffer } from '../../../../src/core/tail/line-buffer';

test('text is split into lines; an unfinished line is continued by the next text', () => {
  const buffer = new LineBuffer(100);
  buffer.appendText('boot: one\r\nboot: tw');
  buffer.appendText('o\nlogin: ');
  assert.equal(buffer.text(), 'boot: one\nboot: two\nlogin: ');
  buffer.appendText('\n\n');
  assert.deepEqual(
    buffer.lines().map((l) => l.text),
    ['boot: one', 'boot: two', 'login: ', ''],
  );
});

test('past the cap the oldest lines go, and a marker says how many', () => {
  const buffer = new LineBuffer(3);
  buffer.appendText('1\n2\n3\n');
  assert.equal(buffer.text(), '1\n2\n3');
  buffer.appendText('4\n5\n');
  assert.equal(buffer.text(), '[2 older lines dropped]\n3\n4\n5');
  buffer.appendLines([{ text: '6' }]);
  assert.equal(buffer.text(), '[3 older lines dropped]\n4\n5\n6');
  assert.equal(buffer.lines().length, 4);
});

test('absolute line indices map to document lines across drops and Clear', () => {
  const buffer = new LineBuffer(2);
  buffer.appendLines([{ text: 'a' }, { text: 'b' }, { text: 'c' }]);
  assert.equal(buffer.documentLine(0), undefined, 'dropped');
  assert.equal(buffer.documentLine(1), 1, 'after the drop marker');
  assert.equal(buffer.update(2, { text: 'C' }), true);
  assert.equal(buffer.text(), '[1 older line dropped]\nb\nC');
  buffer.clear();
  assert.equal(buffer.text(), '');
  buffer.appendMarker('[VM restarted]');
  assert.equal(buffer.documentLine(3), 0);
  assert.equal(buffer.text(), '[VM restarted]');
});

test('a marker always gets a line of its own, even after an unfinished line', () => {
  const buffer = new LineBuffer(10);
  buffer.appendText('half');
  buffer.appendMarker('[100 bytes lost]');
  buffer.appendText('after');
  assert.equal(buffer.text(), 'half\n[100 bytes lost]\nafter');
});

test('the text kept joined as lines come and go is the lines joined, whatever the order of appends, drops and edits', () => {
  // A fixed pseudo-random walk over every operation, compared with the lines joined after each step.
  let seed = 7;
  const random = (n: number) => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31), seed % n);
  const buffer = new LineBuffer(25);
  for (let step = 0; step < 2_000; step++) {
    const op = random(7);
    if (op === 0) buffer.appendText(`text ${step}${random(2) ? '\n' : ''}${random(3) ? `more ${step}\r\n` : ''}`);
    else if (op === 1) buffer.appendLines([{ text: `line ${step}` }, { text: '' }]);
    else if (op === 2) buffer.appendMarker(`[marker ${step}]`);
    else if (op === 3) buffer.update(buffer.firstIndex + random(30), { text: `updated ${step}` });
    else if (op === 4 && random(20) === 0) buffer.clear();
    else if (op === 5 && random(10) === 0) buffer.setMaxLines(5 + random(40));
    else buffer.appendText(random(2) ? '\n' : `partial ${step}`);
    const expected = buffer
      .lines()
      .map((l) => l.text)
      .join('\n');
    assert.equal(buffer.text(), expected, `after step ${step}`);
  }
});

test('document rows: the drop marker is row 0, then the kept lines', () => {
  const buffer = new LineBuffer(3);
  buffer.appendLines(['a', 'b', 'c', 'd', 'e'].map((text) => ({ text })));
  assert.deepEqual(
    buffer.rows(0, 2).map((l) => l.text),
    ['[2 older lines dropped]', 'c'],
  );
  assert.deepEqual(
    buffer.rows(2, 10).map((l) => l.text),
    ['d', 'e'],
  );
  assert.equal(buffer.line(1), undefined, 'dropped');
  assert.equal(buffer.line(4)?.text, 'e');
});
