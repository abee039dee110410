// Why a job waits for a runner: its tags matched against every runner the project can use, with
// the rules GitLab applies when a runner asks for work (tags, run_untagged, paused, online,
// project/group assignment, protected refs). One sentence, and the action that fixes it.
import { capitalize, type FleetLinks } from './correlate';
import type { Job, Project, Runner, WorkerVm } from './model';
import { runnerRef } from './names';
import { runnerStatus } from './status-table';
import { formatElapsed } from './time-format';

export type PendingFix =
  | { kind: 'resume'; runner: Runner }
  | { kind: 'reprovision'; runner: Runner; vm: WorkerVm }
  | { kind: 'open'; runner: Runner };

export interface PendingDiagnosis {
  /** "No online runner has tag `gpu`; runner #4 'gpu-1' has it but is paused." */
  reason: string;
  /** Short, for a row's description: "runner #4 paused". */
  short: string;
  fix?: PendingFix;
}

export interface PendingContext {
  runners: readonly Runner[];
  /** The job's project, for group and project runner assignment and its default branch. */
  project?: Project;
  links?: FleetLinks;
  now: number;
  /** Whether "Re-provision Worker" exists: otherwise an offline runner's fix is to open it. */
  canReprovision: boolean;
}

/** Waiting statuses a runner could end: pending, and GitLab's stuck pending. */
export function isWaitingForRunner(job: Pick<Job, 'status'>): boolean {
  return job.status === 'pending';
}

export function whyPending(job: Job, context: PendingContext): PendingDiagnosis | undefined {
  if (!isWaitingForRunner(job)) return undefined;
  const needs = neededTags(job);
  const checked = context.runners.map((runner) => ({ runner, misfit: misfitOf(runner, job, context.project) }));
  const fitting = checked.filter((c) => c.misfit === undefined).map((c) => c.runner);
  const ready = fitting.filter((r) => r.status === 'online' && !r.paused);
  if (ready.length > 0) {
    const more = ready.length > 1 ? ` (and ${ready.length - 1} more)` : '';
    return {
      reason: `${capitalize(runnerRef(ready[0]))}${more} can run it and is online: the job starts when that runner next asks for work or finishes its current job.`,
      short: 'waiting for a free runner',
    };
  }
  const scope = context.project ? `available to ${context.project.path} ` : '';
  if (fitting.length > 0) {
    const best = [...fitting].sort((a, b) => fixRank(a) - fixRank(b))[0];
    const state = unavailableState(best, context);
    return {
      reason: `No online runner ${scope}has ${needs}; ${runnerRef(best)} has ${needs.startsWith('tags') ? 'them' : 'it'} but ${state.phrase}.`,
      short: `runner #${best.id} ${state.short}`,
      fix: state.fix,
    };
  }
  const near = checked.find((c) => c.misfit && c.misfit.kind !== 'tags');
  if (near) {
    return {
      reason: `No runner ${scope}has ${needs}; ${runnerRef(near.runner)} has ${needs.startsWith('tags') ? 'them' : 'it'} but ${near.misfit!.phrase}.`,
      short: `no runner for ${shortNeeds(job)}`,
      fix: { kind: 'open', runner: near.runner },
    };
  }
  const partial = checked.find((c) => c.misfit?.kind === 'tags' && c.misfit.partial && !c.misfit.otherProject);
  return {
    reason: partial
      ? `No runner ${scope}has ${needs}; ${runnerRef(partial.runner)} ${partial.misfit!.phrase}.`
      : `No runner ${scope}has ${needs}: register one with ${needs.startsWith('tags') ? 'these tags' : 'this tag'}, or change the job's tags.`,
    short: `no runner for ${shortNeeds(job)}`,
    fix: partial ? { kind: 'open', runner: partial.runner } : undefined,
  };
}

/** Whether an online, unpaused runner could take this pending job now (or once it finishes its current one). */
export function runnerCanTake(job: Job, runners: readonly Runner[], project?: Project): boolean {
  return runners.some((r) => r.status === 'online' && !r.paused && misfitOf(r, job, project) === undefined);
}

interface Misfit {
  kind: 'assignment' | 'tags' | 'untagged' | 'protected';
  /** After "has them but": "is a project runner of another project". */
  phrase: string;
  /** A tag misfit where the runner has some of the tags. */
  partial?: boolean;
  /** The runner would not be available to the project anyway. */
  otherProject?: boolean;
}

/** Why GitLab would never give this job to this runner, whatever its state; undefined when it could. */
function misfitOf(runner: Runner, job: Job, project: PendingContext['project']): Misfit | undefined {
  const assignment = assignmentMisfit(runner, project);
  if (job.tags.length === 0) {
    if (runner.runUntagged === false) return { kind: 'untagged', phrase: 'does not run untagged jobs' };
  } else {
    const missing = job.tags.filter((t) => !runner.tags.includes(t));
    if (missing.length > 0) {
      const had = job.tags.filter((t) => runner.tags.includes(t));
      return {
        kind: 'tags',
        phrase: `has ${quoteTags(had)} but not ${quoteTags(missing)}`,
        partial: had.length > 0,
        otherProject: assignment !== undefined,
      };
    }
  }
  if (assignment) return { kind: 'assignment', phrase: assignment };
  if (runner.accessLevel === 'ref_protected' && job.ref && project?.defaultBranch && job.ref !== project.defaultBranch)
    return {
      kind: 'protected',
      phrase: `runs only jobs on protected branches and tags, and \`${job.ref}\` is not the default branch`,
    };
  return undefined;
}

/** A project or group runner the job's project cannot use, as a phrase; undefined when it can (or it is unknown). */
function assignmentMisfit(runner: Runner, project: PendingContext['project']): string | undefined {
  if (!project) return undefined;
  if (runner.type === 'project_type' && runner.projectIds && !runner.projectIds.includes(project.id))
    return `is a project runner of another project${runner.locked ? ' and locked to it' : ''}`;
  if (runner.type === 'group_type' && runner.groupPath && !project.path.startsWith(`${runner.groupPath}/`))
    return `is a runner of the group ${runner.groupPath}, which ${project.path} is not in`;
  return undefined;
}

/** Which fitting runner to name: the one whose fix is simplest (resume), then one to re-provision, then the rest. */
function fixRank(runner: Runner): number {
  if (runnerStatus(runner).contact.label === 'Online') return 0;
  if (runner.status === 'offline' || runner.status === 'stale') return 1;
  return 2;
}

function unavailableState(runner: Runner, context: PendingContext): { phrase: string; short: string; fix: PendingFix } {
  const status = runnerStatus(runner);
  const online = status.contact.label === 'Online';
  if (online && status.paused) return { phrase: 'is paused', short: 'paused', fix: { kind: 'resume', runner } };
  const vm = context.links?.vmsOfRunner(runner.id).find((v) => v.status === 'RUNNING');
  const since = runner.contactedAt
    ? `has not contacted GitLab for ${formatElapsed(runner.contactedAt, context.now)}`
    : undefined;
  const contact =
    runner.status === 'never_contacted' || !runner.contactedAt ? 'has never contacted GitLab' : (since ?? 'is offline');
  const paused = status.paused ? ' and is paused' : '';
  if (vm) {
    const phrase = `${contact}${paused} although its VM ${vm.name} is running`;
    const fix: PendingFix = context.canReprovision ? { kind: 'reprovision', runner, vm } : { kind: 'open', runner };
    return { phrase, short: 'offline', fix };
  }
  return { phrase: `${contact}${paused}`, short: 'offline', fix: { kind: 'open', runner } };
}

function neededTags(job: Pick<Job, 'tags'>): string {
  if (job.tags.length === 0) return 'untagged jobs enabled';
  return `${job.tags.length === 1 ? 'tag' : 'tags'} ${quoteTags(job.tags)}`;
}

function shortNeeds(job: Pick<Job, 'tags'>): string {
  return job.tags.length ? quoteTags(job.tags) : 'untagged jobs';
}

function quoteTags(tags: readonly string[]): string {
  return tags.map((t) => `\`${t}\``).join(', ');
}
