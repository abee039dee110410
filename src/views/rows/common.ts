// Rows every view uses: a message, a loading row, a failure with the action that fixes it, and
// the one rule for a list's rows while it loads, after it failed, or when it is empty.
import * as vscode from 'vscode';
import { isFailure } from '../../core/failures';
import type { Loadable } from '../../core/loadable';
import { GLYPHS, type Glyph } from '../../core/status-table';
import { formatAgo, formatWhen } from '../../core/time-format';
import { LOADING } from '../placeholder';
import { iconOf } from './icon';

/** A row that is only a TreeItem (a message, an error), mixed into a view's own node type. */
export type ItemNode = { kind: 'item'; item: vscode.TreeItem };

export function messageRow(label: string, glyph: Glyph = GLYPHS.info, tooltip?: string): vscode.TreeItem {
  const item = new vscode.TreeItem(label);
  item.iconPath = iconOf(glyph);
  item.tooltip = tooltip;
  item.contextValue = 'message';
  return item;
}

export function loadingRow(what: string): vscode.TreeItem {
  const item = messageRow(`Loading ${what}…`, GLYPHS.loading);
  item.contextValue = LOADING;
  return item;
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

/**
 * A failed fetch: its first sentence as the label, the whole message, when the last good read
 * was and the fix in the tooltip. `lastGood.shown`: the rows of that read are still below, and
 * the description says how old they are.
 */
export function errorRow(
  error: Error,
  lastGood?: { at: number; shown: boolean },
  now: number = Date.now(),
): vscode.TreeItem {
  const { command, hint } = fixFor(error);
  const item = new vscode.TreeItem(error.message.split(/(?<=\.)\s/)[0]);
  item.iconPath = iconOf(GLYPHS.error);
  item.description = lastGood?.shown ? `showing data from ${formatAgo(lastGood.at, now)}` : command.title;
  const when = lastGood ? `Last good refresh: ${escapeMd(formatWhen(lastGood.at, now))}.` : 'No good refresh yet.';
  item.tooltip = new vscode.MarkdownString(
    `${escapeMd(error.message)}\n\n${when}\n\n${hint} Details are in the Runner Ops log.`,
  );
  item.command = command;
  item.contextValue = 'error';
  rowFailures.set(item, error);
  return item;
}

export interface ListRowsOptions<V, T> {
  /** "runners", "recent jobs": for "Loading runners…". */
  what: string;
  /** The row shown when the list is empty. */
  empty: string | vscode.TreeItem;
  rows: (value: V[]) => T[];
  /** Starts loading a list fetched on expand; omitted for lists a poller fills. */
  load?: () => void;
  /** The view's clock, for "showing data from N min ago". */
  now?: number;
}

/**
 * The rows of a fetched list: an error row first when the last fetch failed (the last known rows
 * stay below it), a loading row until the first answer, a message when it is empty.
 */
export function listRows<V, T>(list: Loadable<V[]> | undefined, o: ListRowsOptions<V, T>): Array<T | ItemNode> {
  if (o.load && !list?.value && !list?.error && !list?.loading) o.load();
  const head: ItemNode[] = list?.error ? [{ kind: 'item', item: errorRow(list.error, lastGoodOf(list), o.now) }] : [];
  if (!list?.value) return list?.error && !list.loading ? head : [...head, { kind: 'item', item: loadingRow(o.what) }];
  if (list.value.length === 0) {
    return [...head, { kind: 'item', item: typeof o.empty === 'string' ? messageRow(o.empty) : o.empty }];
  }
  return [...head, ...o.rows(list.value)];
}

/** When a list was last read well, and whether those rows are still shown (they are, while kept). */
export function lastGoodOf(list: Loadable<unknown> | undefined): { at: number; shown: boolean } | undefined {
  return list?.loadedAt === undefined ? undefined : { at: list.loadedAt, shown: list.value !== undefined };
}

/** A tooltip of labelled lines, in Markdown; empty lines are dropped. */
export function tooltip(lines: Array<string | undefined | false>, supportThemeIcons = false): vscode.MarkdownString {
  return new vscode.MarkdownString(lines.filter(Boolean).join('\n\n'), supportThemeIcons);
}

export function escapeMd(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}
