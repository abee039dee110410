// In an untrusted workspace Runner Ops only reads. Every command that changes something (on
// GitLab, on Google Cloud, in the secrets, or where the token goes) is left out of the views'
// menus there (package.json: `isWorkspaceTrusted`), and invoked any other way (the palette, a
// keybinding, a link, a resume offer) it refuses and says why.
import * as vscode from 'vscode';

/** What each of them would do, for the message. test/unit/manifest/trust.test.ts holds package.json to this list. */
export const CHANGING_COMMANDS = {
  'runnerOps.pauseRunner': 'Pausing a runner',
  'runnerOps.resumeRunner': 'Resuming a runner',
  'runnerOps.retryPipeline': 'Retrying a pipeline',
  'runnerOps.cancelPipeline': 'Canceling a pipeline',
  'runnerOps.runSchedule': 'Running a pipeline schedule',
  'runnerOps.reprovisionWorker': 'Re-provisioning a worker',
  'runnerOps.rotateSecrets': 'Rotating the key',
  'runnerOps.rotateRunnerToken': 'Rotating a runner token',
  'runnerOps.updateSecret': 'Changing a secret',
  'runnerOps.rollbackSecret': 'Rolling back a secret',
  'runnerOps.revealSecret': 'Revealing a secret',
  'runnerOps.applyCheckFix': 'Applying a fix',
  'runnerOps.allowWorkspaceGitLab': "Sending your saved token to this workspace's GitLab server",
} as const;

export type ChangingCommand = keyof typeof CHANGING_COMMANDS;

const MANAGE = 'Manage Workspace Trust';

/** True, after saying why, when this workspace may not run `command`. */
export function refusedUntrusted(command: ChangingCommand): boolean {
  if (vscode.workspace.isTrusted) return false;
  void Promise.resolve(
    vscode.window.showErrorMessage(
      `${CHANGING_COMMANDS[command]} is disabled in an untrusted workspace: Runner Ops only reads here. Trust this workspace first (${MANAGE}).`,
      MANAGE,
    ),
  ).then((choice) => {
    if (choice === MANAGE) void vscode.commands.executeCommand('workbench.trust.manage');
  });
  return true;
}
