// Runner Ops: Apply Fix (a checklist row's click when Runner Ops can fix it itself): shows what
// will be created (a read-only plan document with the settings and the gcloud / API equivalent),
// asks for a confirmation, applies it with progress, logs what it did, then runs the checklist
// again. Copy gcloud Equivalent puts a row's fix text on the clipboard.
import { readFile } from 'node:fs/promises';
import * as vscode from 'vscode';
import { refusedUntrusted } from './trust';
import { applyFix, fixProblem, planFix, type FixContext } from '../core/bootstrap-fixes';
import {
  APPLY_FIX_COMMAND,
  DEFAULT_BOOTSTRAP,
  parseKmsKeyName,
  type CheckResult,
  type FixRequest,
} from '../core/checklist';
import { MAX_SECRET_BYTES } from '../core/secret-write';
import { loadGitLab } from '../lazy';
import type { Services } from '../services';
import type { RunnerOpsViews } from '../views';
import { bootstrapPorts } from './bootstrap-ports';
import { pickCheck } from './check-pick';
import { runWorkerFix, unfinishedWorkerFix, workerJournal } from './worker-fix';
import { confirmation } from './confirm';
import { filePicker } from './file-pick';
import { showDocument } from './operation-ui';

export interface FixReport {
  outcome: 'applied' | 'cancelled' | 'failed';
  sentence?: string;
}

export function register(context: vscode.ExtensionContext, services: Services, views: RunnerOpsViews): void {
  context.subscriptions.push(
    // A row's click passes its FixRequest; from the palette, the check is picked and its fix's command run.
    vscode.commands.registerCommand(APPLY_FIX_COMMAND, async (request?: FixRequest | { resume: string }) => {
      if (request && 'resume' in request) return resume(services, views, request.resume);
      if (request) return apply(services, views, request);
      const command = (await pickCheck(views.checklist, 'apply'))?.fix?.command;
      return command && vscode.commands.executeCommand(command.id, ...(command.args ?? []));
    }),
    vscode.commands.registerCommand('runnerOps.copyCheckFix', async (row?: CheckResult) => {
      const result = row ?? (await pickCheck(views.checklist, 'copy'));
      if (!result) return;
      const text = result.fix?.text;
      if (!text) return void vscode.window.showInformationMessage('This check has no command to copy.');
      await vscode.env.clipboard.writeText(text);
      void vscode.window.showInformationMessage(`Copied the equivalent of the ${result.title} fix.`);
    }),
    vscode.commands.registerCommand('runnerOps.rerunCheck', async (row?: CheckResult) => {
      const result = row ?? (await pickCheck(views.checklist, 'rerun'));
      return result && views.checklist.runOne(result.id);
    }),
  );
}

const CANCELLED: FixReport = { outcome: 'cancelled' };

/** An unfinished worker fix, resumed from its journal (offered at activation or after a stop). */
async function resume(services: Services, views: RunnerOpsViews, key: string): Promise<FixReport> {
  const journal = unfinishedWorkerFix(services, key);
  if (!journal) {
    void vscode.window.showInformationMessage('Nothing to resume: that fix finished or was discarded.');
    return CANCELLED;
  }
  if (refusedUntrusted(APPLY_FIX_COMMAND)) return CANCELLED;
  const ports = bootstrapPorts(services);
  try {
    return await finish(services, views, journal.title, await runWorkerFix(services, ports, journal));
  } finally {
    void ports.close();
  }
}

async function apply(services: Services, views: RunnerOpsViews, request: FixRequest): Promise<FixReport> {
  if (refusedUntrusted(APPLY_FIX_COMMAND)) return CANCELLED;
  if (!request?.kind) {
    void vscode.window.showErrorMessage('Apply Fix runs from a Bootstrap Checklist row that offers one.');
    return CANCELLED;
  }
  const ports = bootstrapPorts(services);
  try {
    const ctx = await fixContext(services, request, ports);
    const problem = fixProblem(request, ctx);
    if (problem) {
      void vscode.window.showErrorMessage(`Nothing was created: ${problem}`);
      return CANCELLED;
    }
    const plan = planFix(request, ctx);
    let file: Uint8Array | undefined;
    if (request.kind === 'uploadSecret') {
      file = await readSecretFile(request.object);
      if (!file) return CANCELLED;
    }
    if (plan.markdown) await showDocument(`Plan - ${plan.title}.md`, plan.markdown);
    if (!(await confirmation.ask(plan.question, plan.action))) {
      file?.fill(0);
      return CANCELLED;
    }
    const report =
      request.kind === 'worker'
        ? await runWorkerFix(services, ports, workerJournal(services, ctx, plan.title))
        : await applyOnce(services, plan.title, () => applyFix(request, ctx, ports, file));
    return await finish(services, views, plan.title, report);
  } finally {
    void ports.close();
  }
}

/** A one-call fix with progress; a failure is logged and said here. */
async function applyOnce(services: Services, title: string, act: () => Promise<string>): Promise<FixReport> {
  try {
    const sentence = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `${title}…` },
      act,
    );
    return { outcome: 'applied', sentence };
  } catch (error) {
    services.failures.record(error as Error);
    const message = `${title} failed: ${(error as Error).message}`;
    void vscode.window.showErrorMessage(message, 'Show Log').then((c) => c && services.failures.showDetails());
    return { outcome: 'failed', sentence: message };
  }
}

/** After a fix: said and logged when applied, and the checklist run again either way. */
async function finish(services: Services, views: RunnerOpsViews, title: string, report: FixReport): Promise<FixReport> {
  if (report.outcome !== 'applied') {
    void views.checklist.run();
    return report;
  }
  services.failures.note('info', `${title}: ${report.sentence}`);
  void vscode.window.showInformationMessage(report.sentence!);
  void services.secrets()?.refresh();
  services.refresh();
  await views.checklist.run();
  return report;
}

async function fixContext(
  services: Services,
  request: FixRequest,
  ports: ReturnType<typeof bootstrapPorts>,
): Promise<FixContext> {
  const settings = services.settings();
  const bootstrap = settings.bootstrap ?? DEFAULT_BOOTSTRAP;
  const ctx: FixContext = {
    input: services.checklistInput(),
    gitlabUrl: (await services.gitlabSession())?.url ?? settings.gitlabUrl,
    projects: settings.gitlabProjects,
  };
  const project = parseKmsKeyName(settings.kmsKey)?.project ?? settings.gcpProject;
  if (request.kind === 'worker')
    ctx.templateExists = (await ports.template(project, bootstrap.templateName)) !== undefined;
  if (request.kind === 'schedules') ctx.existingSchedules = await existingSchedules(services);
  return ctx;
}

/** The schedules that exist in the projects runnerOps.bootstrap.schedules names. */
async function existingSchedules(services: Services) {
  const settings = services.settings();
  const session = await services.gitlabSession();
  if (!session) throw new Error(`Not signed in to GitLab at ${settings.gitlabUrl}: sign in first.`);
  const gitlab = new (await loadGitLab()).GitLabBootstrap(session.url, session.token, session.caFile);
  const projects = [...new Set((settings.bootstrap ?? DEFAULT_BOOTSTRAP).schedules.map((s) => String(s.project)))];
  return (await Promise.all(projects.map((p) => gitlab.schedules(p)))).flat();
}

/** Asks for the file, reads it; undefined (with a message) when there is none or it is too big. */
async function readSecretFile(object: string): Promise<Uint8Array | undefined> {
  const path = await filePicker.pick(`Upload ${object}: choose the file to encrypt`);
  if (!path) return undefined;
  try {
    const bytes = await readFile(path);
    if (bytes.length > MAX_SECRET_BYTES) {
      bytes.fill(0);
      void vscode.window.showErrorMessage(
        `${object} was not uploaded: the file is larger than Cloud KMS encrypts (64 KiB).`,
      );
      return undefined;
    }
    return bytes;
  } catch (error) {
    void vscode.window.showErrorMessage(`${object} was not uploaded: ${(error as Error).message}`);
    return undefined;
  }
}
