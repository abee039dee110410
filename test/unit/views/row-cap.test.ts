import './vscode-fake';
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { runnersByStatus } from '../../../src/core/status-table';
import { RowCap } from '../../../src/views/rows/row-cap';
import type { ItemNode } from '../../../src/views/rows/common';
import { runner } from './fixtures';
import type { TreeItem } from './vscode-fake';

const runners = (n: number, offlineEvery = 0) =>
  Array.from({ length: n }, (_, i) => ({
    ...runner,
    id: n - i,
    status: offlineEvery && i % offlineEvery === 0 ? 'offline' : 'online',
  })) as Array<typeof runner>;

test('a list of 2,000 shows its first 100 rows and one row that names the rest and lists them on click', () => {
  const cap = new RowCap('runnerOps.runners', 100);
  const rows = cap.apply(runners(2000), 'runners', 'runners');
  assert.equal(rows.length, 101);
  const more = (rows[100] as ItemNode).item as unknown as TreeItem;
  assert.equal(more.label, '1,900 more runners…');
  assert.deepEqual(more.command, {
    title: 'Show All Rows',
    command: 'runnerOps.showAllRows',
    arguments: ['runnerOps.runners'],
  });
  assert.equal(cap.showAll(), true);
  assert.equal(cap.apply(runners(2000), 'runners', 'runners').length, 2000);
  assert.equal(cap.showAll(), false, 'a second Show All changes nothing');
});

test('a list at the cap or under it has no extra row', () => {
  const cap = new RowCap('runnerOps.runners', 100);
  assert.equal(cap.apply(runners(100), 'runners', 'runners').length, 100);
  assert.equal(cap.apply([], 'runners', 'runners').length, 0);
});

test('runners come problems first, so the cut keeps the offline ones on screen', () => {
  const sorted = runnersByStatus(runners(2000, 50));
  const firstHundred = sorted.slice(0, 100);
  assert.equal(firstHundred.filter((r) => r.status === 'offline').length, 40, 'all 40 offline runners lead');
  assert.ok(sorted.slice(40).every((r) => r.status === 'online'));
  const ids = sorted.slice(0, 40).map((r) => r.id);
  assert.deepEqual(
    ids,
    [...ids].sort((a, b) => a - b),
    'then by id',
  );
});
