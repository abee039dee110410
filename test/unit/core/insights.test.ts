// The three insights computed from data already read: why a job waits, how long jobs queue, who
// is behind the server's version.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { correlate } from '../../../src/core/correlate';
import { FleetStore } from '../../../src/core/fleet-store';
import type { Job, Pipeline, Project, Runner, WorkerVm } from '../../../src/core/model';
import { areaInMotion, pipelineMoving } from '../../../src/core/motion';
import { pickedJobs, queueStats, queueTimes, queueWarning } from '../../../src/core/queue-time';
import { pairMismatch, versionGap } from '../../../src/core/versions';
import { whyPending, type PendingContext } from '../../../src/core/why-pending';

const NOW = Date.parse('2026-12-02T12:00:00Z');
const HOUR = 3_600_000;
const project: Project = { id: 1, path: 'infra/runner-fleet', name: 'runner-fleet', webUrl: '', defaultBranch: 'main' };
const runner = (id: number, tags: string[], extra: Partial<Runner> = {}): Runner => ({
  id,
  description: `runner-${id}`,
  status: 'online',
  paused: false,
  type: 'instance_type',
  tags,
  runUntagged: false,
  contactedAt: NOW - 10_000,
  ...extra,
});
const pending = (tags: string[], extra: Partial<Job> = {}): Job => ({
  id: 99,
  name: 'bench',
  stage: 'test',
  status: 'pending',
  allowFailure: false,
  tags,
  ref: 'main',
  pipelineId: 13,
  projectId: 1,
  ...extra,
});
const context = (runners: Runner[], extra: Partial<PendingContext> = {}): PendingContext => ({
  runners,
  project,
  now: NOW,
  canReprovision: false,
  ...extra,
});

test('a job whose only runner with the tag is paused: says so, and the fix is to resume it', () => {
  const paused = runner(4, ['gpu'], { paused: true });
  const why = whyPending(pending(['gpu']), context([runner(1, ['gcp']), paused]))!;
  assert.equal(
    why.reason,
    "No online runner available to infra/runner-fleet has tag `gpu`; runner #4 'runner-4' has it but is paused.",
  );
  assert.deepEqual(why.fix, { kind: 'resume', runner: paused });
  assert.equal(why.short, 'runner #4 paused');
});

test('an offline runner whose VM runs: re-provision it when the command exists, else open the runner', () => {
  const offline = runner(3, ['gcp', 'docker'], { status: 'offline', contactedAt: NOW - 3 * HOUR });
  const vm: WorkerVm = { id: '9', name: 'runner-3', zone: 'z', status: 'RUNNING', machineType: 'e2', labels: {} };
  const links = correlate({ vms: [vm], runners: [offline] });
  const job = pending(['docker']);
  const open = whyPending(job, context([runner(1, ['gcp']), offline], { links }))!;
  assert.equal(
    open.reason,
    "No online runner available to infra/runner-fleet has tag `docker`; runner #3 'runner-3' has it but has not contacted GitLab for 3 h although its VM runner-3 is running.",
  );
  assert.deepEqual(open.fix, { kind: 'open', runner: offline });
  const reprovision = whyPending(job, context([offline], { links, canReprovision: true }))!;
  assert.deepEqual(reprovision.fix, { kind: 'reprovision', runner: offline, vm });
});

test('a paused runner is named before an offline one: resuming is the smaller fix', () => {
  const offline = runner(3, ['gpu'], { status: 'offline', contactedAt: NOW - 3 * HOUR });
  const paused = runner(5, ['gpu'], { paused: true });
  assert.equal(whyPending(pending(['gpu']), context([offline, paused]))!.fix?.kind, 'resume');
});

test('a runner with the tags that the project cannot use, or that runs only protected refs, is named with why', () => {
  const other = runner(2, ['gpu'], { type: 'project_type', projectIds: [7], locked: true });
  assert.equal(
    whyPending(pending(['gpu']), context([other]))!.reason,
    "No runner available to infra/runner-fleet has tag `gpu`; runner #2 'runner-2' has it but is a project runner of another project and locked to it.",
  );
  const group = runner(6, ['gpu'], { type: 'group_type', groupPath: 'ml' });
  assert.match(
    whyPending(pending(['gpu']), context([group]))!.reason,
    /is a runner of the group ml, which infra\/runner-fleet is not in\.$/,
  );
  const inGroup = runner(6, ['gpu'], { type: 'group_type', groupPath: 'infra' });
  assert.match(whyPending(pending(['gpu']), context([inGroup]))!.reason, /can run it and is online/);
  const protectedOnly = runner(8, ['gpu'], { accessLevel: 'ref_protected' });
  assert.match(
    whyPending(pending(['gpu'], { ref: 'feature' }), context([protectedOnly]))!.reason,
    /runs only jobs on protected branches and tags, and `feature` is not the default branch\.$/,
  );
});

test('untagged jobs need a runner that runs untagged jobs; missing tags are named', () => {
  assert.equal(
    whyPending(pending([]), context([runner(1, ['gcp'])]))!.reason,
    "No runner available to infra/runner-fleet has untagged jobs enabled; runner #1 'runner-1' has it but does not run untagged jobs.",
  );
  assert.equal(
    whyPending(pending(['gcp', 'gpu']), context([runner(1, ['gcp'])]))!.reason,
    "No runner available to infra/runner-fleet has tags `gcp`, `gpu`; runner #1 'runner-1' has `gcp` but not `gpu`.",
  );
  const none = whyPending(pending(['gpu']), context([]))!;
  assert.match(none.reason, /^No runner available to infra\/runner-fleet has tag `gpu`: register one/);
  assert.equal(none.fix, undefined);
});

test('a job with an online runner that fits waits for it; a job not pending has no diagnosis', () => {
  assert.match(
    whyPending(pending(['gcp']), context([runner(1, ['gcp'])]))!.reason,
    /^Runner #1 'runner-1' can run it and is online: the job starts when/,
  );
  assert.equal(whyPending(pending(['gcp'], { status: 'running' }), context([])), undefined);
});

test('queue statistics: median of the middle values, p90 by nearest rank', () => {
  assert.deepEqual(queueStats([3, 1, 2]), { count: 3, medianSec: 2, p90Sec: 3 });
  assert.deepEqual(queueStats([10, 2, 4, 8]), { count: 4, medianSec: 6, p90Sec: 10 });
  const twenty = Array.from({ length: 20 }, (_, i) => i + 1);
  assert.deepEqual(queueStats(twenty), { count: 20, medianSec: 10.5, p90Sec: 18 });
  assert.equal(queueStats([]), undefined);
  assert.equal(
    queueWarning(queueStats([1, 200]), 120),
    'Jobs wait long for a runner here: p90 3 min 20 s is over the 2 min threshold (runnerOps.insights.queueWarnSeconds).',
  );
  assert.equal(queueWarning(queueStats([1, 100]), 120), undefined);
});

test('queue times come from the jobs already read, each once, per runner, VM and tag; pending ones are left out', () => {
  const vm: WorkerVm = { id: '9', name: 'runner-1', zone: 'z', status: 'RUNNING', machineType: 'e2', labels: {} };
  const r1 = runner(1, ['gcp']);
  const links = correlate({ vms: [vm], runners: [r1] });
  const ran = (id: number, queued: number, tags = ['gcp']): Job =>
    pending(tags, { id, status: 'success', queuedDuration: queued, startedAt: NOW - HOUR });
  const loaded = (jobs: Job[]) => ({ value: jobs, loading: false });
  const jobs = pickedJobs(
    new Map([[1, loaded([ran(1, 4), ran(2, 10, ['gcp', 'deploy'])])]]),
    new Map([
      [
        13,
        loaded([
          { ...ran(2, 10, ['gcp', 'deploy']), runner: { id: 1, description: '' } }, // the same job, read twice
          { ...ran(3, 6), runner: { id: 1, description: '' } },
          pending(['gcp'], { id: 4, queuedDuration: 900 }), // still waiting
        ]),
      ],
    ]),
  );
  assert.deepEqual(jobs.map((j) => j.job.id).sort(), [1, 2, 3]);
  const times = queueTimes(jobs, links);
  assert.deepEqual(times.byRunner.get(1), { count: 3, medianSec: 6, p90Sec: 10 });
  assert.deepEqual(times.byVm.get('9'), { count: 3, medianSec: 6, p90Sec: 10 });
  assert.deepEqual(times.byTag.get('deploy'), { count: 1, medianSec: 10, p90Sec: 10 });
});

test('versions: behind by minor or major versions, newer than GitLab, current whatever the patch', () => {
  assert.deepEqual(versionGap('17.9.2', '17.11.3-ee'), {
    kind: 'behind',
    text: 'behind GitLab 17.11.3-ee by 2 minor versions',
    short: '2 minor behind',
    upgradeTag: 'v17.11.0',
  });
  assert.equal(versionGap('16.11.0', '17.2.0')!.text, 'behind GitLab 17.2.0 by 1 major version');
  assert.equal(versionGap('17.12.0', '17.11.3')!.kind, 'newer');
  assert.equal(versionGap('17.11.0', '17.11.3')!.kind, 'current');
  assert.equal(versionGap(undefined, '17.11.3'), undefined);
  assert.equal(versionGap('17.11.0', 'garbage'), undefined);
});

test('the two runners of an A/B pair on different minor versions are compared', () => {
  const a = runner(1, ['gcp', 'terraform'], { version: '17.11.0' });
  const b = runner(2, ['gcp'], { version: '17.9.2' });
  const lone = runner(3, ['docker'], { version: '16.0.0' });
  assert.equal(pairMismatch(a, [a, b, lone]), "runner #2 'runner-2', which shares `gcp`, runs 17.9.2");
  assert.equal(pairMismatch(a, [a, { ...b, version: '17.11.4' }]), undefined);
});

test('a pipeline waiting only for jobs no runner can take is not in motion, so the views do not poll it fast', () => {
  const store = new FleetStore({
    compute: async () => undefined,
    gitlab: async () => undefined,
    projects: [],
    now: () => NOW,
  });
  const pipeline: Pipeline = {
    id: 13,
    projectId: 1,
    ref: 'main',
    sha: '',
    source: 'web',
    status: 'pending',
    createdAt: NOW,
    webUrl: '',
  };
  const loaded = <T>(value: T) => ({ value, loading: false });
  store.projects = loaded([project]);
  store.pipelines.set(1, loaded({ pipelines: [pipeline] }));
  assert.equal(pipelineMoving(store, pipeline), true, 'its jobs are not read yet: assume it moves');
  store.runners = loaded([runner(1, ['gcp']), runner(3, ['docker'], { status: 'offline' })]);
  store.pipelineJobs.set(13, loaded([pending(['docker']), pending(['docker'], { id: 100, status: 'created' })]));
  assert.equal(pipelineMoving(store, pipeline), false);
  assert.equal(areaInMotion(store, 'pipelines'), false);
  store.runners = loaded([runner(1, ['gcp']), runner(3, ['docker'])]);
  assert.equal(pipelineMoving(store, pipeline), true, 'runner #3 is back: the job will start');
  store.runners = loaded([runner(1, ['gcp'])]);
  store.pipelineJobs.set(13, loaded([pending(['docker']), pending(['gcp'], { id: 100, status: 'running' })]));
  assert.equal(pipelineMoving(store, pipeline), true, 'another job runs');
});
