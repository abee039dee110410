// Pipelines: per configured project, its schedules and recent pipelines; a pipeline expands to
// its stages (in the order the pipeline defines them) and jobs, each naming its runner and VM.
import type * as vscode from 'vscode';
import { jobHost } from '../core/correlate';
import type { FleetStore } from '../core/fleet-store';
import type { Job, Pipeline, PipelineSchedule, Project } from '../core/model';
import { pipelineStages, type Stage } from '../core/stages';
import { FleetTree } from './fleet-tree';
import { errorRow, lastGoodOf, listRows, loadingRow, messageRow, type ItemNode } from './rows/common';
import { jobRow } from './rows/job';
import { moreRow, pipelineRow, projectRow, scheduleRow, schedulesRow, stageRow } from './rows/pipeline';

export type PipelineNode =
  | { kind: 'project'; project: Project }
  | { kind: 'schedules'; project: Project }
  | { kind: 'schedule'; project: Project; schedule: PipelineSchedule }
  | { kind: 'pipeline'; pipeline: Pipeline }
  | { kind: 'stage'; pipeline: Pipeline; stage: Stage }
  | { kind: 'job'; job: Job }
  | { kind: 'more'; project: Project }
  | ItemNode;

export class PipelinesView extends FleetTree<PipelineNode> {
  getChildren(node?: PipelineNode): PipelineNode[] {
    const store = this.store();
    if (store.gitlabAvailable === false) return []; // the welcome content explains what is missing
    if (!node) {
      const { value, error } = store.projects;
      if (error) return [{ kind: 'item', item: errorRow(error, lastGoodOf(store.projects), this.now()) }];
      if (!value) return [{ kind: 'item', item: loadingRow('projects') }];
      return value.map((project) => ({ kind: 'project', project }));
    }
    switch (node.kind) {
      case 'project':
        return this.projectChildren(store, node.project);
      case 'schedules':
        return listRows(store.schedules.get(node.project.id), {
          what: 'schedules',
          now: this.now(),
          empty: 'No pipeline schedules',
          load: () => void store.loadSchedules(node.project.id),
          rows: (schedules) =>
            schedules.map((schedule): PipelineNode => ({ kind: 'schedule', project: node.project, schedule })),
        });
      case 'pipeline':
        return listRows(store.pipelineJobs.get(node.pipeline.id), {
          what: 'jobs',
          now: this.now(),
          empty: 'No jobs in this pipeline',
          load: () => void store.loadPipelineJobs(node.pipeline.projectId, node.pipeline.id),
          rows: (jobs) =>
            pipelineStages(jobs).map((stage): PipelineNode => ({ kind: 'stage', pipeline: node.pipeline, stage })),
        });
      case 'stage':
        return node.stage.jobs.map((job) => ({ kind: 'job', job }));
      default:
        return [];
    }
  }

  /** For reveal (Run Schedule Now → Reveal): a pipeline's row sits under its project's. */
  getParent(node: PipelineNode): PipelineNode | undefined {
    if (node.kind !== 'pipeline') return undefined;
    const project = this.store().projects.value?.find((p) => p.id === node.pipeline.projectId);
    return project && { kind: 'project', project };
  }

  private projectChildren(store: FleetStore, project: Project): PipelineNode[] {
    const list = store.pipelines.get(project.id);
    const pipelines = list && { ...list, value: list.value?.pipelines };
    const rows = listRows(pipelines, {
      what: 'pipelines',
      now: this.now(),
      empty: messageRow('No pipelines yet'),
      rows: (value) => value.map((pipeline): PipelineNode => ({ kind: 'pipeline', pipeline })),
    });
    const more: PipelineNode[] = list?.value?.nextPage ? [{ kind: 'more', project }] : [];
    return [{ kind: 'schedules', project }, ...rows, ...more];
  }

  getTreeItem(node: PipelineNode): vscode.TreeItem {
    const now = this.now();
    switch (node.kind) {
      case 'item':
        return node.item;
      case 'project':
        return projectRow(node.project);
      case 'schedules':
        return schedulesRow(node.project);
      case 'schedule':
        return scheduleRow(node.project, node.schedule, now);
      case 'pipeline':
        return pipelineRow(node.pipeline, now, this.store().busy.get(`pipeline:${node.pipeline.id}`));
      case 'stage':
        return stageRow(node.pipeline, node.stage);
      case 'job':
        return jobRow({
          job: node.job,
          host: jobHost(node.job, this.links()),
          now,
          id: `job:${node.job.id}`,
          pending: this.insights().pending(node.job),
        });
      case 'more':
        return moreRow(node.project, node);
    }
  }
}
