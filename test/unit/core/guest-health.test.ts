// What a VM says about itself (its runner-ops/ guest attributes): the values parsed, leaked
// containers and a full disk warned with the reason and the numbers, nothing said as nothing.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import {
  guestHealth,
  leakedContainers,
  NO_GUEST_ATTRIBUTES,
  parseGuestReport,
  type GuestAttribute,
} from '../../../src/core/guest-health';

const NOW = Date.parse('2026-12-02T09:00:00Z');
const attrs = (values: Record<string, string>, namespace = 'runner-ops'): GuestAttribute[] =>
  Object.entries(values).map(([key, value]) => ({ namespace, key, value }));
const report = {
  'runner-state': 'running',
  'image-tag': 'v17.11.0',
  containers: 'postgres-ci-36 36\nlocalstack-34 34\nbuild-42 42\nnode-exporter ',
  jobs: '42',
  'disk-used-percent': '95',
  'config-sha256': '9b661904f03371928ab22e1eb32ebce6e829e539266547b6015ad951312fee18',
  'last-start': '2026-12-01T21:00:00Z',
  updated: '2026-12-02T08:58:00Z',
};

test('the published values are parsed: containers with their job, running jobs, disk, times', () => {
  const parsed = parseGuestReport(attrs(report))!;
  assert.deepEqual(parsed.containers, [
    { name: 'postgres-ci-36', jobId: 36 },
    { name: 'localstack-34', jobId: 34 },
    { name: 'build-42', jobId: 42 },
    { name: 'node-exporter' },
  ]);
  assert.deepEqual(parsed.jobs, [42]);
  assert.equal(parsed.diskUsedPercent, 95);
  assert.equal(parsed.lastStart, Date.parse('2026-12-01T21:00:00Z'));
  assert.deepEqual(parseGuestReport(attrs({ jobs: '' }))!.jobs, [], 'an idle VM runs no job');
  assert.equal(parseGuestReport(attrs(report, 'hostkeys')), undefined, 'another namespace is not ours');
  const garbled = parseGuestReport(attrs({ 'disk-used-percent': 'n/a', 'last-start': 'yesterday' }))!;
  assert.equal(garbled.diskUsedPercent, undefined);
  assert.equal(garbled.lastStart, undefined);
});

test("a container is leaked when the job that started it no longer runs; one that is not a job's is not", () => {
  const leaked = leakedContainers(parseGuestReport(attrs(report))!);
  assert.deepEqual(
    leaked.map((c) => c.name),
    ['postgres-ci-36', 'localstack-34'],
  );
  // Without the running jobs, nothing can be called leaked.
  const { jobs: _jobs, ...withoutJobs } = report;
  assert.deepEqual(leakedContainers(parseGuestReport(attrs(withoutJobs))!), []);
});

test('leaked containers and a disk over the threshold are warned with the reason and the numbers', () => {
  const health = guestHealth(attrs(report), { diskWarnPercent: 90, now: NOW });
  assert.deepEqual(health.marks, ['2 leaked containers', 'disk 95%']);
  assert.equal(
    health.warnings[0],
    'Leaked containers: 2 containers still running for finished jobs #36, #34 (only #42 running): postgres-ci-36, localstack-34. Remove them with docker rm -f.',
  );
  assert.match(
    health.warnings[1],
    /^Disk 95% full, at or over the 90% threshold \(runnerOps\.insights\.diskWarnPercent\)/,
  );
  assert.ok(health.facts.includes('Other containers: build-42 (job #42), node-exporter'));
  assert.ok(health.facts.includes('gitlab-runner container: running (v17.11.0)'));
  assert.ok(health.facts.some((f) => /^Reported: 2 min ago/.test(f)));
  // At a higher threshold the disk is fine; with the leaked containers gone, nothing is warned.
  const fine = guestHealth(attrs({ ...report, containers: 'build-42 42' }), { diskWarnPercent: 96, now: NOW });
  assert.deepEqual(fine.warnings, []);
  assert.deepEqual(fine.marks, []);
});

test('a runner container that is not running is warned', () => {
  const health = guestHealth(attrs({ ...report, 'runner-state': 'restarting' }), { diskWarnPercent: 99, now: NOW });
  assert.ok(health.warnings.includes('The gitlab-runner container is restarting, not running.'));
  assert.ok(health.marks.includes('runner restarting'));
});

test('a VM without guest attributes says so plainly and how to enable them, without a warning', () => {
  for (const entries of [null, attrs({ 'ssh-ed25519': 'AAAA' }, 'hostkeys')]) {
    const health = guestHealth(entries, { diskWarnPercent: 90, now: NOW });
    assert.deepEqual(health.warnings, []);
    assert.deepEqual(health.marks, []);
    assert.deepEqual(health.facts, [NO_GUEST_ATTRIBUTES]);
  }
  assert.match(NO_GUEST_ATTRIBUTES, /enable-guest-attributes=TRUE/);
  assert.match(NO_GUEST_ATTRIBUTES, /docs\/guest-attributes\.md/);
});
