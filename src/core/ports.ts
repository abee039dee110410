// What the core needs from the outside world. The adapters in src/gitlab and src/gcp implement
// these; tests can implement them too.
import type { GuestAttribute } from './guest-health';
import type { Job, Pipeline, PipelineSchedule, Project, Runner, RunnerManager, WorkerVm } from './model';
import type { VerifyResult } from './secrets';

export interface ComputePort {
  /** Every VM the filter matches; `listed` gets the rows read so far after each full page. */
  listWorkers(listed?: (vms: WorkerVm[]) => void): Promise<WorkerVm[]>;
  /** instances.getGuestAttributes of the `runner-ops/` namespace; null when the VM has none there. */
  guestAttributes(vm: Pick<WorkerVm, 'zone' | 'name'>): Promise<GuestAttribute[] | null>;
}

export interface GitLabPort {
  project(idOrPath: string | number): Promise<Project>;
  isAdmin(): Promise<boolean>;
  /** GET /version; undefined when the answer has none. */
  serverVersion(): Promise<string | undefined>;
  /**
   * With details and managers for the first `detailed.first` runners in display order and for
   * `detailed.ids`; `detailed.listed` gets the lists' rows before any detail is read, and the
   * details are asked once `detailed.after` settles.
   */
  runners(
    projects: Project[],
    admin: boolean,
    detailed?: { first: number; ids: Iterable<number>; listed?: (runners: Runner[]) => void; after?: Promise<void> },
  ): Promise<Runner[]>;
  runnerJobs(runnerId: number, count?: number): Promise<Job[]>;
  /** One runner as GitLab has it now (GET /runners/:id). */
  runner(runnerId: number): Promise<Runner>;
  setRunnerPaused(runnerId: number, paused: boolean): Promise<Runner>;
  /** `project`: its id, or its path (GitLab takes either). */
  pipelines(
    project: number | string,
    page?: number,
    perPage?: number,
  ): Promise<{ pipelines: Pipeline[]; nextPage?: number }>;
  pipeline(projectId: number, pipelineId: number): Promise<Pipeline>;
  pipelineJobs(projectId: number, pipelineId: number): Promise<Job[]>;
  retryPipeline(projectId: number, pipelineId: number): Promise<Pipeline>;
  cancelPipeline(projectId: number, pipelineId: number): Promise<Pipeline>;
  schedules(projectId: number): Promise<PipelineSchedule[]>;
  /** One schedule with its last pipeline (GitLab's list leaves that out). */
  schedule(projectId: number, scheduleId: number): Promise<PipelineSchedule>;
  playSchedule(projectId: number, scheduleId: number): Promise<void>;
}

// ---- re-provisioning a worker (src/core/reprovision/) --------------------------------------

/** A VM as re-provisioning reads it: what a recreate must keep, and what it was made from. */
export interface WorkerInstance {
  id: string;
  name: string;
  zone: string;
  status: string;
  internalIp?: string;
  labels: Record<string, string>;
  /** Every metadata item but those Compute sets itself for a group's members (instance-template, created-by). */
  metadata: Array<{ key: string; value: string }>;
  /** Short name of the managed instance group that owns it, if any. */
  group?: string;
  /** Short name of the template a group member was made from (its `instance-template` metadata). */
  template?: string;
}

/** The label that marks a VM as being re-provisioned, and its value: the run's id. */
export const CLAIM_LABEL = 'runner-ops-reprovision';

export type Claim = { kind: 'claimed' } | { kind: 'held'; by: string } | { kind: 'replaced'; instanceId?: string };

/** Compute calls of a re-provision. Every mutation returns once its zone operation is DONE and throws its error. */
export interface ReprovisionCompute {
  /** undefined when there is no such instance (deleted). */
  instance(zone: string, name: string): Promise<WorkerInstance | undefined>;
  /** Short names of the project's instance templates. */
  templates(): Promise<string[]>;
  /** A template's metadata items, undefined when there is no such template. */
  templateMetadata(template: string): Promise<Array<{ key: string; value: string }> | undefined>;
  /** The group's current template (short name), undefined when there is no such group. */
  groupTemplate(zone: string, group: string): Promise<string | undefined>;
  deleteInstance(zone: string, name: string): Promise<void>;
  /** Inserts `name` from the template, with these labels and metadata instead of the template's. */
  insertFromTemplate(
    zone: string,
    name: string,
    template: string,
    keep: Pick<WorkerInstance, 'labels' | 'metadata'>,
  ): Promise<void>;
  recreateInGroup(zone: string, group: string, name: string): Promise<void>;
  /**
   * Marks instance `instanceId` as being re-provisioned by run `runId`: a label written under the
   * labels' fingerprint (Compute's If-Match), so of two runs at once exactly one gets it. Says who
   * holds it otherwise, or that the instance is no longer `instanceId` (deleted or recreated).
   */
  claim(zone: string, name: string, instanceId: string, runId: string): Promise<Claim>;
  /** Removes run `runId`'s mark (a run that stops before the recreate); another run's mark stays. */
  release(zone: string, name: string, runId: string): Promise<void>;
  /** getSerialPortOutput of port 1 from byte `start`. */
  serial(zone: string, name: string, start: number): Promise<{ contents: string; next: number }>;
}

/** GitLab calls of a re-provision. */
export interface ReprovisionGitLab {
  /** The runner's details (status, paused, tags). */
  runner(runnerId: number): Promise<Runner>;
  setRunnerPaused(runnerId: number, paused: boolean): Promise<Runner>;
  /** GET /runners/:id/jobs?status=running */
  runningJobs(runnerId: number): Promise<Job[]>;
  cancelJob(projectId: number, jobId: number): Promise<void>;
  managers(runnerId: number): Promise<RunnerManager[]>;
  /** POST /runners/verify: false when GitLab refuses the token (403). */
  verifyRunnerToken(token: string): Promise<boolean>;
  /** The username the session acts as (for the audit record). */
  username(): Promise<string>;
  /** A new pipeline on `ref` (the smoke test). */
  createPipeline(project: string, ref: string): Promise<Pipeline>;
  pipeline(projectId: number, pipelineId: number): Promise<Pipeline>;
  pipelineJobs(projectId: number, pipelineId: number): Promise<Job[]>;
}

/** The worker's secrets as its startup script reads them: objects named `gs://bucket/path`. */
export interface WorkerSecrets {
  /** Downloads the current generation and decrypts it with `kmsKey`, discarding the plaintext. */
  verify(url: string, kmsKey: string): Promise<VerifyResult>;
  /** The runner authentication tokens in a config.toml secret (plaintext never leaves the adapter otherwise). */
  runnerTokens(url: string, kmsKey: string): Promise<string[]>;
}
