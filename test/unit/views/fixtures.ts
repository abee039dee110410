// One small fleet shared by the row tests: a VM, its runner, a pipeline with a failed job.
import type { Job, Pipeline, PipelineSchedule, Project, Runner, WorkerVm } from '../../../src/core/model';

export const NOW = Date.parse('2026-12-02T12:00:00Z');
export const MIN = 60_000;
export const HOUR = 60 * MIN;

export const vm: WorkerVm = {
  id: '101',
  name: 'gitlab-runner-a',
  zone: 'europe-west1-b',
  status: 'RUNNING',
  machineType: 'e2-standard-2',
  internalIp: '10.132.0.2',
  labels: { role: 'gitlab-runner' },
  lastStartedAt: NOW - 3 * HOUR,
  createdAt: NOW - 48 * HOUR,
};

export const runner: Runner = {
  id: 1,
  description: 'gitlab-runner-a',
  status: 'online',
  paused: false,
  type: 'project_type',
  tags: ['gcp', 'deploy'],
  contactedAt: NOW - 30_000,
  version: '17.11.0',
};

export const project: Project = {
  id: 1,
  path: 'infra/runner-fleet',
  name: 'runner-fleet',
  webUrl: 'https://gitlab.example/infra/runner-fleet',
};

export const pipeline: Pipeline = {
  id: 7,
  projectId: 1,
  ref: 'main',
  sha: '0123456789abcdef',
  source: 'push',
  status: 'failed',
  createdAt: NOW - 7 * HOUR,
  finishedAt: NOW - 7 * HOUR + 5 * MIN,
  duration: 272,
  webUrl: 'https://gitlab.example/infra/runner-fleet/-/pipelines/7',
  user: { username: 'dev', name: 'Dev Eloper' },
};

export function job(overrides: Partial<Job> = {}): Job {
  return {
    id: 40,
    name: 'plan',
    stage: 'plan',
    status: 'failed',
    allowFailure: false,
    failureReason: 'script_failure',
    duration: 72,
    createdAt: NOW - 7 * HOUR,
    startedAt: NOW - 7 * HOUR + 10_000,
    finishedAt: NOW - 7 * HOUR + 82_000,
    tags: ['terraform'],
    ref: 'main',
    pipelineId: 7,
    projectId: 1,
    ...overrides,
  };
}

export const schedule: PipelineSchedule = {
  id: 3,
  description: 'Weekly drift check',
  ref: 'main',
  cron: '30 6 * * 1',
  cronTimezone: 'UTC',
  nextRunAt: NOW + 2 * 24 * HOUR,
  active: true,
  ownerUsername: 'admin',
  lastPipeline: { id: 5, status: 'success' },
};
