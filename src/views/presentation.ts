// The only place views turn core presentations into VS Code icons, and failures into rows.
import * as vscode from 'vscode';
import { isFailure } from '../core/failures';
import type { StatusPresentation } from '../core/status-table';

export function statusIcon(status: StatusPresentation): vscode.ThemeIcon {
  return new vscode.ThemeIcon(status.icon, status.color ? new vscode.ThemeColor(status.color) : undefined);
}

const SIGN_IN = { title: 'Sign in', command: 'runnerOps.signIn' };
const GCP_SETTINGS = { title: 'Open settings', command: 'runnerOps.openSettings', arguments: ['runnerOps.gcp'] };

/** What fixes a failure, as the row's click action. */
function fixFor(error: Error): { command: vscode.Command; hint: string } {
  const kind = isFailure(error) ? error.kind : undefined;
  const google = isFailure(error) && error.source !== 'gitlab';
  switch (kind) {
    case 'unauthorized':
      return google
        ? { command: GCP_SETTINGS, hint: 'Click to check the Google Cloud settings.' }
        : { command: SIGN_IN, hint: 'Click to sign in again.' };
    case 'forbidden':
      return google
        ? { command: GCP_SETTINGS, hint: 'Click to check the Google Cloud settings.' }
        : { command: SIGN_IN, hint: 'Click to sign in with a token that has the api scope.' };
    case 'not-found':
      return {
        command: { title: 'Open settings', command: 'runnerOps.openSettings', arguments: ['runnerOps'] },
        hint: 'Click to check the settings.',
      };
    case 'api-disabled':
      return { command: GCP_SETTINGS, hint: 'Click to check the Google Cloud settings.' };
    default:
      return { command: { title: 'Retry', command: 'runnerOps.refresh' }, hint: 'Click to retry.' };
  }
}

/** The failure each error row shows, for "Show Failure Details" (which gets the row, not the error). */
const rowFailures = new WeakMap<vscode.TreeItem, Error>();

export function failureOfRow(item: vscode.TreeItem): Error | undefined {
  return rowFailures.get(item);
}

export function errorItem(error: Error, stale: boolean): vscode.TreeItem {
  const { command, hint } = fixFor(error);
  const item = new vscode.TreeItem(error.message.split(/(?<=\.)\s/)[0]);
  item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground'));
  item.description = stale ? 'showing last known data' : command.title;
  item.tooltip = new vscode.MarkdownString(`${escapeMd(error.message)}\n\n${hint} Details are in the Runner Ops log.`);
  item.command = command;
  item.contextValue = 'error';
  rowFailures.set(item, error);
  return item;
}

export function messageItem(label: string, icon = 'info', tooltip?: string): vscode.TreeItem {
  const item = new vscode.TreeItem(label);
  item.iconPath = new vscode.ThemeIcon(icon);
  item.tooltip = tooltip;
  item.contextValue = 'message';
  return item;
}

export function loadingItem(what: string): vscode.TreeItem {
  return messageItem(`Loading ${what}…`, 'loading~spin');
}

export function escapeMd(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}
