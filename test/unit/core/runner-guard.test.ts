import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { tagsLeftWithoutRunner } from '../../../src/core/runner-guard';
import type { Runner } from '../../../src/core/model';

const runner = (id: number, tags: string[], extra: Partial<Runner> = {}): Runner => ({
  id,
  description: `r${id}`,
  status: 'online',
  paused: false,
  type: 'project_type',
  tags,
  ...extra,
});

test('pausing the only online runner for a tag names that tag', () => {
  const a = runner(1, ['docker', 'gcp']);
  const b = runner(2, ['docker']);
  assert.deepEqual(tagsLeftWithoutRunner(a, [a, b]), ['gcp']);
  assert.deepEqual(tagsLeftWithoutRunner(b, [a, b]), []);
});

test('offline and paused runners do not count as cover', () => {
  const a = runner(1, ['docker']);
  const offline = runner(2, ['docker'], { status: 'offline' });
  const paused = runner(3, ['docker'], { paused: true });
  assert.deepEqual(tagsLeftWithoutRunner(a, [a, offline, paused]), ['docker']);
});

test('untagged jobs count as a tag of their own', () => {
  const a = runner(1, [], { runUntagged: true });
  const b = runner(2, ['x'], { runUntagged: false });
  assert.deepEqual(tagsLeftWithoutRunner(a, [a, b]), ['untagged jobs']);
});
