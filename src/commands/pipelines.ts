// Retry, cancel and open pipelines; load more; run a pipeline schedule now. From a row they act
// on it; from the palette they ask which one (load more: which project). The actions themselves
// are in core/fleet-actions.ts.
import * as vscode from 'vscode';
import { canCancel, canRetry } from '../core/fleet-actions';
import type { FleetStore } from '../core/fleet-store';
import type { Pipeline, PipelineSchedule, Project } from '../core/model';
import { PACE } from '../core/pace';
import { byPriority, pipelineStatus } from '../core/status-table';
import { formatAgo } from '../core/time-format';
import type { Services } from '../services';
import type { RunnerOpsViews } from '../views';
import type { PipelineNode } from '../views/pipelines-view';
import { confirmation } from './confirm';
import { refusedUntrusted } from './trust';
import { external } from './external';
import { ensureLoaded, pick, showActionError, type PickItem } from './pick';

type PipelineArg = { pipeline: Pipeline } | undefined;
type ScheduleArg = { project: Project; schedule: PipelineSchedule } | undefined;

export function register(context: vscode.ExtensionContext, services: Services, views: RunnerOpsViews): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('runnerOps.retryPipeline', (node: PipelineArg) =>
      refusedUntrusted('runnerOps.retryPipeline') ? undefined : retry(services, node),
    ),
    vscode.commands.registerCommand('runnerOps.cancelPipeline', (node: PipelineArg) =>
      refusedUntrusted('runnerOps.cancelPipeline') ? undefined : cancel(services, node),
    ),
    vscode.commands.registerCommand('runnerOps.openPipelineInGitLab', async (node: PipelineArg) => {
      const pipeline = node?.pipeline ?? (await pickPipeline(services, 'open'));
      if (pipeline) await external.open(vscode.Uri.parse(pipeline.webUrl));
    }),
    vscode.commands.registerCommand('runnerOps.loadMorePipelines', async (node?: { project: Project }) => {
      const project = node?.project ?? (await pickProjectWithMore(services));
      if (project) await services.store().loadMorePipelines(project.id);
    }),
    vscode.commands.registerCommand('runnerOps.runSchedule', (node: ScheduleArg) =>
      refusedUntrusted('runnerOps.runSchedule')
        ? undefined
        : runSchedule(services, node, (pipeline) => reveal(views, pipeline)),
    ),
  );
}

async function retry(services: Services, node: PipelineArg): Promise<Pipeline | undefined> {
  const pipeline = node?.pipeline ?? (await pickPipeline(services, 'retry'));
  if (!pipeline) return undefined;
  try {
    const updated = await services.actions.retryPipeline(pipeline);
    void vscode.window.setStatusBarMessage(
      `Pipeline #${pipeline.id} retried: ${pipelineStatus(updated.status).label}`,
      PACE.statusMessageMs,
    );
    return updated;
  } catch (error) {
    showActionError(`Could not retry pipeline #${pipeline.id}`, error, services.failures.record);
    return undefined;
  }
}

async function cancel(services: Services, node: PipelineArg): Promise<Pipeline | undefined> {
  const pipeline = node?.pipeline ?? (await pickPipeline(services, 'cancel'));
  if (!pipeline) return undefined;
  const confirmed = await confirmation.ask(
    `Cancel pipeline #${pipeline.id} on ${pipeline.ref}? Its running and pending jobs are stopped.`,
    'Cancel Pipeline',
  );
  if (!confirmed) return undefined;
  try {
    const updated = await services.actions.cancelPipeline(pipeline);
    void vscode.window.setStatusBarMessage(`Pipeline #${pipeline.id} canceled`, PACE.statusMessageMs);
    return updated;
  } catch (error) {
    showActionError(`Could not cancel pipeline #${pipeline.id}`, error, services.failures.record);
    return undefined;
  }
}

const PIPELINE_PICKS = {
  retry: {
    title: 'Retry which pipeline?',
    placeHolder: 'Failed and canceled pipelines, newest first',
    fits: canRetry,
    none: 'No failed or canceled pipeline',
  },
  cancel: {
    title: 'Cancel which pipeline?',
    placeHolder: 'Running and pending pipelines, newest first',
    fits: canCancel,
    none: 'No running or pending pipeline',
  },
  open: {
    title: 'Open which pipeline in GitLab?',
    placeHolder: 'Running and failed pipelines first',
    fits: () => true,
    none: 'No pipeline',
  },
} as const;

async function pickPipeline(services: Services, purpose: keyof typeof PIPELINE_PICKS): Promise<Pipeline | undefined> {
  const store = services.store();
  if (!(await ensureLoaded(store, 'pipelines', () => store.pipelines.size > 0))) return undefined;
  const { title, placeHolder, fits, none } = PIPELINE_PICKS[purpose];
  const now = Date.now();
  const lists = loadedPipelines(store);
  const items = lists
    .flatMap(({ project, pipelines }) => pipelines.filter(fits).map((pipeline) => ({ project, pipeline })))
    .sort(
      (a, b) =>
        byPriority(pipelineStatus(a.pipeline.status), pipelineStatus(b.pipeline.status)) ||
        b.pipeline.id - a.pipeline.id,
    )
    .map(({ project, pipeline }): PickItem<Pipeline> => ({
      label: `#${pipeline.id} ${pipeline.ref}`,
      description: [pipelineStatus(pipeline.status).label, project.path, formatAgo(pipeline.createdAt, now)].join(
        ' · ',
      ),
      value: pipeline,
    }));
  const searched = lists.map(({ project, pipelines }) => `the last ${pipelines.length} of ${project.path}`);
  return pick({ title, placeHolder, items, empty: `${none} in ${searched.join(' or ')}.` });
}

/** From the palette: the projects whose list GitLab can continue (a "Load more…" row in the view). */
async function pickProjectWithMore(services: Services): Promise<Project | undefined> {
  const store = services.store();
  if (!(await ensureLoaded(store, 'pipelines', () => store.pipelines.size > 0))) return undefined;
  const lists = loadedPipelines(store);
  const items = lists
    .filter(({ project }) => store.pipelines.get(project.id)?.value?.nextPage !== undefined)
    .map(({ project, pipelines }): PickItem<Project> => ({
      label: project.path,
      description: `${pipelines.length} pipelines shown, older ones in GitLab`,
      value: project,
    }));
  const shown = lists.map(({ project, pipelines }) => `${project.path} (${pipelines.length})`);
  return pick({
    title: 'Load older pipelines of which project?',
    placeHolder: 'Projects with more pipelines in GitLab than the view shows',
    items,
    empty: `Every pipeline GitLab has is shown: ${shown.join(', ')}.`,
  });
}

function loadedPipelines(store: FleetStore): Array<{ project: Project; pipelines: Pipeline[] }> {
  return (store.projects.value ?? []).map((project) => ({
    project,
    pipelines: store.pipelines.get(project.id)?.value?.pipelines ?? [],
  }));
}

async function pickSchedule(services: Services): Promise<ScheduleArg> {
  const store = services.store();
  if (!(await ensureLoaded(store, 'pipelines', () => store.projects.value !== undefined))) return undefined;
  const projects = store.projects.value ?? [];
  await Promise.all(projects.filter((p) => !store.schedules.get(p.id)?.value).map((p) => store.loadSchedules(p.id)));
  const failed = projects.map((p) => store.schedules.get(p.id)?.error).find(Boolean);
  if (failed) {
    void vscode.window.showErrorMessage(`Could not list the pipeline schedules: ${failed.message}`);
    return undefined;
  }
  const items = projects
    .flatMap((project) => (store.schedules.get(project.id)?.value ?? []).map((schedule) => ({ project, schedule })))
    .sort((a, b) => Number(b.schedule.active) - Number(a.schedule.active))
    .map((target): PickItem<ScheduleArg> => ({
      label: target.schedule.description || `Schedule #${target.schedule.id}`,
      description: [
        target.project.path,
        target.schedule.ref,
        target.schedule.cron,
        target.schedule.active ? undefined : 'inactive',
      ]
        .filter(Boolean)
        .join(' · '),
      value: target,
    }));
  return pick({
    title: 'Run which pipeline schedule now?',
    placeHolder: 'Starts a pipeline on the schedule’s branch, as its owner',
    items,
    empty: `No pipeline schedule in ${projects.map((p) => p.path).join(', ') || 'the configured projects'}.`,
  });
}

/** Selects the pipeline's row in the Pipelines view, opening the view if needed. */
async function reveal(views: RunnerOpsViews, pipeline: Pipeline): Promise<void> {
  const node: PipelineNode = { kind: 'pipeline', pipeline };
  await views.byId.get('runnerOps.pipelines')?.view.reveal(node, { select: true, focus: true });
}

async function runSchedule(
  services: Services,
  node: ScheduleArg,
  revealPipeline: (pipeline: Pipeline) => Promise<void>,
): Promise<Pipeline | undefined> {
  const target = node?.schedule ? node : await pickSchedule(services);
  if (!target) return undefined;
  const { project, schedule } = target;
  const quoted = `"${schedule.description || `#${schedule.id}`}"`;
  try {
    const started = await services.actions.runSchedule(project, schedule);
    if (!started) {
      void vscode.window.showInformationMessage(
        `Schedule ${quoted} started a pipeline on ${schedule.ref}; GitLab has not listed it yet.`,
      );
      return undefined;
    }
    void vscode.window
      .showInformationMessage(
        `Schedule ${quoted} started pipeline #${started.id} on ${started.ref}.`,
        'Follow',
        'Reveal',
      )
      .then((choice) => {
        if (choice === 'Follow') void follow(services, started);
        if (choice === 'Reveal') void revealPipeline(started);
      });
    return started;
  } catch (error) {
    showActionError(`Could not run schedule ${quoted}`, error, services.failures.record);
    return undefined;
  }
}

/** Follows the pipeline's first job live, or opens the pipeline when it has no job yet. */
async function follow(services: Services, pipeline: Pipeline): Promise<void> {
  const store = services.store();
  await store.loadPipelineJobs(pipeline.projectId, pipeline.id);
  const first = [...(store.pipelineJobs.get(pipeline.id)?.value ?? [])].sort((a, b) => a.id - b.id)[0];
  if (first) await vscode.commands.executeCommand('runnerOps.tailJobLog', { job: first });
  else await external.open(vscode.Uri.parse(pipeline.webUrl));
}
