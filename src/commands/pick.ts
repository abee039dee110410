// How commands run from the palette ask for their target: a titled quick pick over what the
// store has loaded (loading it first when no view has), or a message saying why there is none.
import * as vscode from 'vscode';
import { isFailure, type FailureSink } from '../core/failures';
import type { FleetArea, FleetStore } from '../core/fleet-store';

/** An action that needs GitLab, without a session: say so and offer the way in. */
export function askToSignIn(message = 'Sign in to GitLab first.'): void {
  void vscode.window
    .showWarningMessage(message, 'Sign In')
    .then((choice) => choice && vscode.commands.executeCommand('runnerOps.signIn'));
}

/** A failed action: logged, then said (what failed and why), with "Sign In" when the token is the cause. */
export function showActionError(what: string, error: unknown, record: FailureSink): void {
  record(error instanceof Error ? error : new Error(String(error)));
  const message = `${what}: ${error instanceof Error ? error.message : String(error)}`;
  if (isFailure(error) && error.source === 'gitlab' && error.kind === 'unauthorized') askToSignIn(message);
  else void vscode.window.showErrorMessage(message);
}

export interface PickItem<T> extends vscode.QuickPickItem {
  value: T;
}

export interface PickRequest<T> {
  title: string;
  placeHolder: string;
  items: Array<PickItem<T>>;
  /** Said instead of showing an empty list: why there is nothing to choose. */
  empty: string;
}

export async function pick<T>(request: PickRequest<T>): Promise<T | undefined> {
  if (!request.items.length) {
    void vscode.window.showInformationMessage(request.empty);
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(request.items, {
    title: request.title,
    placeHolder: request.placeHolder,
    matchOnDescription: true,
  });
  return picked?.value;
}

/**
 * Makes sure an area is loaded (no view may have shown it yet). False, after saying why, when
 * its source is not configured, signed out or failed.
 */
export async function ensureLoaded(store: FleetStore, area: FleetArea, loaded: () => boolean): Promise<boolean> {
  if (!loaded()) {
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: `Runner Ops: loading ${area}` },
      () => store.refresh(area),
    );
  }
  if (area === 'workers' && store.computeAvailable === false) {
    void vscode.window
      .showWarningMessage('Google Cloud is not configured: set runnerOps.gcp.project first.', 'Open Settings')
      .then((choice) => choice && vscode.commands.executeCommand('runnerOps.openSettings', 'runnerOps.gcp'));
    return false;
  }
  if (area !== 'workers' && store.gitlabAvailable === false) {
    askToSignIn();
    return false;
  }
  const error = store.errorOf([area]);
  if (error && !loaded()) {
    void vscode.window.showErrorMessage(error.message);
    return false;
  }
  return true;
}
