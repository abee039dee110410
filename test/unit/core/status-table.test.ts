import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import {
  ALLOWED_FAILURE,
  byPriority,
  checkStatus,
  jobStatus,
  PAUSED_RUNNER,
  pipelineStatus,
  runnerStatus,
  UNKNOWN_STATUS,
  vmStatus,
} from '../../../src/core/status-table';

const VM_STATUSES = [
  'PROVISIONING',
  'STAGING',
  'RUNNING',
  'STOPPING',
  'STOPPED',
  'SUSPENDING',
  'SUSPENDED',
  'REPAIRING',
  'TERMINATED',
];
const CI_STATUSES = [
  'created',
  'waiting_for_resource',
  'preparing',
  'pending',
  'running',
  'success',
  'failed',
  'canceled',
  'canceling',
  'skipped',
  'manual',
  'scheduled',
];

test('every documented VM and CI status has its own row, none falls back to unknown', () => {
  for (const status of VM_STATUSES) assert.notEqual(vmStatus(status), UNKNOWN_STATUS, status);
  for (const status of CI_STATUSES) assert.notEqual(pipelineStatus(status), UNKNOWN_STATUS, status);
  for (const status of ['online', 'offline', 'stale', 'never_contacted']) {
    assert.notEqual(runnerStatus({ status, paused: false }).contact, UNKNOWN_STATUS, status);
  }
});

test('rows carry the labels, codicons and theme colours the views render', () => {
  assert.deepEqual(
    { ...vmStatus('RUNNING') },
    { label: 'Running', icon: 'vm-running', color: 'testing.iconPassed', priority: 50, transitional: false },
  );
  assert.equal(vmStatus('TERMINATED').label, 'Stopped');
  assert.equal(vmStatus('TERMINATED').icon, 'vm-outline');
  assert.equal(pipelineStatus('failed').icon, 'error');
  assert.equal(pipelineStatus('failed').color, 'testing.iconFailed');
  assert.equal(pipelineStatus('success').label, 'Passed');
  assert.equal(pipelineStatus('running').icon, 'sync~spin');
  assert.equal(pipelineStatus('waiting_for_resource').label, 'Waiting for resource');
  assert.equal(runnerStatus({ status: 'never_contacted', paused: false }).label, 'Never contacted');
});

test('only statuses that change on their own are transitional, so only they poll fast', () => {
  const transitionalVm = VM_STATUSES.filter((s) => vmStatus(s).transitional);
  assert.deepEqual(transitionalVm, ['PROVISIONING', 'STAGING', 'STOPPING', 'SUSPENDING', 'REPAIRING']);
  const transitionalCi = CI_STATUSES.filter((s) => pipelineStatus(s).transitional);
  assert.deepEqual(transitionalCi, ['created', 'waiting_for_resource', 'preparing', 'pending', 'running', 'canceling']);
  assert.equal(runnerStatus({ status: 'online', paused: true }).transitional, false);
});

test('sorting by priority puts failures first, then things in motion, then the settled and the inactive', () => {
  const sorted = ['success', 'canceled', 'running', 'manual', 'failed', 'pending'].sort((a, b) =>
    byPriority(pipelineStatus(a), pipelineStatus(b)),
  );
  assert.deepEqual(sorted, ['failed', 'running', 'pending', 'manual', 'success', 'canceled']);
  const vms = ['TERMINATED', 'RUNNING', 'STAGING', 'REPAIRING'].sort((a, b) => byPriority(vmStatus(a), vmStatus(b)));
  assert.deepEqual(vms, ['REPAIRING', 'STAGING', 'RUNNING', 'TERMINATED']);
});

test('an unknown or missing status gets the one fallback row, including names of Object.prototype members', () => {
  for (const status of ['PENDING_STOP', 'bogus', '', 'constructor', 'toString', '__proto__', 'Running']) {
    assert.equal(vmStatus(status), UNKNOWN_STATUS, status);
    assert.equal(pipelineStatus(status), UNKNOWN_STATUS, status);
  }
  assert.equal(UNKNOWN_STATUS.icon, 'question');
  assert.equal(runnerStatus({ status: 'active', paused: false }).contact, UNKNOWN_STATUS);
});

test('a failed job allowed to fail is a warning; other jobs use the pipeline row', () => {
  const allowed = jobStatus({ status: 'failed', allowFailure: true });
  assert.equal(allowed, ALLOWED_FAILURE);
  assert.equal(allowed.label, 'Failed (allowed)');
  assert.equal(allowed.icon, 'warning');
  assert.ok(allowed.priority > pipelineStatus('failed').priority, 'sorts after real failures');
  assert.equal(jobStatus({ status: 'failed', allowFailure: false }), pipelineStatus('failed'));
  assert.equal(jobStatus({ status: 'success', allowFailure: true }), pipelineStatus('success'));
  assert.equal(jobStatus({ status: 'running', allowFailure: true }), pipelineStatus('running'));
});

test('a paused runner that is online shows as Paused, keeping its contact status underneath', () => {
  const presentation = runnerStatus({ status: 'online', paused: true });
  assert.equal(presentation.label, 'Paused');
  assert.equal(presentation.icon, PAUSED_RUNNER.icon);
  assert.equal(presentation.contact.label, 'Online');
  assert.equal(presentation.paused, true);
});

test('a paused runner with a contact problem shows the problem, and says it is paused', () => {
  const presentation = runnerStatus({ status: 'offline', paused: true });
  assert.equal(presentation.label, 'Offline (paused)');
  assert.equal(presentation.icon, 'error');
  assert.equal(presentation.color, 'testing.iconFailed');
  assert.equal(runnerStatus({ status: 'offline', paused: false }).label, 'Offline');
  assert.equal(runnerStatus({ status: 'stale', paused: true }).label, 'Stale (paused)');
});

test('older GitLab versions that report status "paused" still present a paused runner', () => {
  const presentation = runnerStatus({ status: 'paused', paused: false });
  assert.equal(presentation.label, 'Paused');
  assert.equal(presentation.paused, true);
  assert.equal(presentation.contact, UNKNOWN_STATUS);
});

test('rows are frozen, so a view cannot change the table for every other view', () => {
  assert.throws(() => {
    (vmStatus('RUNNING') as { label: string }).label = 'Up';
  }, TypeError);
  assert.equal(vmStatus('RUNNING').label, 'Running');
});

test('checklist outcomes read with codicons and theme colours from the table', () => {
  assert.deepEqual(
    [checkStatus('pass').icon, checkStatus('warn').icon, checkStatus('fail').icon, checkStatus('skipped').icon],
    ['pass-filled', 'warning', 'error', 'circle-slash'],
  );
  assert.deepEqual(
    [checkStatus('pass').color, checkStatus('warn').color, checkStatus('fail').color],
    ['testing.iconPassed', 'list.warningForeground', 'testing.iconFailed'],
  );
  assert.deepEqual(
    [checkStatus('pass').label, checkStatus('warn').label, checkStatus('fail').label, checkStatus('skipped').label],
    ['Passed', 'Warning', 'Failed', 'Skipped'],
  );
});
