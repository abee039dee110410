// Rotate Runner Token: from a runner row or the palette. Finds the VM and its config.toml, shows
// the plan, asks for the runner's name typed back, runs src/core/token-rotation.ts with progress,
// then says the runner stays offline until the worker restarts (offering Re-provision Worker
// when that command exists). A write that fails after the reset is retried from memory; a token
// lost to a reload is said plainly, with the way out.
import * as vscode from 'vscode';
import { refusedUntrusted } from './trust';
import { correlate } from '../core/correlate';
import type { Runner } from '../core/model';
import { journalKey, type Journal } from '../core/operation';
import {
  doneSentence,
  lostSentence,
  planMarkdown,
  planRotation,
  rotationSteps,
  writeFailedSentence,
  TokenLost,
  TokenVault,
  ROTATE_TOKEN_KIND,
  type RotationState,
} from '../core/token-rotation';
import { loadGitLab } from '../lazy';
import type { Services } from '../services';
import { confirmByTypingName, journals, runWithProgress, showDocument } from './operation-ui';
import { askToSignIn, ensureLoaded, showActionError } from './pick';
import { pickRunner } from './runners';
import { writableStore } from './secret-write';

const COMMAND = 'runnerOps.rotateRunnerToken';
const REPROVISION = 'runnerOps.reprovisionWorker';

/** New tokens between reset and write: this window's memory, nowhere else. */
const vault = new TokenVault();

type Arg = { runner: Runner } | { resume: string } | undefined;

export interface RotationReport {
  outcome: 'done' | 'cancelled' | 'failed' | 'refused';
  /** The config.toml generation holding the new token. */
  generation?: string;
}

export function register(context: vscode.ExtensionContext, services: Services): void {
  context.subscriptions.push(vscode.commands.registerCommand(COMMAND, (arg: Arg) => rotate(services, arg)));
}

const targetOf = (runnerId: number) => `runner-${runnerId}`;

async function rotate(services: Services, arg: Arg): Promise<RotationReport> {
  if (refusedUntrusted(COMMAND)) return { outcome: 'refused' };
  if (arg && 'resume' in arg) {
    const journal = journals(services).get<RotationState>(arg.resume);
    if (!journal) {
      void vscode.window.showInformationMessage('That token rotation is no longer unfinished: nothing to resume.');
      return { outcome: 'cancelled' };
    }
    return run(services, journal);
  }
  const runner = arg?.runner ?? (await pickRunner(services, 'rotate'));
  if (!runner) return { outcome: 'cancelled' };
  const unfinished = journals(services).find<RotationState>(ROTATE_TOKEN_KIND, targetOf(runner.id));
  if (unfinished) {
    const choice = await vscode.window.showWarningMessage(
      `${unfinished.title} is unfinished (${unfinished.done.length} of 3 steps done). Resume it?`,
      'Resume',
      'Start Over',
    );
    if (choice === 'Resume') return run(services, unfinished);
    if (choice !== 'Start Over') return { outcome: 'cancelled' };
    await journals(services).discard(unfinished);
  }
  return planAndRun(services, runner);
}

async function planAndRun(services: Services, runner: Runner): Promise<RotationReport> {
  const secrets = await writableStore(services, COMMAND);
  if (!secrets) return { outcome: 'refused' };
  if (!(await services.gitlabSession())) {
    askToSignIn('Sign in to GitLab first: resetting a runner token needs an api-scoped token.');
    return { outcome: 'refused' };
  }
  const fleet = services.store();
  for (const area of ['runners', 'workers'] as const)
    if (!(await ensureLoaded(fleet, area, () => fleet[area].value !== undefined))) return { outcome: 'refused' };
  const settings = services.settings();
  let state: RotationState | string;
  try {
    state = await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: `Checking ${runner.description || runner.id}'s config.toml…`,
      },
      async () =>
        planRotation(await secrets.port(), {
          runner,
          links: correlate({ vms: fleet.workers.value ?? [], runners: fleet.runners.value }),
          secrets: secrets.state.secrets ?? [],
          prefix: secrets.prefix,
          bucket: settings.secretsBucket,
          gitlabUrl: settings.gitlabUrl,
        }),
    );
  } catch (error) {
    showActionError(
      `Nothing was changed: the token of runner #${runner.id} could not be planned`,
      error,
      services.failures.record,
    );
    return { outcome: 'failed' };
  }
  if (typeof state === 'string') {
    void vscode.window.showErrorMessage(state);
    return { outcome: 'refused' };
  }
  const current = secrets.state.secrets?.find((s) => s.name === (state as RotationState).objectName)?.current;
  await showDocument(
    `Plan: rotate the token of runner #${runner.id}.md`,
    planMarkdown(state, Date.now(), current?.updatedAt ?? NaN),
  );
  const name = runner.description || `#${runner.id}`;
  const confirmed = await confirmByTypingName(
    'Rotate Runner Token',
    `Type ${name} to reset its token: the runner stays offline until ${state.vm.name} restarts with the new config.toml.`,
    name,
  );
  if (!confirmed) return { outcome: 'cancelled' };
  const journal: Journal<RotationState> = {
    kind: ROTATE_TOKEN_KIND,
    target: targetOf(runner.id),
    command: COMMAND,
    title: `Rotate the token of ${state.runnerName}`,
    startedAt: Date.now(),
    done: [],
    state,
  };
  return run(services, journal);
}

async function run(services: Services, journal: Journal<RotationState>): Promise<RotationReport> {
  const session = await services.gitlabSession();
  const secrets = services.secrets();
  if (!session || !secrets) {
    askToSignIn(`${journal.title} needs GitLab and the secrets configured: sign in, then resume it.`);
    return { outcome: 'refused' };
  }
  const { RunnerTokens } = await loadGitLab();
  const key = journalKey(journal.kind, journal.target);
  const steps = rotationSteps({
    secrets: await secrets.port(),
    gitlab: new RunnerTokens(session.url, session.token, session.caFile),
    vault,
    key,
    now: Date.now,
  });
  const outcome = await runWithProgress(services, { journal, steps, progressTitle: journal.title, explainsStop: true });
  void secrets.refresh();
  const state = journal.state;
  if (outcome.outcome === 'done') {
    services.tokenDrift.forget(state.objectName);
    services.failures.note('info', doneSentence(state));
    void offerRestart(services, state);
    return { outcome: 'done', generation: state.written };
  }
  const error = outcome.outcome === 'failed' ? outcome.error : new Error('Cancelled by the operator.');
  if (error instanceof TokenLost) {
    services.failures.note('error', lostSentence(error));
    const choice = await vscode.window.showErrorMessage(lostSentence(error), 'Rotate Again');
    await journals(services).discard(journal);
    const runner = services.store().runners.value?.find((r) => r.id === state.runnerId);
    if (choice && runner) return planAndRun(services, runner);
    return { outcome: 'failed' };
  }
  if (journal.done.includes('reset') && !journal.done.includes('write') && vault.get(key)) {
    const said = writeFailedSentence(state, error.message);
    services.failures.note('error', said);
    const choice = await vscode.window.showErrorMessage(said, 'Retry Write', 'Show Log');
    if (choice === 'Show Log') void services.failures.showDetails();
    if (choice !== 'Retry Write') return { outcome: outcome.outcome };
    // Another writer may have added a generation: the edit applies to whatever is current now.
    await secrets.refresh();
    state.generation =
      secrets.state.secrets?.find((s) => s.name === state.objectName)?.current.generation ?? state.generation;
    return run(services, journal);
  }
  const where = journal.done.includes('write')
    ? `the new token is in ${state.label} generation ${state.written}, but checking it with GitLab failed: ${error.message}`
    : `nothing was changed: ${error.message}`;
  const choice = await vscode.window.showErrorMessage(`${journal.title} stopped: ${where}`, 'Resume', 'Show Log');
  if (choice === 'Show Log') void services.failures.showDetails();
  if (choice === 'Resume') return run(services, journal);
  return { outcome: outcome.outcome };
}

/** The runner is offline until its worker restarts: say so, and offer Re-provision Worker when it exists. */
async function offerRestart(services: Services, state: RotationState): Promise<void> {
  const available = (await vscode.commands.getCommands(true)).includes(REPROVISION);
  const how = available ? '' : ` Restart it: gcloud compute instances reset ${state.vm.name} --zone ${state.vm.zone}.`;
  const choice = await vscode.window.showInformationMessage(
    `${doneSentence(state)}${how}`,
    ...(available ? ['Re-provision Worker'] : []),
  );
  if (!choice) return;
  const vm = services.store().workers.value?.find((v) => v.name === state.vm.name && v.zone === state.vm.zone);
  void vscode.commands.executeCommand(REPROVISION, vm ? { kind: 'vm', vm } : undefined);
}
