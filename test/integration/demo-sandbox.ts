// A suite's world: the demo sandbox started, the settings pointing at it, signed in when asked,
// the Runner Ops container open; all undone when the suite ends.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { startSandbox, type Sandbox } from '../sandbox/server';
import { hasUi, ui } from './bridge';
import { applySettings, clearSettings } from './settings';

export function useDemoSandbox(options: { signIn: boolean }): () => Sandbox {
  let sandbox: Sandbox | undefined;
  suiteSetup(async function () {
    await vscode.extensions.getExtension('runner-ops.runner-ops')!.activate();
    if (!hasUi) this.skip();
    sandbox = await startSandbox({ seed: 'demo' });
    await pointAt(sandbox, options);
  });
  suiteTeardown(async () => {
    if (!sandbox) return;
    await vscode.commands.executeCommand('runnerOps.signOut');
    await clearSettings(sandbox.settings);
    await sandbox.close();
  });
  return () => {
    if (!sandbox) throw new Error('the demo sandbox starts in suiteSetup');
    return sandbox;
  };
}

/** The settings pointing at `sandbox`, signed in when asked, no notification left, the Runner Ops container open. */
export async function pointAt(
  sandbox: Pick<Sandbox, 'url' | 'gitlabToken' | 'settings'>,
  options: { signIn: boolean },
): Promise<void> {
  await applySettings(sandbox.settings);
  if (options.signIn) {
    const signedIn = await vscode.commands.executeCommand<{ ok: boolean }>('runnerOps.signIn', {
      url: sandbox.url,
      token: sandbox.gitlabToken,
    });
    assert.equal(signedIn.ok, true);
  }
  await ui.clearNotifications();
  await ui.openContainer();
}
