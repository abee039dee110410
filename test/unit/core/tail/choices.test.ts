import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { jobChoices, noJobsReason, noVmReason, serialTitle, vmChoices } from '../../../../src/core/tail/choices';
import type { Job, WorkerVm } from '../../../../src/core/model';

const now = Date.parse('2026-12-02T12:00:00Z');
const min = 60_000;

function job(id: number, status: string, extra: Partial<Job> = {}): Job {
  return {
    id,
    name: `job-${id}`,
    stage: 'test',
    status,
    allowFailure: false,
    tags: [],
    pipelineId: 7,
    projectId: 1,
    ...extra,
  };
}

function vm(name: string, status: string): WorkerVm {
  return { id: name, name, zone: 'europe-west1-b', status, machineType: 'e2-standard-2', labels: {} };
}

test('jobs read as the tree says them: status label, pipeline, ref, runner, age', () => {
  const [choice] = jobChoices(
    [
      {
        project: 'infra/runner-fleet',
        jobs: [
          job(40, 'failed', {
            name: 'apply',
            ref: 'main',
            runner: { id: 1, description: 'gitlab-runner-a' },
            finishedAt: now - 3 * min,
          }),
        ],
      },
    ],
    now,
  );
  assert.equal(choice.label, 'apply');
  assert.equal(choice.description, "Failed · pipeline #7 · main · runner #1 'gitlab-runner-a' · 3 min ago");
  assert.equal(choice.detail, undefined, 'one project: not named on every row');
});

test('jobs in motion first, then failed ones, then the rest, newest first within; projects named when several', () => {
  const choices = jobChoices(
    [
      { project: 'infra/a', jobs: [job(1, 'success'), job(2, 'failed'), job(5, 'success', { finishedAt: now - min })] },
      {
        project: 'infra/b',
        jobs: [job(3, 'pending', { createdAt: now - 2 * min }), job(4, 'running', { startedAt: now - 5 * min })],
      },
    ],
    now,
  );
  assert.deepEqual(
    choices.map((c) => [c.value.id, c.detail]),
    [
      [4, 'infra/b'],
      [3, 'infra/b'],
      [2, 'infra/a'],
      [5, 'infra/a'],
      [1, 'infra/a'],
    ],
  );
  assert.equal(choices[0].description, 'Running · pipeline #7 · started 5 min ago');
  assert.equal(choices[1].description, 'Pending · pipeline #7 · queued 2 min ago');
  assert.equal(choices[3].description, 'Passed · pipeline #7 · 1 min ago');
});

test('an empty job list says why', () => {
  assert.equal(noJobsReason(['infra/a', 'infra/b']), 'No job yet in infra/a, infra/b');
  assert.match(noJobsReason([]), /runnerOps\.gitlab\.projects/);
});

test('VMs show their status through the status table, those in motion or in trouble first', () => {
  const choices = vmChoices([vm('b', 'TERMINATED'), vm('c', 'RUNNING'), vm('a', 'STAGING'), vm('d', 'RUNNING')]);
  assert.deepEqual(
    choices.map((c) => `${c.label}: ${c.description}`),
    [
      'a: Staging · europe-west1-b · e2-standard-2',
      'c: Running · europe-west1-b · e2-standard-2',
      'd: Running · europe-west1-b · e2-standard-2',
      'b: Stopped · europe-west1-b · e2-standard-2',
    ],
  );
});

test('an empty VM list names the settings that select VMs', () => {
  assert.equal(
    noVmReason({ gcpProject: 'ci-fleet', gcpZones: ['europe-west1-b'], instanceFilter: 'labels.role = gitlab-runner' }),
    'No VM in project ci-fleet (zones europe-west1-b) matches runnerOps.gcp.instanceFilter: labels.role = gitlab-runner',
  );
  assert.match(
    noVmReason({ gcpProject: 'ci-fleet', gcpZones: [], instanceFilter: '' }),
    /^No VM in project ci-fleet: /,
  );
});

test('tab titles use the words of the view', () => {
  assert.equal(serialTitle('gitlab-runner-a', 1), 'gitlab-runner-a console');
  assert.equal(serialTitle('gitlab-runner-a', 2), 'gitlab-runner-a serial port 2');
});
