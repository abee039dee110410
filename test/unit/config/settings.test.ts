// Reading the settings: the values an operator chooses are used within their bounds, and a bad
// one is explained (which setting, what was wrong, what is used instead) rather than crashing.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { readSettings, type SettingsSource } from '../../../src/config/settings';
import { SLOW_SECONDS, TAIL_MAX_LINES, TOKEN_EXPIRY_WARNING_DAYS } from '../../../src/core/pace';
import { QUEUE_WARN_SECONDS } from '../../../src/core/queue-time';
import { DISK_WARN_PERCENT } from '../../../src/core/guest-health';

/** A WorkspaceConfiguration holding `values` (keys without the `runnerOps.` prefix). */
const configuration = (values: Record<string, unknown>): SettingsSource => ({
  get: <T>(key: string, defaultValue: T) => (key in values ? values[key] : defaultValue) as T,
});

test('unset, the refresh pace and the tail cap are their defaults, with nothing to explain', () => {
  const settings = readSettings(configuration({}));
  assert.equal(settings.refresh.slowSeconds, 60);
  assert.equal(settings.logs.maxLines, 10_000);
  assert.equal(settings.logs.runnerLogFilter, '');
  assert.equal(settings.insights.queueWarnSeconds, 120);
  assert.deepEqual(settings.problems, []);
});

test('a queue-time threshold out of range is clamped and explained', () => {
  const settings = readSettings(configuration({ 'insights.queueWarnSeconds': 1 }));
  assert.equal(settings.insights.queueWarnSeconds, 5);
  assert.match(
    settings.problems[0],
    /^runnerOps\.insights\.queueWarnSeconds is 1, but must be a whole number of seconds from 5 to 86400: using 5\./,
  );
});

test('a chosen slow pace, tail cap and runner log filter are used as they are', () => {
  const filter = 'resource.labels.instance_id="${instanceId}"';
  const settings = readSettings(
    configuration({ 'refresh.slowSeconds': 120, 'logs.maxLines': 500, 'logs.runnerLogFilter': filter }),
  );
  assert.equal(settings.refresh.slowSeconds, 120);
  assert.equal(settings.logs.maxLines, 500);
  assert.equal(settings.logs.runnerLogFilter, filter);
  assert.deepEqual(settings.problems, []);
});

test('a slow pace out of range is clamped to the nearest bound, and the message says so', () => {
  const tooFast = readSettings(configuration({ 'refresh.slowSeconds': 5 }));
  assert.equal(tooFast.refresh.slowSeconds, 15);
  assert.deepEqual(tooFast.problems, [
    'runnerOps.refresh.slowSeconds is 5, but must be a whole number of seconds from 15 to 600: using 15. Fix it in the settings.',
  ]);
  const tooSlow = readSettings(configuration({ 'refresh.slowSeconds': 86_400 }));
  assert.equal(tooSlow.refresh.slowSeconds, 600);
  assert.match(tooSlow.problems[0], /^runnerOps\.refresh\.slowSeconds is 86400, .*: using 600\./);
  const fractional = readSettings(configuration({ 'refresh.slowSeconds': 30.4 }));
  assert.equal(fractional.refresh.slowSeconds, 30);
  assert.match(fractional.problems[0], /is 30\.4, but must be a whole number .*: using 30\./);
});

test('a slow pace that is not a number falls back to the default, and the message quotes what was there', () => {
  for (const [raw, shown] of [
    ['fast', '"fast"'],
    [null, 'null'],
    [{ seconds: 30 }, '{"seconds":30}'],
  ] as const) {
    const settings = readSettings(configuration({ 'refresh.slowSeconds': raw }));
    assert.equal(settings.refresh.slowSeconds, 60);
    assert.deepEqual(settings.problems, [
      `runnerOps.refresh.slowSeconds should be a whole number of seconds from 15 to 600, not ${shown}: using 60. Fix it in the settings.`,
    ]);
  }
});

test('a bad tail cap is clamped and explained the same way, alongside a bad slow pace', () => {
  const settings = readSettings(configuration({ 'logs.maxLines': 0, 'refresh.slowSeconds': 'x' }));
  assert.equal(settings.logs.maxLines, 100);
  assert.equal(settings.problems.length, 2);
  assert.match(
    settings.problems[1],
    /^runnerOps\.logs\.maxLines is 0, but must be a whole number of lines from 100 to 1000000: using 100\./,
  );
});

test('the bounds the settings editor enforces (package.json) are the ones the reading clamps to', () => {
  const properties = JSON.parse(readFileSync('package.json', 'utf8')).contributes.configuration.properties;
  for (const [key, bounds] of [
    ['runnerOps.refresh.slowSeconds', SLOW_SECONDS],
    ['runnerOps.logs.maxLines', TAIL_MAX_LINES],
    ['runnerOps.insights.queueWarnSeconds', QUEUE_WARN_SECONDS],
    ['runnerOps.insights.diskWarnPercent', DISK_WARN_PERCENT],
    ['runnerOps.secrets.tokenExpiryWarningDays', TOKEN_EXPIRY_WARNING_DAYS],
  ] as const) {
    const { default: defaultValue, minimum, maximum, type } = properties[key];
    assert.deepEqual({ default: defaultValue, minimum, maximum, type }, { ...bounds, type: 'integer' }, key);
  }
});
