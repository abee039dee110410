// A job's row, in the Pipelines view (under its stage) and under the runner that ran it. Short
// facts first (status, duration, when), so a narrow sidebar cuts the long ones; every fact in
// the tooltip.
import * as vscode from 'vscode';
import type { JobHost } from '../../core/correlate';
import type { Job } from '../../core/model';
import { jobStatus } from '../../core/status-table';
import { formatAgo, formatDuration, formatWhen } from '../../core/time-format';
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
}

export function jobRow({ job, host, now, id, showPipeline }: JobRowData): vscode.TreeItem {
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
    job.createdAt !== undefined && `Created: ${formatWhen(job.createdAt, now)}`,
    job.startedAt !== undefined && `Started: ${formatWhen(job.startedAt, now)}`,
    job.finishedAt !== undefined && `Finished: ${formatWhen(job.finishedAt, now)}`,
    `Ran on: ${ranOn ? escapeMd(ranOn) : 'not picked by a runner yet'}`,
    job.tags.length > 0 && `Tags: ${job.tags.map((t) => `\`${t}\``).join(' ')}`,
  ]);
  item.contextValue = `job.${job.status}`;
  item.command = { title: 'Open job log', command: 'runnerOps.tailJobLog', arguments: [{ job }] };
  return item;
}
