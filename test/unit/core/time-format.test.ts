import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { formatAgo, formatDuration, formatElapsed, formatTimeOfDay, formatUptime } from '../../../src/core/time-format';

const now = Date.parse('2025-06-02T09:00:00Z');
const s = 1000;
const min = 60 * s;
const h = 60 * min;
const d = 24 * h;

test('ages read "just now" for the last few seconds, then in the largest whole unit', () => {
  assert.equal(formatAgo(now, now), 'just now');
  assert.equal(formatAgo(now - 9 * s, now), 'just now');
  assert.equal(formatAgo(now - 10 * s, now), '10 s ago');
  assert.equal(formatAgo(now - 42 * s, now), '42 s ago');
  assert.equal(formatAgo(now - 59 * s, now), '59 s ago');
  assert.equal(formatAgo(now - 60 * s, now), '1 min ago');
  assert.equal(formatAgo(now - (3 * min + 59 * s), now), '3 min ago');
  assert.equal(formatAgo(now - (5 * h + 59 * min), now), '5 h ago');
  assert.equal(formatAgo(now - (2 * d + 23 * h), now), '2 d ago');
  assert.equal(formatAgo(now - 400 * d, now), '400 d ago');
});

test('a time slightly in the future (the VM clock ahead of ours) is "just now", not a negative age', () => {
  assert.equal(formatAgo(now + 3 * s, now), 'just now');
  assert.equal(formatAgo(now + 2 * h, now), 'just now');
  assert.equal(formatElapsed(now + 3 * s, now), '0 s');
});

test('elapsed time without "ago" fits into sentences', () => {
  assert.equal(formatElapsed(now - 3 * h - 20 * min, now), '3 h');
  assert.equal(formatElapsed(now - 9 * d, now), '9 d');
});

test('uptime shows the two largest units, minutes at the finest', () => {
  assert.equal(formatUptime(now - (3 * d + 4 * h + 12 * min), now), '3 d 4 h');
  assert.equal(formatUptime(now - (5 * h + 3 * min + 40 * s), now), '5 h 3 min');
  assert.equal(formatUptime(now - (17 * min + 30 * s), now), '17 min');
  assert.equal(formatUptime(now - 3 * d - 20 * min, now), '3 d', 'a zero middle unit is left out');
  assert.equal(formatUptime(now - 2 * h, now), '2 h');
  assert.equal(formatUptime(now - 20 * s, now), 'less than 1 min');
});

test('durations as GitLab sends them (fractional seconds) read "1 min 12 s"', () => {
  assert.equal(formatDuration(72.342), '1 min 12 s');
  assert.equal(formatDuration(45), '45 s');
  assert.equal(formatDuration(0.4), '0 s');
  assert.equal(formatDuration(120), '2 min');
  assert.equal(formatDuration(3 * 3600 + 125), '3 h 2 min');
  assert.equal(formatDuration(59.6), '1 min', 'rounded to the second before splitting');
});

test('impossible durations do not leak NaN or negative numbers into the view', () => {
  assert.equal(formatDuration(Number.NaN), '0 s');
  assert.equal(formatDuration(-5), '0 s');
  assert.equal(formatUptime(now + 5 * min, now), 'less than 1 min');
});

test('a time of day is local, to the second, zero-padded', () => {
  assert.equal(formatTimeOfDay(new Date(2026, 11, 2, 9, 3, 4, 900).getTime()), '09:03:04');
  assert.equal(formatTimeOfDay(new Date(2026, 11, 2, 23, 59, 0).getTime()), '23:59:00');
});
