// Pause, resume, open in GitLab and copy the id of a registered runner.
import * as vscode from 'vscode';
import type { Runner } from '../core/model';
import { PACE } from '../core/pace';
import { tagsLeftWithoutRunner } from '../core/runner-guard';
import type { Services } from '../services';
import { confirmation } from './confirm';

type RunnerArg = { runner: Runner } | undefined;

export function register(context: vscode.ExtensionContext, services: Services): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('runnerOps.pauseRunner', (node: RunnerArg) => setPaused(services, node, true)),
    vscode.commands.registerCommand('runnerOps.resumeRunner', (node: RunnerArg) => setPaused(services, node, false)),
    vscode.commands.registerCommand('runnerOps.openRunnerInGitLab', (node: RunnerArg) =>
      withRunner(services, node, (runner) => openRunner(services, runner)),
    ),
    vscode.commands.registerCommand('runnerOps.copyRunnerId', (node: RunnerArg) =>
      withRunner(services, node, async (runner) => {
        await vscode.env.clipboard.writeText(String(runner.id));
        void vscode.window.setStatusBarMessage(`Copied runner id ${runner.id}`, PACE.statusMessageMs);
      }),
    ),
  );
}

async function withRunner(
  services: Services,
  node: RunnerArg,
  action: (runner: Runner) => Promise<void>,
): Promise<void> {
  const runner = node?.runner ?? (await pickRunner(services));
  if (runner) await action(runner);
}

async function pickRunner(services: Services): Promise<Runner | undefined> {
  const runners = services.store().runners.value;
  if (!runners?.length) {
    void vscode.window.showWarningMessage(
      'No runners loaded yet: open the Registered Runners view (and sign in to GitLab) first.',
    );
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    runners.map((runner) => ({
      label: `#${runner.id} ${runner.description}`,
      description: `${runner.status}${runner.paused ? ', paused' : ''}`,
      runner,
    })),
    { placeHolder: 'Choose a runner' },
  );
  return picked?.runner;
}

async function setPaused(services: Services, node: RunnerArg, paused: boolean): Promise<boolean> {
  const runner = node?.runner ?? (await pickRunner(services));
  if (!runner) return false;
  const store = services.store();
  const name = `runner #${runner.id}${runner.description ? ` '${runner.description}'` : ''}`;
  if (paused) {
    const orphaned = tagsLeftWithoutRunner(runner, store.runners.value ?? [runner]);
    if (orphaned.length) {
      const confirmed = await confirmation.ask(
        `Pause ${name}? It is the last online runner for ${orphaned.map((t) => `"${t}"`).join(', ')}: jobs needing ${orphaned.length === 1 ? 'it' : 'them'} will wait until a runner is resumed.`,
        'Pause Anyway',
      );
      if (!confirmed) return false;
    }
  }
  const gitlab = await store.gitlab();
  if (!gitlab) {
    void vscode.window
      .showErrorMessage('Sign in to GitLab first.', 'Sign In')
      .then((c) => c && vscode.commands.executeCommand('runnerOps.signIn'));
    return false;
  }
  store.setBusy(`runner:${runner.id}`, paused ? 'Pausing…' : 'Resuming…', 'runners');
  try {
    const updated = await gitlab.setRunnerPaused(runner.id, paused);
    store.updateRunner(updated);
    if (paused) {
      // A paused runner is never left without saying so: offer the way back right here.
      void vscode.window
        .showInformationMessage(`Paused ${name}: it picks no new jobs until resumed.`, 'Resume')
        .then((choice) => {
          if (choice === 'Resume') void setPaused(services, { runner: updated }, false);
        });
    } else {
      void vscode.window.showInformationMessage(`Resumed ${name}.`);
    }
    return true;
  } catch (error) {
    services.failures.record(error as Error);
    void vscode.window.showErrorMessage(
      `Could not ${paused ? 'pause' : 'resume'} ${name}: ${(error as Error).message}`,
    );
    return false;
  } finally {
    store.setBusy(`runner:${runner.id}`, undefined, 'runners');
    void store.refresh('runners');
  }
}

async function openRunner(services: Services, runner: Runner): Promise<void> {
  const base = services.settings().gitlabUrl.replace(/\/+$/, '');
  const project = services.store().projects.value?.[0];
  const url =
    runner.type === 'project_type' && project
      ? `${project.webUrl}/-/runners/${runner.id}`
      : runner.type === 'group_type' && project
        ? `${base}/groups/${project.path.split('/').slice(0, -1).join('/')}/-/runners/${runner.id}`
        : `${base}/admin/runners/${runner.id}`;
  await vscode.env.openExternal(vscode.Uri.parse(url));
}
