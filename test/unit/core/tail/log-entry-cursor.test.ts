import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { LogEntryCursor } from '../../../../src/core/tail/log-entry-cursor';

const entry = (insertId: string, timestamp: string, message = insertId) => ({
  insertId,
  timestamp,
  severity: 'INFO',
  message,
});

test('the first poll asks for the newest entries; later polls follow the newest timestamp with a look-back', () => {
  const cursor = new LogEntryCursor({ lookbackMs: 5000, initialEntries: 50 });
  assert.deepEqual(cursor.query('resource.type="gce_instance"'), {
    filter: '(resource.type="gce_instance")',
    orderBy: 'timestamp desc',
    pageSize: 50,
  });
  // Descending answer: shown oldest first.
  const shown = cursor.accept([entry('b', '2025-01-01T00:00:02Z'), entry('a', '2025-01-01T00:00:01Z')]);
  assert.deepEqual(
    shown.map((e) => e.insertId),
    ['a', 'b'],
  );
  const next = cursor.query('resource.type="gce_instance"');
  assert.equal(next.filter, '(resource.type="gce_instance") AND timestamp >= "2024-12-31T23:59:57.000Z"');
  assert.equal(next.orderBy, 'timestamp asc');
});

test('entries with equal timestamps across polls are each shown once', () => {
  const cursor = new LogEntryCursor();
  cursor.accept([entry('x1', '2025-01-01T00:00:05.000Z')]);
  // The next poll returns x1 again (>=) and x2, written later with the same timestamp.
  const second = cursor.accept([entry('x1', '2025-01-01T00:00:05.000Z'), entry('x2', '2025-01-01T00:00:05.000Z')]);
  assert.deepEqual(
    second.map((e) => e.insertId),
    ['x2'],
  );
  assert.deepEqual(
    cursor.accept([entry('x1', '2025-01-01T00:00:05.000Z'), entry('x2', '2025-01-01T00:00:05.000Z')]),
    [],
  );
});

test('an entry that arrives late, stamped before the newest one, is still shown once', () => {
  const cursor = new LogEntryCursor({ lookbackMs: 10_000 });
  cursor.accept([entry('new', '2025-01-01T00:00:10Z')]);
  const late = cursor.accept([entry('late', '2025-01-01T00:00:04Z'), entry('new', '2025-01-01T00:00:10Z')]);
  assert.deepEqual(
    late.map((e) => e.insertId),
    ['late'],
  );
});

test('an empty filter still gets a timestamp cursor', () => {
  const cursor = new LogEntryCursor({ lookbackMs: 0 });
  cursor.accept([entry('a', '2025-01-01T00:00:00.123Z')]);
  assert.equal(cursor.query('  ').filter, 'timestamp >= "2025-01-01T00:00:00.123Z"');
});
