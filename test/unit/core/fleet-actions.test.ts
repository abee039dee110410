import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { FleetActions } from '../../../src/core/fleet-actions';
import { FleetStore } from '../../../src/core/fleet-store';
import type { Pipeline, PipelineSchedule, Project, Runner } from '../../../src/core/model';
import type { GitLabPort } from '../../../src/core/ports';
import { FakeClock } from './fake-clock';

const project: Project = {
  id: 7,
  path: 'infra/runner-fleet',
  name: 'runner-fleet',
  webUrl: 'https://gl/infra/runner-fleet',
};
const pipeline = (id: number, status: string, ref = 'main'): Pipeline => ({
  id,
  projectId: 7,
  ref,
  sha: 'abc',
  source: 'push',
  status,
  createdAt: id * 1000,
  updatedAt: id * 1000,
  webUrl: `https://gl/infra/runner-fleet/-/pipelines/${id}`,
});
const runner: Runner = {
  id: 12,
  description: 'gitlab-runner-a',
  status: 'online',
  paused: false,
  type: 'project_type',
  tags: ['gcp'],
};
const nightly: PipelineSchedule = {
  id: 3,
  description: 'Nightly',
  ref: 'main',
  cron: '0 3 * * *',
  cronTimezone: 'UTC',
  active: true,
  lastPipeline: { id: 5, status: 'success' },
};

/** A GitLab that records what reached it and what the store showed as busy at that moment. */
function world(options: { signedIn?: boolean } = {}) {
  const reached: string[] = [];
  const busyWhenCalled: string[] = [];
  let pipelines = [pipeline(9, 'failed'), pipeline(8, 'running'), pipeline(5, 'success')];
  let scheduleLast: PipelineSchedule['lastPipeline'] = nightly.lastPipeline;
  let reportsLast = true;
  let runnerPaused = false;
  const record = (what: string) => {
    reached.push(what);
    busyWhenCalled.push([...store.busy].map(([k, v]) => `${k} ${v}`).join(', '));
  };
  const find = (id: number) => pipelines.find((p) => p.id === id)!;
  const setStatus = (id: number, status: string) => {
    pipelines = pipelines.map((p) => (p.id === id ? { ...p, status, updatedAt: p.updatedAt! + 1 } : p));
  };
  const gitlab = {
    project: async () => project,
    isAdmin: async () => false,
    runners: async () => [runner],
    pipelines: async () => ({ pipelines }),
    pipeline: async (_: number, id: number) => (record(`GET pipeline ${id}`), find(id)),
    pipelineJobs: async () => [],
    runner: async (id: number) => (record(`GET runner ${id}`), { ...runner, paused: runnerPaused }),
    setRunnerPaused: async (id: number, paused: boolean) => (
      record(`PUT runner ${id} paused=${paused}`),
      (runnerPaused = paused),
      { ...runner, paused }
    ),
    retryPipeline: async (_: number, id: number) => (record(`POST retry ${id}`), setStatus(id, 'pending'), find(id)),
    cancelPipeline: async (_: number, id: number) => {
      record(`POST cancel ${id}`);
      throw new Error('GitLab refused');
    },
    schedules: async () => [{ ...nightly, lastPipeline: scheduleLast }],
    schedule: async () => (record('GET schedule 3'), { ...nightly, lastPipeline: scheduleLast }),
    playSchedule: async () => {
      record('POST play 3');
      pipelines = [pipeline(11, 'created'), ...pipelines];
      if (reportsLast) scheduleLast = { id: 11, status: 'created' };
    },
  } as unknown as GitLabPort;
  const clock = new FakeClock();
  const store: FleetStore = new FleetStore({
    compute: async () => undefined,
    gitlab: async () => (options.signedIn === false ? undefined : gitlab),
    projects: ['infra/runner-fleet'],
    now: () => clock.now(),
  });
  /** Every busy mark the views could have seen, at each change event. */
  const marks: string[] = [];
  store.onChange(() => marks.push(...store.busy.values()));
  const actions = new FleetActions(() => store, { clock });
  return {
    store,
    actions,
    clock,
    reached,
    busyWhenCalled,
    marks,
    /** Forgets what the initial load reached. */
    clear: () => ((reached.length = 0), (busyWhenCalled.length = 0)),
    setStatus,
    /** Someone else (another window) pauses or resumes the runner. */
    setPausedElsewhere: (paused: boolean) => (runnerPaused = paused),
    /** GitLab has not linked the new pipeline to the schedule yet. */
    lastNotReported: () => (reportsLast = false),
  };
}

test('pausing a runner reaches GitLab with the row marked "Pausing…", then patches the runner and clears the mark', async () => {
  const w = world();
  await w.store.refresh('runners');
  w.clear();
  const updated = await w.actions.setRunnerPaused(runner, true);
  assert.deepEqual([updated.runner.paused, updated.already], [true, false]);
  assert.deepEqual(w.reached, ['GET runner 12', 'PUT runner 12 paused=true']);
  assert.deepEqual(w.busyWhenCalled, ['runner:12 Pausing…', 'runner:12 Pausing…']);
  assert.equal(w.store.busy.get('runner:12'), undefined, 'the mark is cleared');
  assert.equal(w.store.runners.value?.[0].paused, true, 'the store shows the runner paused at once');
  assert.ok(w.marks.includes('Pausing…'), 'the views were told of the mark');
});

test('pausing a runner someone else paused since the view was read sends nothing and says so', async () => {
  const w = world();
  await w.store.refresh('runners');
  w.clear();
  w.setPausedElsewhere(true);
  const result = await w.actions.setRunnerPaused(runner, true);
  assert.deepEqual([result.runner.paused, result.already], [true, true]);
  assert.deepEqual(w.reached, ['GET runner 12'], 'no PUT');
  assert.equal(w.store.runners.value?.[0].paused, true, 'the row shows what GitLab has');
});

test('retrying a pipeline marks it "Retrying…", patches it, and watches it until it settles', async () => {
  const w = world();
  await w.store.refresh('pipelines');
  w.clear();
  await w.actions.retryPipeline(w.store.findPipeline(9)!);
  assert.deepEqual(w.reached, ['POST retry 9']);
  assert.deepEqual(w.busyWhenCalled, ['pipeline:9 Retrying…']);
  assert.equal(w.store.busy.size, 0);
  assert.equal(w.store.findPipeline(9)?.status, 'pending', 'the row shows GitLab’s answer without a refresh');
  assert.equal(w.actions.watching(9), true);

  await w.clock.advance(1_000);
  assert.deepEqual(w.reached.slice(1), ['GET pipeline 9'], 'one poll a second');
  w.setStatus(9, 'success');
  await w.clock.advance(1_000);
  assert.equal(w.store.findPipeline(9)?.status, 'success');
  assert.equal(w.actions.watching(9), false, 'a settled pipeline is no longer watched');
  await w.clock.advance(10_000);
  assert.equal(w.reached.length, 3, 'nothing polls after the watch ended');
});

test('a watch gives up after ten polls of a pipeline that stays in motion', async () => {
  const w = world();
  await w.store.refresh('pipelines');
  await w.actions.retryPipeline(w.store.findPipeline(9)!);
  w.clear();
  await w.clock.advance(30_000);
  assert.equal(w.reached.length, 10);
  assert.equal(w.actions.watching(9), false);
});

test('a refused cancel reaches GitLab, clears the busy mark, keeps the row and starts no watch', async () => {
  const w = world();
  await w.store.refresh('pipelines');
  w.clear();
  await assert.rejects(() => w.actions.cancelPipeline(w.store.findPipeline(8)!), /GitLab refused/);
  assert.deepEqual(w.reached, ['POST cancel 8']);
  assert.deepEqual(w.busyWhenCalled, ['pipeline:8 Canceling…']);
  assert.equal(w.store.busy.size, 0);
  assert.equal(w.store.findPipeline(8)?.status, 'running');
  assert.equal(w.actions.watching(8), false);
});

test('running a schedule plays it, finds the new pipeline as the schedule’s last, lists it and watches it', async () => {
  const w = world();
  await w.store.refresh('pipelines');
  w.clear();
  // GitLab's answer to play names no pipeline: the schedule's last pipeline does.
  const started = await w.actions.runSchedule(project, nightly);
  assert.equal(started?.id, 11);
  assert.deepEqual(w.reached.slice(0, 2), ['POST play 3', 'GET schedule 3']);
  assert.deepEqual(w.busyWhenCalled[0], 'schedule:3 Starting…');
  assert.deepEqual(
    w.store.pipelines.get(7)?.value?.pipelines.map((p) => p.id),
    [11, 9, 8, 5],
    'the new pipeline leads the list before the next refresh',
  );
  assert.equal(w.actions.watching(11), true);
});

test('a schedule whose last pipeline is not reported yet: the newest pipeline on its ref', async () => {
  const w = world();
  w.lastNotReported();
  await w.store.refresh('pipelines');
  const started = await w.actions.runSchedule(project, nightly);
  assert.equal(started?.id, 11);
});

test('signed out: the action says so, and no row is marked busy', async () => {
  const w = world({ signedIn: false });
  await assert.rejects(() => w.actions.setRunnerPaused(runner, true), /Sign in to GitLab first/);
  assert.deepEqual(w.reached, []);
  assert.deepEqual(w.marks, [], 'no row was marked busy');
});
