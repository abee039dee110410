// Rows of the Pipelines view: projects, their schedules, pipelines, stages and "load more".
import * as vscode from 'vscode';
import { canCancel, canRetry } from '../../core/fleet-actions';
import type { Pipeline, PipelineSchedule, Project } from '../../core/model';
import { plural } from '../../core/names';
import { describeCron } from '../../core/schedule';
import type { Stage } from '../../core/stages';
import { byPriority, GLYPHS, jobStatus, pipelineStatus } from '../../core/status-table';
import { formatAgo, formatDuration, formatRelative, formatWhen } from '../../core/time-format';
import { escapeMd, tooltip } from './common';
import { iconOf } from './icon';

export function projectRow(project: Project): vscode.TreeItem {
  const item = new vscode.TreeItem(project.path, vscode.TreeItemCollapsibleState.Expanded);
  item.id = `project:${project.id}`;
  item.iconPath = iconOf(GLYPHS.project);
  item.tooltip = project.webUrl;
  item.contextValue = 'project';
  return item;
}

export function schedulesRow(project: Project): vscode.TreeItem {
  const item = new vscode.TreeItem('Schedules', vscode.TreeItemCollapsibleState.Collapsed);
  item.id = `schedules:${project.id}`;
  item.iconPath = iconOf(GLYPHS.schedules);
  item.contextValue = 'schedules';
  return item;
}

export function scheduleRow(project: Project, s: PipelineSchedule, now: number): vscode.TreeItem {
  const item = new vscode.TreeItem(s.description || `Schedule #${s.id}`);
  item.id = `schedule:${project.id}/${s.id}`;
  item.iconPath = iconOf(s.active ? GLYPHS.scheduleActive : GLYPHS.scheduleInactive);
  const last = s.lastPipeline ? pipelineStatus(s.lastPipeline.status) : undefined;
  item.description = [
    s.active ? (s.nextRunAt ? `next ${formatRelative(s.nextRunAt, now)}` : undefined) : 'inactive',
    s.ref,
    last ? `last ${last.label}` : undefined,
  ]
    .filter(Boolean)
    .join(' · ');
  item.tooltip = tooltip([
    `**${escapeMd(s.description || `Schedule #${s.id}`)}**${s.active ? '' : ' — inactive'}`,
    `Runs: ${escapeMd(describeCron(s.cron))} (\`${escapeMd(s.cron)}\`, ${escapeMd(s.cronTimezone)})`,
    s.active && s.nextRunAt !== undefined && `Next run: ${formatWhen(s.nextRunAt, now)}`,
    `Ref: \`${escapeMd(s.ref)}\``,
    s.lastPipeline && last && `Last pipeline: #${s.lastPipeline.id}, ${last.label}`,
    s.ownerUsername && `Owner: @${escapeMd(s.ownerUsername)}`,
    'Run Schedule Now (the play button) starts a pipeline at once.',
  ]);
  item.contextValue = 'schedule';
  return item;
}

export function pipelineRow(pipeline: Pipeline, now: number, busy?: string): vscode.TreeItem {
  const status = pipelineStatus(pipeline.status);
  const item = new vscode.TreeItem(`#${pipeline.id} ${pipeline.ref}`, vscode.TreeItemCollapsibleState.Collapsed);
  item.id = `pipeline:${pipeline.id}`;
  item.iconPath = iconOf(busy ? GLYPHS.busy : status);
  const hasDuration = pipeline.duration !== undefined && pipeline.duration !== null;
  item.description =
    busy ??
    [
      status.label,
      hasDuration ? formatDuration(pipeline.duration!) : undefined,
      formatAgo(pipeline.createdAt, now),
      pipeline.source,
      pipeline.user ? `@${pipeline.user.username}` : undefined,
    ]
      .filter(Boolean)
      .join(' · ');
  item.tooltip = tooltip([
    `**Pipeline #${pipeline.id}** on \`${escapeMd(pipeline.ref)}\` — ${status.label}`,
    `Source: ${escapeMd(pipeline.source)}`,
    `Commit: \`${pipeline.sha.slice(0, 8)}\``,
    pipeline.user && `Triggered by: ${escapeMd(pipeline.user.name)} (@${escapeMd(pipeline.user.username)})`,
    hasDuration && `Duration: ${formatDuration(pipeline.duration!)}`,
    `Created: ${formatWhen(pipeline.createdAt, now)}`,
    pipeline.finishedAt !== undefined && `Finished: ${formatWhen(pipeline.finishedAt, now)}`,
  ]);
  const actions = [canCancel(pipeline) ? 'cancelable' : '', canRetry(pipeline) ? 'retryable' : '']
    .filter(Boolean)
    .join('.');
  item.contextValue = `pipeline.${pipeline.status}${actions ? `.${actions}` : ''}`;
  return item;
}

export function stageRow(pipeline: Pipeline, stage: Stage): vscode.TreeItem {
  const worst = stage.jobs.map(jobStatus).sort(byPriority)[0];
  const item = new vscode.TreeItem(stage.name, vscode.TreeItemCollapsibleState.Expanded);
  item.id = `stage:${pipeline.id}/${stage.name}`;
  item.iconPath = iconOf(worst);
  item.description = `${worst.label} · ${plural(stage.jobs.length, 'job')}`;
  item.contextValue = 'stage';
  return item;
}

/** The last row of a project's pipelines while GitLab has older ones; `arg` goes to the command. */
export function moreRow(project: Project, arg: unknown): vscode.TreeItem {
  const item = new vscode.TreeItem('Load more…');
  item.id = `more:${project.id}`;
  item.iconPath = iconOf(GLYPHS.more);
  item.command = { title: 'Load more', command: 'runnerOps.loadMorePipelines', arguments: [arg] };
  item.contextValue = 'more';
  return item;
}
