// The fleet as Runner Ops sees it: plain data, decoded from GitLab and Compute by the adapters.
// Times are epoch milliseconds; ids are strings where the APIs' int64 would overflow a number.

export type VmStatus =
  | 'PROVISIONING'
  | 'STAGING'
  | 'RUNNING'
  | 'STOPPING'
  | 'STOPPED'
  | 'SUSPENDING'
  | 'SUSPENDED'
  | 'REPAIRING'
  | 'TERMINATED';

export interface WorkerVm {
  id: string; // Compute instance id (int64 as string)
  name: string;
  zone: string; // short name, e.g. europe-west1-b
  status: VmStatus | string;
  machineType: string; // short name, e.g. e2-standard-4
  internalIp?: string;
  externalIp?: string;
  labels: Record<string, string>;
  /** Managed instance group name when the VM belongs to one (from its `created-by` metadata). */
  instanceGroup?: string;
  /** When the VM last started (lastStartTimestamp), for uptime. */
  lastStartedAt?: number;
  createdAt?: number;
  selfLink?: string;
}

export type RunnerStatus = 'online' | 'offline' | 'stale' | 'never_contacted';
export type RunnerType = 'instance_type' | 'group_type' | 'project_type';

export interface RunnerManager {
  systemId: string;
  ipAddress?: string;
  version?: string;
  platform?: string;
  architecture?: string;
  executor?: string;
  contactedAt?: number;
  status?: RunnerStatus | string;
}

export interface Runner {
  id: number;
  description: string;
  status: RunnerStatus | string;
  paused: boolean;
  type: RunnerType | string;
  tags: string[];
  runUntagged?: boolean;
  locked?: boolean;
  /** `ref_protected`: runs only jobs on protected branches and tags. */
  accessLevel?: 'not_protected' | 'ref_protected' | string;
  /** From the runner's details: the projects a project runner is assigned to. */
  projectIds?: number[];
  /** From the runner's details: the full path of a group runner's group ("infra"). */
  groupPath?: string;
  contactedAt?: number;
  /** From the runner managers when fetched; the runner object's own fields are blank since GitLab 17/18. */
  version?: string;
  executor?: string;
  /** Deprecated runner-level ip (blank since GitLab 17); used only when no manager data exists. */
  ipAddress?: string;
  managers?: RunnerManager[];
  /** The runner's own page: under its project (the one it was listed for), its group, or the admin area. */
  webUrl?: string;
}

export type PipelineStatus =
  | 'created'
  | 'waiting_for_resource'
  | 'preparing'
  | 'pending'
  | 'running'
  | 'success'
  | 'failed'
  | 'canceled'
  | 'canceling'
  | 'skipped'
  | 'manual'
  | 'scheduled';

export interface JobRunnerRef {
  id: number;
  description: string;
}

export interface Job {
  id: number;
  name: string;
  stage: string;
  status: PipelineStatus | string;
  allowFailure: boolean;
  failureReason?: string;
  duration?: number; // seconds
  /** Seconds from pending to picked by a runner (still growing while pending). */
  queuedDuration?: number;
  createdAt?: number;
  startedAt?: number;
  finishedAt?: number;
  webUrl?: string;
  tags: string[];
  /** The pipeline's ref (branch or tag). */
  ref?: string;
  runner?: JobRunnerRef;
  /** The manager (host) that ran it: its system id, and the ip when GitLab sends it. */
  runnerManager?: { systemId: string; ipAddress?: string };
  pipelineId: number;
  projectId: number;
  /** path_with_namespace, when GitLab sends the project (a runner's job list does). */
  projectPath?: string;
}

export interface Pipeline {
  id: number;
  iid?: number;
  projectId: number;
  ref: string;
  sha: string;
  source: string;
  status: PipelineStatus | string;
  createdAt: number;
  updatedAt?: number;
  startedAt?: number;
  finishedAt?: number;
  duration?: number; // seconds
  webUrl: string;
  user?: { username: string; name: string };
}

export interface Project {
  id: number;
  path: string; // path_with_namespace
  name: string;
  webUrl: string;
  /** Usually protected: what a `ref_protected` runner may run. */
  defaultBranch?: string;
  namespaceId?: number;
  namespaceKind?: 'group' | 'user';
  /**
   * The token's user's role here (10 Guest … 50 Owner): the higher of its project membership and
   * its highest group membership up the namespace; 0 when it is neither; undefined when GitLab did not say.
   */
  accessLevel?: number;
}

export interface PipelineSchedule {
  id: number;
  description: string;
  ref: string;
  cron: string;
  cronTimezone: string;
  nextRunAt?: number;
  active: boolean;
  ownerUsername?: string;
  lastPipeline?: { id: number; status: string };
}
