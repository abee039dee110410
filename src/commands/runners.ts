// Pause, resume, open in GitLab and copy the id of a registered runner. From a row they act on
// it; from the palette they ask which one. The pause itself is in core/fleet-actions.ts.
import * as vscode from 'vscode';
import type { Runner } from '../core/model';
import { PACE } from '../core/pace';
import { tagsLeftWithoutRunner } from '../core/runner-guard';
import { runnersByStatus, runnerStatus } from '../core/status-table';
import type { Services } from '../services';
import { confirmation } from './confirm';
import { refusedUntrusted } from './trust';
import { external } from './external';
import { ensureLoaded, pick, showActionError } from './pick';

type RunnerArg = { runner: Runner } | undefined;

const TYPE_LABEL: Record<string, string> = { instance_type: 'instance', group_type: 'group', project_type: 'project' };

export function register(context: vscode.ExtensionContext, services: Services): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('runnerOps.pauseRunner', (node: RunnerArg) =>
      refusedUntrusted('runnerOps.pauseRunner') ? undefined : setPaused(services, node, true),
    ),
    vscode.commands.registerCommand('runnerOps.resumeRunner', (node: RunnerArg) =>
      refusedUntrusted('runnerOps.resumeRunner') ? undefined : setPaused(services, node, false),
    ),
    vscode.commands.registerCommand('runnerOps.openRunnerInGitLab', async (node: RunnerArg) => {
      const runner = node?.runner ?? (await pickRunner(services, 'open'));
      if (runner) await external.open(vscode.Uri.parse(runnerPage(services, runner)));
    }),
    vscode.commands.registerCommand('runnerOps.copyRunnerId', async (node: RunnerArg) => {
      const runner = node?.runner ?? (await pickRunner(services, 'copy'));
      if (!runner) return;
      await vscode.env.clipboard.writeText(String(runner.id));
      void vscode.window.setStatusBarMessage(`Copied runner id ${runner.id}`, PACE.statusMessageMs);
    }),
  );
}

const RUNNER_PICKS = {
  pause: { title: 'Pause which runner?', fits: (r: Runner) => !r.paused, none: 'No active runner to pause' },
  resume: { title: 'Resume which runner?', fits: (r: Runner) => r.paused, none: 'No paused runner to resume' },
  open: { title: 'Open which runner in GitLab?', fits: () => true, none: 'No runner' },
  copy: { title: 'Copy the id of which runner?', fits: () => true, none: 'No runner' },
  rotate: { title: 'Rotate the token of which runner?', fits: () => true, none: 'No runner' },
} as const;

export async function pickRunner(services: Services, purpose: keyof typeof RUNNER_PICKS): Promise<Runner | undefined> {
  const store = services.store();
  if (!(await ensureLoaded(store, 'runners', () => store.runners.value !== undefined))) return undefined;
  const { title, fits, none } = RUNNER_PICKS[purpose];
  const runners = store.runners.value ?? [];
  const items = runnersByStatus(runners.filter(fits)).map((runner) => ({
    label: `#${runner.id} ${runner.description || '(no description)'}`,
    description: [
      runnerStatus(runner).label,
      TYPE_LABEL[runner.type] ?? runner.type,
      runner.tags.length ? runner.tags.join(', ') : 'untagged',
    ].join(' · '),
    value: runner,
  }));
  const projects = (store.projects.value ?? []).map((p) => p.path).join(', ');
  return pick({
    title,
    placeHolder: 'Runners of the configured projects, problems first',
    items,
    empty: `${none} among the ${runners.length} runner${runners.length === 1 ? '' : 's'} of ${projects}.`,
  });
}

async function setPaused(services: Services, node: RunnerArg, paused: boolean): Promise<boolean> {
  const runner = node?.runner ?? (await pickRunner(services, paused ? 'pause' : 'resume'));
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
  try {
    const { runner: updated, already } = await services.actions.setRunnerPaused(runner, paused);
    if (already) {
      void vscode.window.showInformationMessage(
        `R${name.slice(1)} was already ${paused ? 'paused' : 'resumed'}: someone else (another window or person) ${paused ? 'paused' : 'resumed'} it after this view was read. Nothing was sent.`,
      );
    } else if (paused) {
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
    showActionError(`Could not ${paused ? 'pause' : 'resume'} ${name}`, error, services.failures.record);
    return false;
  }
}

/** Its own page as GitLab listed it; the admin area for a runner known only by id. */
function runnerPage(services: Services, runner: Runner): string {
  return runner.webUrl ?? `${services.settings().gitlabUrl.replace(/\/+$/, '')}/admin/runners/${runner.id}`;
}
