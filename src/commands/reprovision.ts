// Re-provision Worker: the plan as a read-only document (or only that, "Plan Only"), the outage
// question when no other runner serves the tags, the VM's name typed back, then the eight steps of
// src/core/reprovision with a cancellable progress notification, every step in the Runner Ops log,
// a result the operator can check, and one JSON line in the audit file. Show Re-provision History
// lists those lines.
import { mkdir, appendFile, readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join } from 'node:path';
import * as vscode from 'vscode';
import { readReprovisionSettings } from '../config/reprovision-settings';
import { realClock } from '../core/clock';
import { correlate } from '../core/correlate';
import type { Job, WorkerVm } from '../core/model';
import { runnerRef } from '../core/names';
import { journalKey, type Journal, type OperationOutcome } from '../core/operation';
import type { ReprovisionCompute, ReprovisionGitLab, WorkerInstance, WorkerSecrets } from '../core/ports';
import { auditRecord, historyMarkdown, parseAudit } from '../core/reprovision/audit';
import type { ReprovisionOptions } from '../core/reprovision/options';
import {
  orphanedTags,
  othersServing,
  planMarkdown,
  recreationOf,
  templateSwitch,
  type Recreation,
  type ReprovisionPlan,
  type TemplateSwitch,
} from '../core/reprovision/plan';
import {
  canRollBack,
  claimGivenBack,
  releaseVm,
  reprovisionSteps,
  smokeSentence,
  stateSentence,
  type DrainChoice,
  type ReprovisionState,
} from '../core/reprovision/steps';
import {
  imageTagProblem,
  metadataAfter,
  versionChange,
  type MetadataItem,
  type Upgrade,
} from '../core/reprovision/version';
import { loadCompute, loadGitLab, loadSecrets } from '../lazy';
import type { Services } from '../services';
import { confirmation } from './confirm';
import { refusedUntrusted } from './trust';
import { confirmByTypingName, journals, runWithProgress, showDocument } from './operation-ui';
import { askToSignIn, ensureLoaded, pick, showActionError } from './pick';
import { pickVm } from './vms';

export const COMMAND = 'runnerOps.reprovisionWorker';
const KIND = 'reprovision';

/**
 * From a VM row ({ vm }), a script ({ vmName, imageTag?, template? }: an upgrade), a resume offer
 * ({ resume }), or the palette (nothing: a picker asks).
 */
type Arg = ({ vm?: WorkerVm; vmName?: string } & Upgrade) | { resume: string } | undefined;

export interface ReprovisionReport {
  outcome: 'done' | 'cancelled' | 'failed' | 'planned' | 'refused';
  step?: string;
  message?: string;
}

interface Ports {
  compute: ReprovisionCompute;
  gitlab: ReprovisionGitLab;
  secrets: WorkerSecrets;
  close(): void;
}

export function register(context: vscode.ExtensionContext, services: Services): void {
  context.subscriptions.push(
    vscode.commands.registerCommand(COMMAND, (arg: Arg) => reprovision(services, arg)),
    vscode.commands.registerCommand('runnerOps.showReprovisionHistory', () => showHistory(services)),
  );
}

async function ports(services: Services): Promise<Ports | undefined> {
  const settings = services.settings();
  const session = await services.gitlabSession();
  if (!session) {
    askToSignIn('Sign in to GitLab first: re-provisioning pauses and resumes the runner.');
    return undefined;
  }
  const [{ ReprovisionComputeAdapter }, { reprovisionGitLab }, { workerSecrets }] = await Promise.all([
    loadCompute(),
    loadGitLab(),
    loadSecrets(),
  ]);
  const compute = new ReprovisionComputeAdapter(settings);
  const secrets = workerSecrets(settings);
  const gitlab = reprovisionGitLab(session.url, session.token, session.caFile);
  return {
    compute,
    gitlab,
    secrets,
    close: () => void Promise.all([compute.close(), secrets.close()]).catch(() => undefined),
  };
}

async function reprovision(services: Services, arg: Arg): Promise<ReprovisionReport> {
  if (refusedUntrusted(COMMAND)) return { outcome: 'refused' };
  const resumeKey = arg && 'resume' in arg ? arg.resume : undefined;
  const journal = resumeKey ? journals(services).get<ReprovisionState>(resumeKey) : undefined;
  const { options, auditFile, problems } = readReprovisionSettings(vscode.workspace.getConfiguration('runnerOps'));
  for (const problem of problems) void vscode.window.showWarningMessage(problem);
  const opened = await ports(services);
  if (!opened) return { outcome: 'cancelled' };
  try {
    if (journal) return await run(services, opened, journal, options, auditFile);
    const vm = await targetVm(services, arg, resumeKey);
    if (!vm) return { outcome: 'cancelled' };
    let upgrade: Upgrade = arg && !('resume' in arg) ? { imageTag: arg.imageTag, template: arg.template } : {};
    let plan: ReprovisionPlan | undefined;
    for (;;) {
      plan = await makePlan(services, opened, vm, options, upgrade);
      if (!plan) return { outcome: 'cancelled' };
      await showDocument(`Plan: re-provision ${vm.name}.md`, planMarkdown(plan, options));
      await vscode.commands.executeCommand('setContext', 'runnerOps.reprovisionOtherOnline', plan.others.length > 0);
      const how = await pick({
        title: `Re-provision ${vm.name}`,
        placeHolder: 'The plan is open beside: re-provision now, or keep the plan only',
        items: [
          { label: 'Re-provision…', description: 'pause, drain, recreate, verify, resume', value: 'go' as const },
          ...(plan.via.kind === 'template'
            ? [{ label: 'Change the Runner Version…', description: 'a new image tag', value: 'upgrade' as const }]
            : []),
          { label: 'Plan Only', description: 'change nothing', value: 'plan' as const },
        ],
        empty: '',
      });
      if (how === 'go') break;
      if (how !== 'upgrade') return { outcome: how === 'plan' ? 'planned' : 'cancelled' };
      const imageTag = await askImageTag(vm.name, plan);
      if (imageTag === undefined) return { outcome: 'cancelled' };
      upgrade = { ...upgrade, imageTag };
    }
    let acceptOutage = false;
    if (plan.orphanedTags.length) {
      acceptOutage = await confirmation.ask(
        `While ${vm.name} is re-provisioned no online runner serves ${plan.orphanedTags.join(', ')}: jobs needing them wait until it is back. Accept this outage?`,
        'Accept Outage',
      );
      if (!acceptOutage) {
        const message = `Re-provisioning ${vm.name} refused: it would take the last online runner for ${plan.orphanedTags.join(', ')} offline. Nothing was changed.`;
        services.failures.note('warn', message);
        void vscode.window.showWarningMessage(message);
        return { outcome: 'refused', message };
      }
    }
    const typed = await confirmByTypingName(
      `Re-provision ${vm.name}`,
      `Type ${vm.name} to delete and recreate it (its runner is paused and drained first)`,
      vm.name,
    );
    if (!typed) return { outcome: 'cancelled' };
    const fresh: Journal<ReprovisionState> = {
      kind: KIND,
      target: vm.name,
      command: COMMAND,
      title: `Re-provision ${vm.name}`,
      startedAt: Date.now(),
      done: [],
      state: {
        vm: plan.vm,
        via: plan.via,
        runners: plan.runners.map((r) => ({ id: r.id, description: r.description, tags: r.tags })),
        acceptOutage,
        metadata: plan.metadata,
        version: plan.version,
        pausedBefore: plan.runners.filter((r) => r.paused).map((r) => r.id),
        times: {},
      },
    };
    return await run(services, opened, fresh, options, auditFile);
  } catch (error) {
    showActionError('Re-provisioning could not start', error, services.failures.record);
    return { outcome: 'failed', message: (error as Error).message };
  } finally {
    opened.close();
  }
}

/** The VM from a row, from a script or a stale resume offer (its name), or picked. */
async function targetVm(services: Services, arg: Arg, resumeKey?: string): Promise<WorkerVm | undefined> {
  if (arg && 'vm' in arg && arg.vm) return arg.vm;
  const name = resumeKey ? resumeKey.slice(journalKey(KIND, '').length) : arg && 'vmName' in arg && arg.vmName;
  if (!name) return pickVm(services, 'Re-provision which runner VM?');
  const store = services.store();
  if (!(await ensureLoaded(store, 'workers', () => store.workers.value !== undefined))) return undefined;
  const vm = store.workers.value?.find((v) => v.name === name);
  if (!vm) throw new Error(`there is no runner VM named ${name} in the Runner VMs view.`);
  return vm;
}

async function askImageTag(vmName: string, plan: ReprovisionPlan): Promise<string | undefined> {
  const tag = await vscode.window.showInputBox({
    title: `Runner image tag for ${vmName}`,
    prompt: `The new VM's ${plan.version.key} metadata; its runner must then report the version the tag names`,
    value: plan.version.after ?? '',
    validateInput: (text) => imageTagProblem(text.trim()),
  });
  return tag?.trim();
}

/**
 * The new VM's image tag and metadata. A group recreates from its own template, so its member's
 * tag comes from there and cannot be chosen here; a standalone VM keeps its metadata unless it
 * switches to another template (whose keys win) or the run names a tag.
 */
async function versionPlan(
  compute: ReprovisionCompute,
  instance: WorkerInstance,
  via: Recreation,
  key: string,
  upgrade: Upgrade,
  switched: TemplateSwitch | undefined,
): Promise<Pick<ReprovisionPlan, 'version' | 'metadata'>> {
  if (upgrade.imageTag !== undefined) {
    const problem = imageTagProblem(upgrade.imageTag);
    if (problem) throw new Error(problem);
  }
  if (via.kind === 'group') {
    if (upgrade.imageTag || upgrade.template)
      throw new Error(
        `${instance.name} is recreated by its group ${via.group} from the group's template, which sets its metadata: put the new image tag in a new template, set it on the group (gcloud compute instance-groups managed set-instance-template), then re-provision.`,
      );
    const current = await compute.groupTemplate(instance.zone, via.group);
    const items = (current && (await compute.templateMetadata(current))) || instance.metadata;
    return { version: versionChange(key, instance.metadata, items) };
  }
  let templateItems: MetadataItem[] | undefined;
  if (switched) {
    templateItems = await compute.templateMetadata(switched.after);
    if (!templateItems) throw new Error(`there is no instance template named ${switched.after} in the project.`);
  }
  const metadata = metadataAfter(instance.metadata, templateItems, key, upgrade.imageTag);
  return {
    version: versionChange(key, instance.metadata, metadata),
    metadata: switched || upgrade.imageTag ? metadata : undefined,
  };
}

async function makePlan(
  services: Services,
  { compute, gitlab }: Ports,
  vm: WorkerVm,
  options: ReprovisionOptions,
  upgrade: Upgrade,
): Promise<ReprovisionPlan | undefined> {
  const store = services.store();
  // Who else serves each tag decides the outage question: the runners as they are now, not as the
  // view last read them (a runner resumed a moment ago would still count as paused).
  if (store.runners.value !== undefined) await store.refresh('runners');
  if (!(await ensureLoaded(store, 'runners', () => store.runners.value !== undefined))) return undefined;
  if (!(await ensureLoaded(store, 'workers', () => store.workers.value !== undefined))) return undefined;
  const all = store.runners.value ?? [];
  const hosted = correlate({ vms: store.workers.value ?? [vm], runners: all }).runnersOfVm(vm.id);
  const [instance, templates] = await Promise.all([compute.instance(vm.zone, vm.name), compute.templates()]);
  if (!instance) {
    void vscode.window.showErrorMessage(`${vm.name} no longer exists in ${vm.zone}: refresh the Runner VMs view.`);
    return undefined;
  }
  const runners = await Promise.all(hosted.map((r) => gitlab.runner(r.id).then((d) => ({ ...r, ...d }))));
  const runningJobs: Job[] = (await Promise.all(runners.map((r) => gitlab.runningJobs(r.id)))).flat();
  const chosen = upgrade.template || options.instanceTemplate;
  const via = recreationOf(instance, chosen, templates);
  const switched = templateSwitch(instance, via, chosen, templates);
  return {
    vm: instance,
    via,
    templateSwitch: switched,
    ...(await versionPlan(compute, instance, via, options.imageTagMetadataKey, upgrade, switched)),
    runners,
    others: othersServing(runners, all),
    runningJobs,
    orphanedTags: runners.length ? orphanedTags(runners, all) : [],
  };
}

async function run(
  services: Services,
  { compute, gitlab, secrets }: Ports,
  journal: Journal<ReprovisionState>,
  options: ReprovisionOptions,
  auditFile: string,
): Promise<ReprovisionReport> {
  // Not finished while it runs: the walkthrough's last steps complete when this run does.
  await vscode.commands.executeCommand('setContext', 'runnerOps.reprovisionFinished', false);
  await vscode.commands.executeCommand('setContext', 'runnerOps.reprovisionRunnerOnline', false);
  const store = services.store();
  const steps = reprovisionSteps({
    compute,
    gitlab,
    secrets,
    clock: realClock,
    options,
    allRunners: async () => {
      await store.refresh('runners');
      return Promise.all((store.runners.value ?? []).map((r) => gitlab.runner(r.id).catch(() => r)));
    },
    onDrainTimeout: (jobs) => askDrain(journal.state.vm.name, jobs),
  });
  const outcome = await runWithProgress(services, {
    journal,
    steps,
    progressTitle: `Re-provisioning ${journal.state.vm.name}`,
    explain: (j) => {
      const sentence = stateSentence(j.state, j.stopped?.step);
      return j.stopped?.message.includes(sentence) ? '' : sentence;
    },
    rollBack: (j) =>
      canRollBack(j.stopped?.step) && j.state.runners.length
        ? { label: 'Roll Back (resume the runner)', run: () => rollBack(services, j) }
        : undefined,
  });
  await audit(services, gitlab, journal, outcome, auditFile);
  // Stopped before anything changed: nothing to resume, so nothing is offered at the next start
  // (once its claim, maybe set though the answer was lost, is given back).
  if (outcome.outcome !== 'done' && journal.done.length === 0 && (await claimGivenBack({ compute }, journal.state)))
    await journals(services).discard(journal);
  services.refresh();
  if (outcome.outcome === 'done') return finished(services, gitlab, journal);
  const message = journal.stopped?.message;
  return { outcome: outcome.outcome, step: 'step' in outcome ? outcome.step : undefined, message };
}

async function askDrain(vmName: string, jobs: Job[]): Promise<DrainChoice> {
  const names = jobs.map((j) => `#${j.id} ${j.name}`).join(', ');
  const choice = await pick({
    title: `Jobs still running on ${vmName}: ${names}`,
    placeHolder: 'The drain timed out. Deleting the VM now would kill them.',
    items: [
      { label: 'Wait Longer', description: 'another drain timeout', value: 'wait' as const },
      { label: 'Cancel Those Jobs', description: 'then go on', value: 'cancel' as const },
      { label: 'Stop Here', description: 'the runner stays paused', value: 'stop' as const },
    ],
    empty: '',
  });
  return choice ?? 'stop';
}

async function rollBack(services: Services, journal: Journal<ReprovisionState>): Promise<void> {
  const opened = await ports(services);
  if (!opened) return;
  try {
    for (const r of journal.state.runners) {
      if (journal.state.pausedBefore.includes(r.id)) continue;
      await opened.gitlab.setRunnerPaused(r.id, false);
      services.failures.note('info', `${journal.title}: rolled back, ${runnerRef(r)} resumed.`);
    }
    await releaseVm(opened, journal.state);
    await journals(services).discard(journal);
    void vscode.window.showInformationMessage(
      `${journal.title} rolled back: ${journal.state.runners.map(runnerRef).join(', ')} resumed; ${journal.state.vm.name} was not touched.`,
    );
    services.refresh();
  } catch (error) {
    showActionError(`Rolling back ${journal.title} failed`, error, services.failures.record);
  } finally {
    opened.close();
  }
}

/** Says what the operator can check: the runner online on the new instance, as which manager. */
async function finished(
  services: Services,
  gitlab: ReprovisionGitLab,
  journal: Journal<ReprovisionState>,
): Promise<ReprovisionReport> {
  const s = journal.state;
  const statuses = await Promise.all(s.runners.map((r) => gitlab.runner(r.id).catch(() => undefined)));
  const online = statuses.every((r) => r?.status === 'online');
  await vscode.commands.executeCommand('setContext', 'runnerOps.reprovisionFinished', true);
  await vscode.commands.executeCommand('setContext', 'runnerOps.reprovisionRunnerOnline', online);
  const runners = s.runners
    .map(
      (r, i) =>
        `${runnerRef(r)} is ${statuses[i]?.status ?? 'unknown'} as manager ${s.checkedIn?.[r.id]?.systemId ?? '?'}`,
    )
    .join('; ');
  const smoke = smokeSentence(s);
  const message = `${s.vm.name} re-provisioned: instance ${s.newVm?.id ?? '?'}${s.newVm?.internalIp ? ` (${s.newVm.internalIp})` : ''}. ${runners || 'It hosts no registered runner'}.${smoke ? ` ${smoke}` : ''}`;
  services.failures.note('info', message);
  void vscode.window.showInformationMessage(message, 'Show History').then((choice) => {
    if (choice) void showHistory(services);
  });
  return { outcome: 'done', message };
}

function auditPath(file: string): string | undefined {
  if (isAbsolute(file)) return file;
  const folder = vscode.workspace.workspaceFolders?.[0];
  return folder ? join(folder.uri.fsPath, file) : undefined;
}

async function audit(
  services: Services,
  gitlab: ReprovisionGitLab,
  journal: Journal<ReprovisionState>,
  outcome: OperationOutcome,
  file: string,
): Promise<void> {
  const path = auditPath(file);
  if (!path) {
    services.failures.note('warn', `${journal.title}: no workspace folder, so no audit record was written (${file}).`);
    return;
  }
  try {
    const user = await gitlab.username().catch(() => '');
    await mkdir(dirname(path), { recursive: true });
    await appendFile(path, `${JSON.stringify(auditRecord(journal, outcome, user, Date.now()))}\n`, 'utf8');
  } catch (error) {
    services.failures.note(
      'error',
      `${journal.title}: the audit record could not be written to ${path}: ${(error as Error).message}`,
    );
  }
}

async function showHistory(services: Services): Promise<void> {
  const { auditFile } = readReprovisionSettings(vscode.workspace.getConfiguration('runnerOps'));
  const path = auditPath(auditFile);
  if (!path) {
    void vscode.window.showInformationMessage(`Open a folder first: the history is ${auditFile} in the workspace.`);
    return;
  }
  let text = '';
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      showActionError(`Reading ${path} failed`, error, services.failures.record);
      return;
    }
  }
  await showDocument('Re-provision history.md', historyMarkdown(parseAudit(text), path));
}
