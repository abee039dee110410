// The insights a row shows, computed from what the store already holds (no request of their own):
// why a pending job waits, queue times per runner, VM and tag, and versions against GitLab's.
import * as vscode from 'vscode';
import type { FleetLinks } from '../core/correlate';
import type { FleetStore } from '../core/fleet-store';
import { guestHealth, type GuestHealth } from '../core/guest-health';
import type { Job, Runner, WorkerVm } from '../core/model';
import { pickedJobs, queueTimes, queueWarning, type QueueStats, type QueueTimes } from '../core/queue-time';
import { pairMismatch, versionGap, type VersionGap } from '../core/versions';
import { whyPending, type PendingDiagnosis } from '../core/why-pending';

/** Built by another part of Runner Ops: offered as a fix only once it exists. */
export const REPROVISION_COMMAND = 'runnerOps.reprovisionWorker';

let reprovisionKnown = false;
/** Whether "Re-provision Worker" exists; learned once, asynchronously (the command list does not change after activation). */
export function canReprovision(): boolean {
  return reprovisionKnown;
}
void Promise.resolve(vscode.commands.getCommands(true)).then(
  (all) => (reprovisionKnown = all.includes(REPROVISION_COMMAND)),
  () => undefined,
);

export interface RunnerInsights {
  version?: VersionGap;
  /** The other runner of its A/B pair on another version. */
  pair?: string;
  queue?: QueueStats;
  tagQueues: Array<[string, QueueStats]>;
  queueWarning?: string;
  canReprovision: boolean;
}

export interface VmInsights {
  queue?: QueueStats;
  queueWarning?: string;
  /** What the VM reports from inside; undefined until its row was expanded or its tooltip shown. */
  guest?: GuestHealth;
}

/** One render's worth of insights: the queue times are computed once and shared by the rows. */
export class Insights {
  private times?: QueueTimes;

  constructor(
    private readonly store: FleetStore,
    private readonly links: FleetLinks,
    private readonly now: number,
  ) {}

  private queues(): QueueTimes {
    this.times ??= queueTimes(pickedJobs(this.store.runnerJobs, this.store.pipelineJobs), this.links);
    return this.times;
  }

  runner(runner: Runner): RunnerInsights {
    const queue = this.queues().byRunner.get(runner.id);
    return {
      version: versionGap(runner.version, this.store.serverVersion ?? undefined),
      pair: pairMismatch(runner, this.store.runners.value ?? []),
      queue,
      tagQueues: runner.tags.flatMap((tag) => {
        const stats = this.queues().byTag.get(tag);
        return stats ? [[tag, stats] as [string, QueueStats]] : [];
      }),
      queueWarning: queueWarning(queue, this.store.queueWarnSeconds),
      canReprovision: canReprovision(),
    };
  }

  vm(vm: WorkerVm): VmInsights {
    const queue = this.queues().byVm.get(vm.id);
    return {
      queue,
      queueWarning: queueWarning(queue, this.store.queueWarnSeconds),
      guest: vmGuestHealth(this.store, vm, this.now),
    };
  }

  pending(job: Job): PendingDiagnosis | undefined {
    return diagnosePending(this.store, this.links, job, this.now);
  }
}

/** The VM's own report as last read (a failed read says so); undefined when never read. */
export function vmGuestHealth(store: FleetStore, vm: WorkerVm, now: number): GuestHealth | undefined {
  const read = store.guest.get(vm.id);
  if (read?.value !== undefined) return guestHealth(read.value, { diskWarnPercent: store.diskWarnPercent, now });
  if (read?.error)
    return { warnings: [], marks: [], facts: [`Its guest attributes could not be read: ${read.error.message}`] };
  return undefined;
}

export function diagnosePending(
  store: FleetStore,
  links: FleetLinks,
  job: Job,
  now: number,
): PendingDiagnosis | undefined {
  if (!store.runners.value) return undefined;
  return whyPending(job, {
    runners: store.runners.value,
    project: store.projects.value?.find((p) => p.id === job.projectId),
    links,
    now,
    canReprovision: canReprovision(),
  });
}
