// "Why Is This Job Pending?": the reason in one sentence, with the action that fixes it (resume
// the runner, re-provision its VM, open it in GitLab). From a pending job's row it explains that
// job; from the palette it asks which pending job.
import * as vscode from 'vscode';
import type { Job } from '../core/model';
import type { PendingFix } from '../core/why-pending';
import { formatAgo } from '../core/time-format';
import type { Services } from '../services';
import { correlate } from '../core/correlate';
import { diagnosePending, REPROVISION_COMMAND } from '../views/insights';
import { ensureLoaded, pick } from './pick';

type JobArg = { job: Job } | undefined;

export function register(context: vscode.ExtensionContext, services: Services): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('runnerOps.whyPending', (node: JobArg) => explain(services, node)),
  );
}

async function explain(services: Services, node: JobArg): Promise<string | undefined> {
  const job = node?.job ?? (await pickPendingJob(services));
  if (!job) return undefined;
  const store = services.store();
  if (!(await ensureLoaded(store, 'runners', () => store.runners.value !== undefined))) return undefined;
  const links = correlate({ vms: store.workers.value ?? [], runners: store.runners.value });
  const diagnosis = diagnosePending(store, links, job, Date.now());
  if (!diagnosis) {
    void vscode.window.showInformationMessage(`Job #${job.id} ${job.name} is not pending any more.`);
    return undefined;
  }
  const message = `Job #${job.id} ${job.name}: ${diagnosis.reason}`;
  const fix = diagnosis.fix;
  const choice = fix
    ? await vscode.window.showWarningMessage(message, fixLabel(fix))
    : await vscode.window.showWarningMessage(message);
  if (fix && choice === fixLabel(fix)) await apply(fix);
  return diagnosis.reason;
}

function fixLabel(fix: PendingFix): string {
  switch (fix.kind) {
    case 'resume':
      return `Resume Runner #${fix.runner.id}`;
    case 'reprovision':
      return `Re-provision ${fix.vm.name}`;
    case 'open':
      return `Open Runner #${fix.runner.id}`;
  }
}

async function apply(fix: PendingFix): Promise<void> {
  switch (fix.kind) {
    case 'resume':
      await vscode.commands.executeCommand('runnerOps.resumeRunner', { runner: fix.runner });
      return;
    case 'reprovision':
      await vscode.commands.executeCommand(REPROVISION_COMMAND, { vm: fix.vm });
      return;
    case 'open':
      await vscode.commands.executeCommand('runnerOps.openRunnerInGitLab', { runner: fix.runner });
  }
}

/** The pending jobs of the pipelines in motion, their jobs read first (the user asked: a request per pipeline). */
async function pickPendingJob(services: Services): Promise<Job | undefined> {
  const store = services.store();
  if (!(await ensureLoaded(store, 'pipelines', () => store.pipelines.size > 0))) return undefined;
  const waiting = [...store.pipelines.values()]
    .flatMap((list) => list.value?.pipelines ?? [])
    .filter((p) => p.status === 'pending' || p.status === 'running');
  await Promise.all(
    waiting.filter((p) => !store.pipelineJobs.get(p.id)?.value).map((p) => store.loadPipelineJobs(p.projectId, p.id)),
  );
  const now = Date.now();
  const projects = new Map((store.projects.value ?? []).map((p) => [p.id, p.path]));
  const items = waiting
    .flatMap((p) => (store.pipelineJobs.get(p.id)?.value ?? []).filter((j) => j.status === 'pending'))
    .map((job) => ({
      label: job.name,
      description: [
        projects.get(job.projectId),
        `pipeline #${job.pipelineId}`,
        job.tags.length ? job.tags.join(', ') : 'untagged',
        job.createdAt ? `queued ${formatAgo(job.createdAt, now)}` : undefined,
      ]
        .filter(Boolean)
        .join(' · '),
      value: job,
    }));
  return pick({
    title: 'Why is which job pending?',
    placeHolder: 'Pending jobs of the pipelines in motion',
    items,
    empty: `No job is pending in the ${waiting.length ? 'pipelines in motion' : 'configured projects'}.`,
  });
}
