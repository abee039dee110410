// Retry, cancel and open pipelines; load more; run a pipeline schedule now. After an action the
// one pipeline is watched briefly (PACE.afterAction) instead of refreshing everything.
import * as vscode from 'vscode';
import type { Pipeline, PipelineSchedule, Project } from '../core/model';
import { PACE } from '../core/pace';
import { PollingSet } from '../core/polling';
import { pipelineStatus } from '../core/status-table';
import type { Services } from '../services';
import { confirmation } from './confirm';

type PipelineArg = { pipeline: Pipeline } | undefined;

export function register(context: vscode.ExtensionContext, services: Services): void {
  // Keyed by pipeline id: cancel then retry of one pipeline is one watch, not two.
  const watch = new PollingSet<number>({
    poll: async (pipelineId) => {
      const store = services.store();
      const gitlab = await store.gitlab();
      const pipeline = store.findPipeline(pipelineId);
      if (!gitlab || !pipeline) return 'done';
      const fresh = await gitlab.pipeline(pipeline.projectId, pipeline.id);
      store.updatePipeline(fresh);
      if (store.pipelineJobs.has(pipeline.id)) await store.loadPipelineJobs(pipeline.projectId, pipeline.id);
      return pipelineStatus(fresh.status).transitional ? 'again' : 'done';
    },
  });
  context.subscriptions.push(
    { dispose: () => watch.dispose() },
    vscode.commands.registerCommand('runnerOps.retryPipeline', (node: PipelineArg) =>
      act(services, watch, node, 'retry'),
    ),
    vscode.commands.registerCommand('runnerOps.cancelPipeline', (node: PipelineArg) =>
      act(services, watch, node, 'cancel'),
    ),
    vscode.commands.registerCommand(
      'runnerOps.openPipelineInGitLab',
      (node: PipelineArg) => node?.pipeline && vscode.env.openExternal(vscode.Uri.parse(node.pipeline.webUrl)),
    ),
    vscode.commands.registerCommand('runnerOps.loadMorePipelines', (node: { project: Project }) =>
      services.store().loadMorePipelines(node.project.id),
    ),
    vscode.commands.registerCommand('runnerOps.runSchedule', (node: { project: Project; schedule: PipelineSchedule }) =>
      runSchedule(services, node),
    ),
  );
}

async function act(
  services: Services,
  watch: PollingSet<number>,
  node: PipelineArg,
  action: 'retry' | 'cancel',
): Promise<Pipeline | undefined> {
  const pipeline = node?.pipeline;
  if (!pipeline) {
    void vscode.window.showInformationMessage(`Choose a pipeline in the Pipelines view to ${action} it.`);
    return undefined;
  }
  const store = services.store();
  const gitlab = await store.gitlab();
  if (!gitlab) {
    void vscode.window.showErrorMessage('Sign in to GitLab first.');
    return undefined;
  }
  if (action === 'cancel') {
    const confirmed = await confirmation.ask(
      `Cancel pipeline #${pipeline.id} on ${pipeline.ref}? Its running and pending jobs are stopped.`,
      'Cancel Pipeline',
    );
    if (!confirmed) return undefined;
  }
  store.setBusy(`pipeline:${pipeline.id}`, action === 'retry' ? 'Retrying…' : 'Canceling…', 'pipelines');
  try {
    const updated =
      action === 'retry'
        ? await gitlab.retryPipeline(pipeline.projectId, pipeline.id)
        : await gitlab.cancelPipeline(pipeline.projectId, pipeline.id);
    store.updatePipeline(updated);
    watch.add(updated.id);
    void vscode.window.setStatusBarMessage(
      `Pipeline #${pipeline.id}: ${action === 'retry' ? 'retried' : 'canceled'}`,
      PACE.statusMessageMs,
    );
    return updated;
  } catch (error) {
    services.failures.record(error as Error);
    void vscode.window.showErrorMessage(`Could not ${action} pipeline #${pipeline.id}: ${(error as Error).message}`);
    return undefined;
  } finally {
    store.setBusy(`pipeline:${pipeline.id}`, undefined, 'pipelines');
  }
}

async function runSchedule(services: Services, node: { project: Project; schedule: PipelineSchedule }): Promise<void> {
  const store = services.store();
  const gitlab = await store.gitlab();
  if (!gitlab || !node?.schedule) return;
  try {
    await gitlab.playSchedule(node.project.id, node.schedule.id);
    void vscode.window.showInformationMessage(
      `Schedule "${node.schedule.description}" started a pipeline on ${node.schedule.ref}.`,
    );
    await store.refresh('pipelines');
    await store.loadSchedules(node.project.id);
  } catch (error) {
    services.failures.record(error as Error);
    void vscode.window.showErrorMessage(
      `Could not run schedule "${node.schedule.description}": ${(error as Error).message}`,
    );
  }
}
