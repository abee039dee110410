// The GitLab adapter against the sandbox: what the sidebar gets, what reached the server, and
// how failures read.
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { startSandbox, type Sandbox } from '../../sandbox/server';
import { GitLabFleet } from '../../../src/gitlab/fleet';

let sandbox: Sandbox;
let fleet: GitLabFleet;
before(async () => {
  sandbox = await startSandbox({ seed: 'demo' });
  fleet = new GitLabFleet(sandbox.url, sandbox.gitlabToken);
});
after(() => sandbox.close());

const paths = (mark: number) => sandbox.requests.since(mark).map((r) => `${r.method} ${r.path.split('?')[0]}`);

test('runners come with tags, version and their hosts from the managers endpoint', async () => {
  const project = await fleet.project('infra/runner-fleet');
  const runners = await fleet.runners([project], await fleet.isAdmin());
  const a = runners.find((r) => r.description === 'gitlab-runner-a')!;
  assert.deepEqual(a.tags, ['gcp', 'terraform', 'deploy']);
  assert.equal(a.status, 'online');
  assert.equal(a.version, '17.11.0');
  assert.equal(a.managers?.length, 1);
  assert.match(a.managers![0].systemId, /^s_[0-9a-f]{12}$/);
  assert.equal(a.managers![0].ipAddress, '10.132.0.2');
  assert.equal(a.ipAddress, undefined, 'the runner-level ip is blank since GitLab 17 and must not be invented');
});

test('two projects of one group: their group runners are listed once, the instance runners once', async () => {
  const projects = [await fleet.project('infra/runner-fleet'), await fleet.project('infra/version-updater')];
  const mark = sandbox.requests.mark();
  const runners = await fleet.runners(projects, true);
  const lists = sandbox.requests
    .since(mark)
    .map((r) => r.path)
    .filter((p) => /\/runners(\/all)?\?/.test(p));
  assert.equal(lists.filter((p) => p.includes('type=group_type')).length, 1);
  assert.equal(lists.filter((p) => p.includes('type=project_type')).length, 2);
  assert.equal(lists.filter((p) => p.includes('type=instance_type')).length, 1);
  assert.deepEqual(runners.map((r) => r.type).sort(), ['group_type', 'instance_type', 'project_type']);
});

test('details and managers of a runner whose contact did not change are not fetched again', async () => {
  const project = await fleet.project('infra/runner-fleet');
  await fleet.runners([project], true);
  const mark = sandbox.requests.mark();
  await fleet.runners([project], true);
  const offline = paths(mark).filter((p) => p === 'GET /api/v4/runners/3' || p === 'GET /api/v4/runners/3/managers');
  assert.deepEqual(offline, [], 'runner #3 has not contacted GitLab for 3 h: its cached details stand');
  assert.ok(paths(mark).includes(`GET /api/v4/projects/${project.id}/runners`));
  assert.ok(
    sandbox.requests
      .since(mark)
      .some((r) => r.path.startsWith('/api/v4/runners/all?') && r.path.includes('type=instance_type')),
    'an admin also sees the instance runners, and only those, from /runners/all',
  );
});

test("a non-admin token asks for its projects' runners, never /runners/all, and a missing role is named", async () => {
  const user = new GitLabFleet(sandbox.url, sandbox.tokens.user);
  const mark = sandbox.requests.mark();
  const project = await user.project('infra/runner-fleet');
  await assert.rejects(
    user.runners([project], await user.isAdmin()),
    /Listing the runners of infra\/runner-fleet needs the Maintainer role/,
  );
  assert.ok(!paths(mark).includes('GET /api/v4/runners/all'));
  assert.ok(paths(mark).includes(`GET /api/v4/projects/${project.id}/runners`));
});

test("pipelines page by page with the next page from GitLab's headers", async () => {
  const project = await fleet.project('infra/runner-fleet');
  const first = await fleet.pipelines(project.id, 1, 3);
  assert.equal(first.pipelines.length, 3);
  assert.equal(first.nextPage, 2);
  const ids = first.pipelines.map((p) => p.id);
  assert.deepEqual(
    ids,
    [...ids].sort((a, b) => b - a),
    'newest first',
  );
  const second = await fleet.pipelines(project.id, 2, 3);
  assert.ok(second.pipelines.every((p) => p.id < Math.min(...ids)));
});

test('a failed job records the runner and the host that ran it', async () => {
  const project = await fleet.project('infra/runner-fleet');
  const { pipelines } = await fleet.pipelines(project.id);
  const failed = pipelines.find((p) => p.status === 'failed')!;
  const job = (await fleet.pipelineJobs(project.id, failed.id)).find((j) => j.status === 'failed')!;
  assert.equal(job.runner?.description, 'gitlab-runner-a');
  assert.match(job.runnerManager?.systemId ?? '', /^s_/);
});

test('a wrong token reads as a sign-in problem, without the token in the message', async () => {
  const wrong = new GitLabFleet(sandbox.url, 'glpat-wrong-wrong-wrong');
  await assert.rejects(wrong.project('infra/runner-fleet'), (e: Error & { kind?: string }) => {
    assert.equal(e.kind, 'unauthorized');
    assert.match(e.message, /rejected the token \(401\).*Sign in again/);
    assert.doesNotMatch(e.message, /glpat-wrong/);
    return true;
  });
});

test('a short Retry-After is waited out inside the call; a long one goes back to the caller at once', async () => {
  sandbox.faults.add('gitlab:/api/v4/projects/*=429:retry-after=1@1');
  let mark = sandbox.requests.mark();
  const started = Date.now();
  await assert.rejects(
    fleet.project('infra/runner-fleet'),
    (e: Error & { kind?: string }) => e.kind === 'rate-limited',
  );
  const attempts = paths(mark).length;
  assert.equal(attempts, 3, 'three attempts, no more (gitbeaker alone would make ten over four minutes)');
  assert.ok(Date.now() - started < 5_000);
  sandbox.faults.clear();

  sandbox.faults.add('gitlab:/api/v4/projects/*=429:retry-after=30@1');
  mark = sandbox.requests.mark();
  await assert.rejects(fleet.project('infra/runner-fleet'), (e: Error & { kind?: string; retryAfterMs?: number }) => {
    assert.equal(e.retryAfterMs, 30_000, 'the poller gets the wait GitLab asked for');
    return true;
  });
  assert.equal(paths(mark).length, 1);
  sandbox.faults.clear();
});

test('actions reach GitLab: pause, cancel, retry, play a schedule', async () => {
  const project = await fleet.project('infra/runner-fleet');
  const paused = await fleet.setRunnerPaused(2, true);
  assert.equal(paused.paused, true);
  assert.equal((await fleet.setRunnerPaused(2, false)).paused, false);
  const running = (await fleet.pipelines(project.id)).pipelines.find((p) => p.status === 'running')!;
  assert.equal((await fleet.cancelPipeline(project.id, running.id)).status, 'canceled');
  assert.notEqual((await fleet.retryPipeline(project.id, running.id)).status, 'canceled');
  const updater = await fleet.project('infra/version-updater');
  const [schedule] = await fleet.schedules(updater.id);
  const mark = sandbox.requests.mark();
  await fleet.playSchedule(updater.id, schedule.id);
  assert.deepEqual(paths(mark), [`POST /api/v4/projects/${updater.id}/pipeline_schedules/${schedule.id}/play`]);
});

test("each runner links to its own page: its project's, its group's, or the admin area", async () => {
  // runner-a belongs to runner-fleet only: listed second, it must not get the first project's page.
  const projects = [await fleet.project('infra/version-updater'), await fleet.project('infra/runner-fleet')];
  const runners = await fleet.runners(projects, true);
  const page = (description: string) => runners.find((r) => r.description === description)?.webUrl;
  assert.equal(page('gitlab-runner-a'), `${sandbox.url}/infra/runner-fleet/-/runners/1`);
  assert.equal(page('gitlab-runner-b'), `${sandbox.url}/groups/infra/-/runners/2`);
  assert.equal(page('gitlab-runner-c'), `${sandbox.url}/admin/runners/3`);
});

test('after playing a schedule, the schedule names the pipeline it started', async () => {
  const updater = await fleet.project('infra/version-updater');
  const [schedule] = await fleet.schedules(updater.id);
  const newest = (await fleet.pipelines(updater.id)).pipelines[0];
  await fleet.playSchedule(updater.id, schedule.id);
  const mark = sandbox.requests.mark();
  const played = await fleet.schedule(updater.id, schedule.id);
  assert.deepEqual(paths(mark), [`GET /api/v4/projects/${updater.id}/pipeline_schedules/${schedule.id}`]);
  assert.ok(played.lastPipeline && played.lastPipeline.id > newest.id, JSON.stringify(played.lastPipeline));
  const started = await fleet.pipeline(updater.id, played.lastPipeline.id);
  assert.equal(started.source, 'schedule');
  assert.equal(started.ref, schedule.ref);
});

test('details and managers only for the rows shown first (problems first) and the expanded ones', async () => {
  const project = await fleet.project('infra/runner-fleet');
  const fresh = new GitLabFleet(sandbox.url, sandbox.gitlabToken);
  const mark = sandbox.requests.mark();
  const runners = await fresh.runners([project], true, { first: 1, ids: [1] });
  const detailed = paths(mark)
    .filter((p) => /^GET \/api\/v4\/runners\/\d+$/.test(p))
    .map((p) => Number(p.split('/').pop()))
    .sort();
  // #3 has not contacted GitLab for 3 h: offline sorts first, so it is the one row shown first.
  assert.deepEqual(detailed, [1, 3]);
  assert.ok(paths(mark).includes('GET /api/v4/runners/3/managers'));
  assert.ok(!paths(mark).includes('GET /api/v4/runners/2/managers'), 'neither first nor expanded');
  const plain = runners.find((r) => r.id === 2)!;
  assert.deepEqual([plain.tags, plain.version, plain.managers], [[], undefined, undefined], 'what the list says');
  assert.ok(runners.find((r) => r.id === 1)!.managers?.length, 'the expanded one has its managers');
});
