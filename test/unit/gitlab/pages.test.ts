// Long lists against the scale seed (2,000 runners): every page read once (the pages after the
// first asked for together: bench/ measures what that saves), and the rows handed over before any
// runner's details are read.
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { startSandbox, type Sandbox } from '../../sandbox/server';
import { GitLabFleet } from '../../../src/gitlab/fleet';
import type { Runner } from '../../../src/core/model';

let sandbox: Sandbox;
let fleet: GitLabFleet;
before(async () => {
  sandbox = await startSandbox({ seed: 'scale' });
  fleet = new GitLabFleet(sandbox.url, sandbox.gitlabToken);
});
after(() => sandbox.close());

test('every page of a long list is read once, and the rows come before any detail', async () => {
  const project = await fleet.project('fleet/service-01');
  const mark = sandbox.requests.mark();
  let listedAt: number | undefined;
  let listed: Runner[] = [];
  const runners = await fleet.runners([project], true, {
    first: 5,
    ids: [],
    listed: (rows) => {
      listedAt = sandbox.requests.mark();
      listed = rows;
    },
  });
  const requests = sandbox.requests.since(mark);
  const pages = requests
    .filter((r) => r.path.startsWith('/api/v4/runners/all?') && r.path.includes('type=instance_type'))
    .map((r) => Number(new URL(r.path, sandbox.url).searchParams.get('page')));
  const instanceRunners = runners.filter((r) => r.type === 'instance_type').length;
  const pageCount = Math.ceil(instanceRunners / 100);
  assert.ok(pageCount >= 2, `the scale seed has ${instanceRunners} instance runners: several pages`);
  assert.deepEqual(
    [...pages].sort((a, b) => a - b),
    Array.from({ length: pageCount }, (_, i) => i + 1),
  );
  assert.equal(new Set(runners.map((r) => r.id)).size, runners.length, 'no runner twice');
  const logged = sandbox.requests.since(mark).filter((r) => r.path.startsWith('/api/v4/runners/all?'));
  assert.equal(logged.length, pageCount);

  assert.ok(listedAt !== undefined, 'the rows were handed over');
  assert.equal(listed.length, runners.length, 'every row, before details');
  const detailsBefore = sandbox.requests
    .all()
    .slice(mark, listedAt)
    .filter((r) => /^\/api\/v4\/runners\/\d+(\/managers)?$/.test(r.path.split('?')[0]));
  assert.deepEqual(detailsBefore, [], 'no runner details read before the rows were handed over');
  assert.ok(runners.filter((r) => r.managers).length >= 5, 'details after, for the first rows');
});
