// A job's row, in the Pipelines view (under its stage) and under the runner that ran it. Short
// facts first (status, duration, when), so a narrow sidebar cuts the long ones; every fact in
// the tooltip.
import * as vscode from 'vscode';
import type { JobHost } from '../../core/correlate';
import type { Job } from '../../core/model';
import { jobStatus } from '../../core/status-table';
import { formatAgo, formatDuration, formatWhen } from '../../core/time-format';
import type { PendingDiagnosis } from '../../core/why-pending';
import { escapeMd, tooltip } from './common';
import { iconOf } from './icon';

export interface JobRowData {
  job: Job;
  /** The runner and VM that ran it, when known. */
  host?: JobHost;
  now: number;
  /** Unique per view: the same job shows under a pipeline and under a runner. */
  id: string;
  /** Under a runner, the row names the project and pipeline (a runner serves many). */
  showPipeline?: boolean;
  /** Why it is still pending (src/core/why-pending.ts). */
  pending?: PendingDiagnosis;
}

const FIX_VERBS = { resume: 'resume the runner', reprovision: "re-provision the runner's VM", open: 'open the runner' };

export function jobRow({ job, host, now, id, showPipeline, pending }: JobRowData): vscode.TreeItem {
  const status = jobStatus(job);
  const item = new vscode.TreeItem(job.name);
  item.id = id;
  item.iconPath = iconOf(status);
  const when = job.finishedAt
    ? formatAgo(job.finishedAt, now)
    : job.startedAt
      ? `started ${formatAgo(job.startedAt, now)}`
      : job.createdAt
        ? `${status.transitional ? 'queued' : 'created'} ${formatAgo(job.createdAt, now)}` // a skipped job never queued
        : undefined;
  const pipeline = `pipeline #${job.pipelineId}`;
  item.description = [
    status.label,
    job.duration !== undefined ? formatDuration(job.duration) : undefined,
    when,
    showPipeline ? [job.projectPath, pipeline].filter(Boolean).join(' ') : undefined,
    host ? `${status.label === 'Failed' ? 'failed on' : 'on'} ${host.text}` : undefined,
    pending?.short,
  ]
    .filter(Boolean)
    .join(' · ');
  const ranOn = host?.text ?? (job.runner ? `runner #${job.runner.id}` : undefined);
  item.tooltip = tooltip([
    `**Job #${job.id} ${escapeMd(job.name)}** — ${status.label}`,
    `Stage: ${escapeMd(job.stage)}`,
    `Pipeline: #${job.pipelineId}${job.ref ? ` on \`${escapeMd(job.ref)}\`` : ''}${job.projectPath ? ` in ${escapeMd(job.projectPath)}` : ''}`,
    job.failureReason && `Failure reason: ${job.failureReason.replace(/_/g, ' ')}`,
    job.duration !== undefined && `Duration: ${formatDuration(job.duration)}`,
    job.queuedDuration !== undefined &&
      (job.startedAt !== undefined
        ? `Queued: ${formatDuration(job.queuedDuration)} before a runner picked it`
        : `Waiting for a runner: ${formatDuration(job.queuedDuration)}`),
    job.createdAt !== undefined && `Created: ${formatWhen(job.createdAt, now)}`,
    job.startedAt !== undefined && `Started: ${formatWhen(job.startedAt, now)}`,
    job.finishedAt !== undefined && `Finished: ${formatWhen(job.finishedAt, now)}`,
    `Ran on: ${ranOn ? escapeMd(ranOn) : 'not picked by a runner yet'}`,
    job.tags.length > 0 && `Tags: ${job.tags.map((t) => `\`${t}\``).join(' ')}`,
    pending && `Why pending: ${pending.reason}`,
    pending?.fix && `Fix: run **Why Is This Job Pending?** from its context menu to ${FIX_VERBS[pending.fix.kind]}.`,
  ]);
  item.contextValue = `job.${job.status}`;
  item.command = { title: 'Open job log', command: 'runnerOps.tailJobLog', arguments: [{ job }] };
  return item;
}
