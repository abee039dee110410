import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFleetView } from '../../../src/core/fleet-read';
import { FleetStore } from '../../../src/core/fleet-store';
import type { Pipeline, Runner, WorkerVm } from '../../../src/core/model';
import { PACE, paceFor, SLOW_SECONDS, type Pace } from '../../../src/core/pace';
import type { ComputePort, GitLabPort } from '../../../src/core/ports';

function world() {
  const calls: string[] = [];
  let versionReads = 0;
  let now = 1_000_000;
  let vms: WorkerVm[] = [
    {
      id: '1',
      name: 'gitlab-runner-a',
      zone: 'europe-west1-b',
      status: 'RUNNING',
      machineType: 'e2-standard-2',
      labels: {},
    },
  ];
  let failCompute: Error | undefined;
  const pipeline = (id: number, status: string, updatedAt: number): Pipeline => ({
    id,
    projectId: 7,
    ref: 'main',
    sha: 'abc',
    source: 'push',
    status,
    createdAt: updatedAt,
    updatedAt,
    webUrl: '',
  });
  let pipelines = [pipeline(2, 'running', 10), pipeline(1, 'success', 5)];
  let pageSize = Infinity;
  const compute: ComputePort = {
    listWorkers: async () => {
      calls.push('listWorkers');
      if (failCompute) throw failCompute;
      return vms;
    },
    guestAttributes: async (vm) => (calls.push(`guestAttributes ${vm.name}`), null),
  };
  const runner: Runner = {
    id: 12,
    description: 'gitlab-runner-a',
    status: 'online',
    paused: false,
    type: 'project_type',
    tags: [],
  };
  const gitlab = {
    project: async (p: string | number) => (
      calls.push(`project ${p}`),
      { id: 7, path: String(p), name: 'fleet', webUrl: '' }
    ),
    isAdmin: async () => false,
    serverVersion: async () => (versionReads++, '17.11.3-ee'),
    runners: async () => (calls.push('runners'), [runner]),
    // Newest first, in pages of `pageSize` (one page unless a test sets it).
    pipelines: async (_: number, page = 1) => {
      calls.push('pipelines');
      const size = pageSize;
      return {
        pipelines: pipelines.slice((page - 1) * size, page * size).map((p) => ({ ...p, duration: undefined })),
        nextPage: pipelines.length > page * size ? page + 1 : undefined,
      };
    },
    pipeline: async (_: number, id: number) => (
      calls.push(`pipeline ${id}`),
      { ...pipelines.find((p) => p.id === id)!, duration: 42 }
    ),
    pipelineJobs: async () => [],
  } as unknown as GitLabPort;
  return {
    calls,
    versionReads: () => versionReads,
    tick: (ms: number) => (now += ms),
    setVms: (next: WorkerVm[]) => (vms = next),
    failCompute: (error?: Error) => (failCompute = error),
    setPipelines: (next: Pipeline[]) => (pipelines = next),
    setPageSize: (size: number) => (pageSize = size),
    pipeline,
    gitlab,
    store: (
      signedIn = true,
      more: { onFailure?: (error: Error) => void; pace?: Pace['fleet']; firstRowsDrawn?: () => Promise<void> } = {},
    ) =>
      new FleetStore({
        compute: async () => compute,
        gitlab: async () => (signedIn ? gitlab : undefined),
        projects: ['infra/runner-fleet'],
        now: () => now,
        ...more,
      }),
  };
}

test('a view refreshes its own area now and borrows other areas only when they are 30 s old', async () => {
  const w = world();
  const store = w.store();
  await store.refresh('workers', ['runners']);
  assert.deepEqual(
    w.calls.filter((c) => c === 'listWorkers' || c === 'runners'),
    ['listWorkers', 'runners'],
  );
  w.calls.length = 0;
  w.tick(5_000);
  await store.refresh('runners', ['workers']);
  assert.deepEqual(w.calls, ['runners'], 'the VM list is 5 s old: borrowed as is');
  w.calls.length = 0;
  w.tick(31_000);
  await store.refresh('runners', ['workers']);
  assert.deepEqual(w.calls.sort(), ['listWorkers', 'runners']);
});

test('the checklist borrows the VM list: read again only when 30 s old', async () => {
  const w = world();
  const store = w.store();
  await store.borrow(['workers']);
  assert.deepEqual(
    w.calls.filter((c) => c === 'listWorkers'),
    ['listWorkers'],
    'nothing read yet: read now',
  );
  w.calls.length = 0;
  w.tick(5_000);
  await store.borrow(['workers']);
  assert.deepEqual(w.calls, [], 'the VM list is 5 s old: borrowed as is');
  w.tick(26_000);
  await store.borrow(['workers']);
  assert.deepEqual(
    w.calls.filter((c) => c === 'listWorkers'),
    ['listWorkers'],
  );
});

test('two views refreshing the same area at once share one request', async () => {
  const w = world();
  const store = w.store();
  await Promise.all([store.refresh('workers'), store.refresh('workers'), store.refresh('runners', ['workers'])]);
  assert.equal(w.calls.filter((c) => c === 'listWorkers').length, 1);
});

test('a failed refresh keeps the last VMs on screen and records the error for the view', async () => {
  const w = world();
  const store = w.store();
  await store.refresh('workers');
  w.failCompute(new Error('Compute Engine did not answer'));
  w.tick(2_000);
  await store.refresh('workers');
  assert.equal(store.workers.value?.[0].name, 'gitlab-runner-a');
  assert.equal(store.workers.error?.message, 'Compute Engine did not answer');
  assert.equal(store.errorOf(['workers'])?.message, 'Compute Engine did not answer');
  w.failCompute(undefined);
  w.tick(2_000);
  await store.refresh('workers');
  assert.equal(store.workers.error, undefined);
});

test("a view's read fails (its poller backs off) on its own area's failure, not on a borrowed one's", async () => {
  const w = world();
  const store = w.store();
  w.failCompute(new Error('Compute Engine did not answer'));
  const pipelines = await readFleetView(store, ['pipelines', 'runners', 'workers']);
  assert.deepEqual(pipelines, { transitional: true }, 'the pipelines read fine; a running one keeps the fast pace');
  assert.equal(store.workers.error?.message, 'Compute Engine did not answer', 'the borrowed VMs did fail');
  w.tick(2_000);
  await assert.rejects(readFleetView(store, ['workers', 'runners']), /Compute Engine did not answer/);
});

test('each failed fetch is reported once, as it happens; reading the error again reports nothing', async () => {
  const w = world();
  const reported: Error[] = [];
  const store = w.store(true, { onFailure: (error) => reported.push(error) });
  await store.refresh('workers');
  assert.deepEqual(reported, []);
  const first = new Error('Compute Engine did not answer');
  w.failCompute(first);
  w.tick(2_000);
  await store.refresh('workers');
  store.errorOf(['workers']);
  assert.deepEqual(reported, [first]);
  const second = new Error('Compute Engine did not answer again');
  w.failCompute(second);
  w.tick(2_000);
  await store.refresh('workers');
  assert.deepEqual(reported, [first, second], 'a new failure is a new entry');
});

test('signed out, GitLab areas are marked unavailable and nothing is requested', async () => {
  const w = world();
  const store = w.store(false);
  await store.refresh('runners');
  await store.refresh('pipelines');
  assert.equal(store.gitlabAvailable, false);
  assert.deepEqual(w.calls, []);
});

test('after more than a page of new pipelines, a refresh lists the newest page and Load More goes on from there: no gap', async () => {
  const w = world();
  const store = w.store();
  /** Pipelines `to` down to `from`, newest first, as GitLab lists them. */
  const ids = (to: number, from: number) => Array.from({ length: to - from + 1 }, (_, i) => to - i);
  const shown = () => store.pipelines.get(7)?.value;
  w.setPageSize(PACE.gitlab.pipelinesPerPage);
  w.setPipelines(ids(10, 1).map((id) => w.pipeline(id, 'success', id)));
  await store.refresh('pipelines');
  assert.deepEqual(
    shown()?.pipelines.map((p) => p.id),
    ids(10, 1),
  );
  assert.equal(shown()?.nextPage, undefined);

  // 25 new ones: the first page (45 to 26) does not reach the 10 shown, 5 lie between.
  w.setPipelines([...ids(45, 21), ...ids(10, 1)].map((id) => w.pipeline(id, 'success', id)));
  store.invalidate();
  await store.refresh('pipelines');
  assert.deepEqual(
    shown()?.pipelines.map((p) => p.id),
    ids(45, 26),
  );
  assert.equal(shown()?.nextPage, 2);
  await store.loadMorePipelines(7);
  assert.deepEqual(
    shown()?.pipelines.map((p) => p.id),
    [...ids(45, 21), ...ids(10, 1)],
  );
  assert.equal(shown()?.nextPage, undefined);

  // One more: the first page reaches what is shown, so the pages loaded stay.
  w.setPipelines([...ids(46, 21), ...ids(10, 1)].map((id) => w.pipeline(id, 'success', id)));
  store.invalidate();
  await store.refresh('pipelines');
  assert.deepEqual(
    shown()?.pipelines.map((p) => p.id),
    [...ids(46, 21), ...ids(10, 1)],
  );
});

test('pipeline details (duration, who) are fetched once per pipeline until the pipeline changes', async () => {
  const w = world();
  const store = w.store();
  await store.refresh('pipelines');
  assert.deepEqual(w.calls.filter((c) => c.startsWith('pipeline ')).sort(), ['pipeline 1', 'pipeline 2']);
  assert.equal(store.findPipeline(1)?.duration, 42);
  w.calls.length = 0;
  w.setPipelines([w.pipeline(2, 'success', 20), w.pipeline(1, 'success', 5)]);
  w.tick(2_000);
  await store.refresh('pipelines');
  assert.deepEqual(
    w.calls.filter((c) => c.startsWith('pipeline ')),
    ['pipeline 2'],
    'only the pipeline that changed',
  );
  assert.equal(store.findPipeline(2)?.status, 'success');
});

test('a project with nothing running is not re-listed by fast polls; a running one is, and a manual refresh re-lists all', async () => {
  const w = world();
  w.setPipelines([w.pipeline(1, 'success', 5)]);
  const store = w.store();
  await store.refresh('pipelines');
  w.calls.length = 0;
  w.tick(2_000);
  await store.refresh('pipelines');
  assert.deepEqual(
    w.calls.filter((c) => c === 'pipelines'),
    [],
    'quiet project, 2 s later: no list request',
  );
  w.tick(60_000);
  await store.refresh('pipelines');
  assert.deepEqual(
    w.calls.filter((c) => c === 'pipelines'),
    ['pipelines'],
    'the slow pace still re-lists it',
  );
  w.calls.length = 0;
  w.tick(2_000);
  store.invalidate();
  await store.refresh('pipelines');
  assert.deepEqual(
    w.calls.filter((c) => c === 'pipelines'),
    ['pipelines'],
    'the user asked',
  );
});

test('pipeline details only for the rows on the first screen and the expanded ones, however long the list', async () => {
  // The one project's row and its Schedules row come first, then its pipelines.
  const ON_SCREEN = PACE.fleet.visibleRows - 2;
  const w = world();
  w.setPipelines(Array.from({ length: 25 }, (_, i) => w.pipeline(100 - i, 'success', 1_000 - i)));
  const store = w.store();
  await store.refresh('pipelines');
  assert.equal(w.calls.filter((c) => c.startsWith('pipeline ')).length, ON_SCREEN);
  assert.equal(store.findPipeline(100)?.duration, 42, 'the newest rows get details first');
  assert.equal(store.findPipeline(100 - ON_SCREEN)?.duration, undefined, 'the first row below the screen');
  w.calls.length = 0;
  store.invalidate();
  await store.refresh('pipelines');
  assert.equal(w.calls.filter((c) => c.startsWith('pipeline ')).length, 0, 'nothing changed on screen');
  await store.loadPipelineJobs(7, 76); // the user expands #76
  w.calls.length = 0;
  store.invalidate();
  await store.refresh('pipelines');
  assert.deepEqual(
    w.calls.filter((c) => c.startsWith('pipeline ')),
    ['pipeline 76'],
    'the expanded row below the screen',
  );
  assert.equal(store.findPipeline(76)?.duration, 42);
});

test('whatever the slow-pace setting, a quiet project is re-listed at each slow poll, and once per slow period among fast polls', async () => {
  for (const slowSeconds of [SLOW_SECONDS.minimum, 45, SLOW_SECONDS.default, SLOW_SECONDS.maximum]) {
    const w = world();
    w.setPipelines([w.pipeline(1, 'success', 5)]);
    const { views, fleet } = paceFor({ slowSeconds });
    const store = w.store(true, { pace: fleet });
    const listings = () => w.calls.filter((c) => c === 'pipelines').length;
    await store.refresh('pipelines');
    w.tick(views.slowMs);
    await store.refresh('pipelines');
    assert.equal(listings(), 2, `${slowSeconds} s: re-listed at the next slow poll`);
    // Another view polls fast (a VM is starting): the quiet project is not re-listed at each of those.
    for (let t = 0; t < views.slowMs; t += views.fastMs) {
      w.tick(views.fastMs);
      await store.refresh('pipelines');
    }
    assert.equal(listings(), 3, `${slowSeconds} s: once in a slow period of fast polls`);
  }
});

test("GitLab's version is read once per store, not on every refresh", async () => {
  const w = world();
  const store = w.store();
  await store.refresh('runners');
  for (let i = 0; i < 3; i++) {
    w.tick(120_000);
    await store.refresh('runners');
    await store.refresh('pipelines');
  }
  assert.equal(store.serverVersion, '17.11.3-ee');
  assert.equal(w.versionReads(), 1);
});

test("a VM's guest attributes are read on demand only, once a minute at most; an expand announces them, a tooltip does not", async () => {
  const w = world();
  const store = w.store();
  await store.refresh('workers');
  const [vm] = store.workers.value!;
  const changes: string[] = [];
  store.onChange((area) => changes.push(area));
  w.calls.length = 0;
  await store.loadGuest(vm, false); // a tooltip
  assert.deepEqual(w.calls, ['guestAttributes gitlab-runner-a']);
  assert.deepEqual(changes, [], 'a re-render would close the tooltip being shown');
  assert.equal(store.guest.get(vm.id)?.value, null, 'no guest attributes: null');
  w.tick(PACE.fleet.guestFreshMs - 1);
  await store.loadGuest(vm, true); // an expand within the minute reuses the answer
  assert.deepEqual(w.calls, ['guestAttributes gitlab-runner-a']);
  assert.deepEqual(changes, ['workers'], 'the expanded row shows it');
  await store.refresh('workers');
  w.tick(PACE.fleet.guestFreshMs);
  await store.refresh('workers');
  assert.deepEqual(
    w.calls.filter((c) => c.startsWith('guest')),
    ['guestAttributes gitlab-runner-a'],
    'never polled',
  );
  await store.loadGuest(vm, true);
  assert.equal(w.calls.filter((c) => c.startsWith('guest')).length, 2, 'read again after a minute');
});

test('rows first: a first read shows the VMs of the first page and the listed runners before the rest arrives', async () => {
  const vm = (i: number): WorkerVm => ({
    id: String(i),
    name: `vm-${i}`,
    zone: 'europe-west1-b',
    status: 'RUNNING',
    machineType: 'e2',
    labels: {},
  });
  let finishVms!: () => void;
  let finishDetails!: () => void;
  const plain: Runner = { id: 1, description: 'r', status: 'online', paused: false, type: 'project_type', tags: [] };
  const store = new FleetStore({
    compute: async () => ({
      listWorkers: async (listed?: (vms: WorkerVm[]) => void) => {
        listed?.([vm(1), vm(2)]);
        await new Promise<void>((resolve) => (finishVms = resolve));
        return [vm(1), vm(2), vm(3)];
      },
      guestAttributes: async () => null,
    }),
    gitlab: async () =>
      ({
        project: async () => ({ id: 7, path: 'a/b', name: 'b', webUrl: '' }),
        isAdmin: async () => false,
        serverVersion: async () => '17.11.3-ee',
        runners: async (_p: unknown, _a: boolean, detailed?: { listed?: (r: Runner[]) => void }) => {
          detailed?.listed?.([plain]);
          await new Promise<void>((resolve) => (finishDetails = resolve));
          return [{ ...plain, version: '17.11.0' }];
        },
      }) as unknown as GitLabPort,
    projects: ['a/b'],
    now: () => 1_000_000,
  });
  const changed: string[] = [];
  store.onChange((area) => changed.push(area));
  const reading = store.refresh('workers', ['runners']);
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(
    store.workers.value?.map((v) => v.name),
    ['vm-1', 'vm-2'],
  );
  assert.deepEqual(
    store.runners.value?.map((r) => [r.id, r.version]),
    [[1, undefined]],
  );
  assert.ok(changed.includes('workers') && changed.includes('runners'), 'the views were told');
  finishVms();
  finishDetails();
  await reading;
  assert.equal(store.workers.value?.length, 3);
  assert.deepEqual(
    store.runners.value?.map((r) => [r.id, r.version]),
    [[1, '17.11.0']],
  );
  assert.equal(store.workers.loading, false);
});

test('the runners and pipelines of a first read share one lookup of the projects', async () => {
  const w = world();
  const store = w.store();
  await Promise.all([store.refresh('runners'), store.refresh('pipelines')]);
  assert.deepEqual(
    w.calls.filter((c) => c.startsWith('project ')),
    ['project infra/runner-fleet'],
  );
});

test('rows first, then a failure: the rows read so far stay, with the time they were read', async () => {
  let now = 1_000;
  const store = new FleetStore({
    compute: async () => ({
      listWorkers: async (listed?: (vms: WorkerVm[]) => void) => {
        listed?.([{ id: '1', name: 'vm-1', zone: 'europe-west1-b', status: 'RUNNING', machineType: 'e2', labels: {} }]);
        now = 2_000;
        throw new Error('the second page failed');
      },
      guestAttributes: async () => null,
    }),
    gitlab: async () => undefined,
    projects: [],
    now: () => now,
  });
  await store.refresh('workers');
  assert.deepEqual(
    store.workers.value?.map((v) => v.name),
    ['vm-1'],
  );
  assert.equal(store.workers.loadedAt, 1_000, 'the last good read is the first page');
  assert.equal(store.workers.error?.message, 'the second page failed');
});

test('a first read announces its rows, not its start: the "Loading…" row it would redraw is already there', async () => {
  const w = world();
  const store = w.store();
  const seen: Array<{ area: string; vms: number | undefined; loading: boolean }> = [];
  store.onChange((area) => {
    if (area === 'workers') seen.push({ area, vms: store.workers.value?.length, loading: store.workers.loading });
  });
  await store.refresh('workers');
  assert.deepEqual(seen, [{ area: 'workers', vms: 1, loading: false }]);

  // After a failure with nothing to show, starting again is news: the error row gains "Loading…".
  const failing = w.store();
  w.failCompute(new Error('Compute Engine did not answer'));
  await failing.refresh('workers');
  w.failCompute(undefined);
  w.tick(2_000);
  const events: boolean[] = [];
  failing.onChange((area) => area === 'workers' && events.push(failing.workers.loading));
  await failing.refresh('workers');
  assert.deepEqual(events, [true, false]);
});

test('an area has rows once its list is read, whether or not another area is', async () => {
  const w = world();
  const store = w.store();
  assert.deepEqual(
    [store.hasRows('workers'), store.hasRows('runners'), store.hasRows('pipelines')],
    [false, false, false],
  );
  await store.refresh('workers');
  assert.deepEqual(
    [store.hasRows('workers'), store.hasRows('runners'), store.hasRows('pipelines')],
    [true, false, false],
  );
  await store.refresh('pipelines');
  assert.equal(store.hasRows('pipelines'), true);
});

test("a first read lists each project's pipelines by its path while the project is looked up; later reads by its id", async () => {
  const asked: Array<string | number> = [];
  let lookedUp: (() => void) | undefined;
  const gitlab = {
    project: (p: string | number) =>
      new Promise((resolve) => (lookedUp = () => resolve({ id: 7, path: String(p), name: 'fleet', webUrl: '' }))),
    isAdmin: async () => false,
    serverVersion: async () => '17.11.3-ee',
    pipelines: async (project: string | number) => (
      asked.push(project),
      // As GitLab lists it: each row names its project's id.
      { pipelines: [{ id: 1, projectId: 7, ref: 'main', sha: 'a', source: 'push', status: 'success', createdAt: 1 }] }
    ),
    pipeline: async () => ({
      id: 1,
      projectId: 7,
      ref: 'main',
      sha: 'a',
      source: 'push',
      status: 'success',
      createdAt: 1,
    }),
  } as unknown as GitLabPort;
  const store = new FleetStore({
    compute: async () => undefined,
    gitlab: async () => gitlab,
    projects: ['infra/runner-fleet'],
    now: () => 1_000_000,
  });
  const read = store.refresh('pipelines');
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(asked, ['infra/runner-fleet'], 'listed before the lookup answered');
  lookedUp!();
  await read;
  assert.deepEqual(
    store.pipelines.get(7)?.value?.pipelines.map((p) => [p.id, p.projectId]),
    [[1, 7]],
    'the rows are filed under the id the lookup found',
  );
  store.invalidate();
  await store.refresh('pipelines');
  assert.deepEqual(asked, ['infra/runner-fleet', 7], 'once the project is known, by its id');
});

/** Lets pending promise chains run until `done` holds (at most 200 turns). */
async function until(done: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !done(); i++) await new Promise((r) => setImmediate(r));
  assert.ok(done(), 'the condition never held');
}

test('a first read shows the pipelines as listed, and asks their details once the first rows are on screen', async () => {
  const w = world();
  let drawn!: () => void;
  let asked = 0;
  const store = w.store(true, { firstRowsDrawn: () => (asked++, new Promise<void>((r) => (drawn = r))) });
  const reading = store.refresh('pipelines');
  await until(() => store.pipelines.get(7)?.value !== undefined);
  assert.deepEqual(
    store.pipelines.get(7)?.value?.pipelines.map((p) => [p.id, p.duration]),
    [
      [2, undefined],
      [1, undefined],
    ],
    'the rows, from the list',
  );
  assert.ok(!w.calls.some((c) => c.startsWith('pipeline ')), 'no detail asked before the first rows are drawn');
  drawn();
  await reading;
  assert.deepEqual(
    store.pipelines.get(7)?.value?.pipelines.map((p) => [p.id, p.duration]),
    [
      [2, 42],
      [1, 42],
    ],
  );
  w.tick(PACE.fleet.ownFreshMs + 1);
  w.setPipelines([w.pipeline(3, 'running', 30), w.pipeline(2, 'success', 20), w.pipeline(1, 'success', 5)]);
  await store.refresh('pipelines');
  assert.ok(w.calls.includes('pipeline 3'), 'later reads do not wait');
  assert.equal(asked, 1, 'asked once per store');
});

test("a first read's runner details wait for the first rows on screen; later reads do not", async () => {
  const w = world();
  let drawn!: () => void;
  const afters: Array<Promise<void> | undefined> = [];
  const runners = w.gitlab.runners.bind(w.gitlab);
  w.gitlab.runners = (projects, admin, detailed) => (afters.push(detailed?.after), runners(projects, admin, detailed));
  const store = w.store(true, { firstRowsDrawn: () => new Promise<void>((r) => (drawn = r)) });
  await store.refresh('runners');
  let settled = false;
  void afters[0]?.then(() => (settled = true));
  await until(() => afters.length === 1);
  assert.ok(afters[0] instanceof Promise, 'the port is told to wait');
  await new Promise((r) => setImmediate(r));
  assert.equal(settled, false);
  drawn();
  await until(() => settled);
  w.tick(PACE.fleet.ownFreshMs + 1);
  await store.refresh('runners');
  assert.equal(afters[1], undefined, 'later reads do not wait');
});

test('no firstRowsDrawn (tests, the checklist): details are asked at once', async () => {
  const w = world();
  const store = w.store();
  await store.refresh('pipelines');
  assert.ok(w.calls.includes('pipeline 2'));
});
