// Pipelines: per configured project, its schedules and recent pipelines; a pipeline expands to
// its stages and jobs, and each job names the runner and VM it ran on.
import * as vscode from 'vscode';
import { jobHost } from '../core/correlate';
import { canCancel, canRetry } from '../core/fleet-actions';
import type { FleetStore } from '../core/fleet-store';
import type { Job, Pipeline, PipelineSchedule, Project } from '../core/model';
import { byPriority, jobStatus, pipelineStatus } from '../core/status-table';
import { formatAgo, formatDuration } from '../core/time-format';
import { FleetTree } from './fleet-tree';
import { errorItem, escapeMd, loadingItem, messageItem, statusIcon } from './presentation';
import { jobItem } from './runners-view';

export type PipelineNode =
  | { kind: 'project'; project: Project }
  | { kind: 'schedules'; project: Project }
  | { kind: 'schedule'; project: Project; schedule: PipelineSchedule }
  | { kind: 'pipeline'; pipeline: Pipeline }
  | { kind: 'stage'; pipeline: Pipeline; stage: string; jobs: Job[] }
  | { kind: 'job'; job: Job }
  | { kind: 'more'; project: Project }
  | { kind: 'item'; item: vscode.TreeItem };

export class PipelinesView extends FleetTree<PipelineNode> {
  getChildren(node?: PipelineNode): PipelineNode[] {
    const store = this.store();
    if (!store || store.gitlabAvailable === false) return []; // the welcome content explains what is missing
    if (!node) {
      const { value, error } = store.projects;
      if (error) return [{ kind: 'item', item: errorItem(error, false) }];
      if (!value) return [{ kind: 'item', item: loadingItem('projects') }];
      return value.map((project) => ({ kind: 'project', project }));
    }
    switch (node.kind) {
      case 'project':
        return this.projectChildren(store, node.project);
      case 'schedules':
        return this.scheduleChildren(store, node.project);
      case 'pipeline':
        return this.stages(store, node.pipeline);
      case 'stage':
        return node.jobs.map((job) => ({ kind: 'job', job }));
      default:
        return [];
    }
  }

  private projectChildren(store: FleetStore, project: Project): PipelineNode[] {
    const list = store.pipelines.get(project.id);
    const nodes: PipelineNode[] = [{ kind: 'schedules', project }];
    if (list?.error) nodes.push({ kind: 'item', item: errorItem(list.error, list.value !== undefined) });
    if (!list?.value) return list?.error ? nodes : [...nodes, { kind: 'item', item: loadingItem('pipelines') }];
    if (list.value.pipelines.length === 0) nodes.push({ kind: 'item', item: messageItem('No pipelines yet') });
    nodes.push(...list.value.pipelines.map((pipeline): PipelineNode => ({ kind: 'pipeline', pipeline })));
    if (list.value.nextPage) nodes.push({ kind: 'more', project });
    return nodes;
  }

  private scheduleChildren(store: FleetStore, project: Project): PipelineNode[] {
    const schedules = store.schedules.get(project.id);
    if (!schedules || (!schedules.value && !schedules.error)) {
      if (!schedules?.loading) void store.loadSchedules(project.id);
      return [{ kind: 'item', item: loadingItem('schedules') }];
    }
    if (schedules.error && !schedules.value) return [{ kind: 'item', item: errorItem(schedules.error, false) }];
    if (!schedules.value?.length) return [{ kind: 'item', item: messageItem('No pipeline schedules') }];
    return schedules.value.map((schedule) => ({ kind: 'schedule', project, schedule }));
  }

  private stages(store: FleetStore, pipeline: Pipeline): PipelineNode[] {
    const jobs = store.pipelineJobs.get(pipeline.id);
    if (!jobs || (!jobs.value && !jobs.error)) {
      if (!jobs?.loading) void store.loadPipelineJobs(pipeline.projectId, pipeline.id);
      return [{ kind: 'item', item: loadingItem('jobs') }];
    }
    if (jobs.error && !jobs.value) return [{ kind: 'item', item: errorItem(jobs.error, false) }];
    const byStage = new Map<string, Job[]>();
    // GitLab lists jobs newest first; stages run in the order their first job was created.
    for (const job of [...(jobs.value ?? [])].sort((a, b) => a.id - b.id))
      byStage.set(job.stage, [...(byStage.get(job.stage) ?? []), job]);
    return [...byStage].map(([stage, stageJobs]) => ({ kind: 'stage', pipeline, stage, jobs: stageJobs }));
  }

  getTreeItem(node: PipelineNode): vscode.TreeItem {
    const now = this.now();
    switch (node.kind) {
      case 'item':
        return node.item;
      case 'project': {
        const item = new vscode.TreeItem(node.project.path, vscode.TreeItemCollapsibleState.Expanded);
        item.id = `project:${node.project.id}`;
        item.iconPath = new vscode.ThemeIcon('repo');
        item.tooltip = node.project.webUrl;
        item.contextValue = 'project';
        return item;
      }
      case 'schedules': {
        const item = new vscode.TreeItem('Schedules', vscode.TreeItemCollapsibleState.Collapsed);
        item.id = `schedules:${node.project.id}`;
        item.iconPath = new vscode.ThemeIcon('calendar');
        item.contextValue = 'schedules';
        return item;
      }
      case 'schedule': {
        const s = node.schedule;
        const item = new vscode.TreeItem(s.description || `Schedule #${s.id}`);
        item.id = `schedule:${node.project.id}/${s.id}`;
        item.iconPath = new vscode.ThemeIcon(s.active ? 'watch' : 'circle-slash');
        item.description = [
          s.cron,
          s.cronTimezone,
          s.ref,
          s.active
            ? s.nextRunAt
              ? `next ${new Date(s.nextRunAt).toISOString().slice(0, 16).replace('T', ' ')} UTC`
              : undefined
            : 'inactive',
          s.lastPipeline ? `last: ${s.lastPipeline.status}` : undefined,
        ]
          .filter(Boolean)
          .join(' · ');
        item.tooltip = `Run "${s.description}" now with the Play button`;
        item.contextValue = 'schedule';
        return item;
      }
      case 'pipeline':
        return this.pipelineItem(node.pipeline, now);
      case 'stage': {
        const worst = node.jobs.map(jobStatus).sort(byPriority)[0];
        const item = new vscode.TreeItem(node.stage, vscode.TreeItemCollapsibleState.Expanded);
        item.id = `stage:${node.pipeline.id}/${node.stage}`;
        item.iconPath = statusIcon(worst);
        item.description = `${worst.label} · ${node.jobs.length} job${node.jobs.length === 1 ? '' : 's'}`;
        item.contextValue = 'stage';
        return item;
      }
      case 'job': {
        const host = jobHost(node.job, this.links());
        return jobItem(node.job, now, `job:${node.job.id}`, host?.text);
      }
      case 'more': {
        const item = new vscode.TreeItem('Load more…');
        item.id = `more:${node.project.id}`;
        item.iconPath = new vscode.ThemeIcon('ellipsis');
        item.command = { title: 'Load more', command: 'runnerOps.loadMorePipelines', arguments: [node] };
        item.contextValue = 'more';
        return item;
      }
    }
  }

  private pipelineItem(pipeline: Pipeline, now: number): vscode.TreeItem {
    const status = pipelineStatus(pipeline.status);
    const busy = this.store()?.busy.get(`pipeline:${pipeline.id}`);
    const item = new vscode.TreeItem(`#${pipeline.id} ${pipeline.ref}`, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = `pipeline:${pipeline.id}`;
    item.iconPath = busy ? new vscode.ThemeIcon('loading~spin') : statusIcon(status);
    item.description =
      busy ??
      [
        status.label,
        pipeline.source,
        pipeline.duration !== undefined && pipeline.duration !== null ? formatDuration(pipeline.duration) : undefined,
        pipeline.user ? `@${pipeline.user.username}` : undefined,
        formatAgo(pipeline.createdAt, now),
      ]
        .filter(Boolean)
        .join(' · ');
    item.tooltip = new vscode.MarkdownString(
      [
        `**Pipeline #${pipeline.id}** on \`${escapeMd(pipeline.ref)}\` — ${status.label}`,
        `Source: ${pipeline.source} · Commit: \`${pipeline.sha.slice(0, 8)}\``,
        pipeline.user ? `Triggered by ${escapeMd(pipeline.user.name)} (@${escapeMd(pipeline.user.username)})` : '',
        `Created ${new Date(pipeline.createdAt).toISOString()}`,
      ]
        .filter(Boolean)
        .join('\n\n'),
    );
    const actions = [canCancel(pipeline) ? 'cancelable' : '', canRetry(pipeline) ? 'retryable' : '']
      .filter(Boolean)
      .join('.');
    item.contextValue = `pipeline.${pipeline.status}${actions ? `.${actions}` : ''}`;
    return item;
  }
}
