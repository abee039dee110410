// Inside the extension host, the tests ask the harness (which drives the real workbench in
// Chromium) what the user sees. Absent under @vscode/test-electron: UI checks are skipped there.
import * as vscode from 'vscode';

export interface ViewSnapshot {
  title: string;
  expanded: boolean;
  welcome: string;
  rows: Array<{ label: string; text: string; description: string; level: number; icon: string }>;
}

const bridgeUrl = process.env.RUNNER_OPS_UI_BRIDGE;

export const hasUi = Boolean(bridgeUrl);

async function call<T>(op: string, args: Record<string, unknown> = {}): Promise<T> {
  if (!bridgeUrl) throw new Error('no UI bridge: run the suite with scripts/test-in-code-server.mjs');
  const response = await fetch(bridgeUrl, {
    method: 'POST',
    body: JSON.stringify({ op, ...args }),
    headers: { 'content-type': 'application/json' },
    signal: AbortSignal.timeout(30_000),
  });
  const body = (await response.json()) as { ok: boolean; result?: T; error?: string };
  if (!body.ok) throw new Error(`UI bridge ${op} failed: ${body.error}`);
  return body.result as T;
}

export interface QuickPickSnapshot {
  title: string;
  placeholder: string;
  /** What is typed in its box (the palette's `>` filter). */
  value: string;
  items: Array<{ label: string; description: string }>;
}

export const hello = (meta: { vscodeVersion: string; appName: string }) => call<void>('hello', meta);

export const ui = {
  openContainer: () => call<void>('openContainer'),
  readView: (title: string) => call<ViewSnapshot>('readView', { title }),
  /** Every notification of this session, toasts and those already gone from view (the center). */
  notifications: async () => {
    await vscode.commands.executeCommand('notifications.showList');
    try {
      return await call<string[]>('notifications');
    } finally {
      await vscode.commands.executeCommand('notifications.hideList');
    }
  },
  clearNotifications: async () => {
    await vscode.commands.executeCommand('notifications.clearAll');
  },
  /** Saves a screenshot of the workbench as test-results/<name>.png; returns its path. */
  screenshot: (name: string) => call<string>('screenshot', { name }),
  /** The open walkthrough's steps as shown: id (after the last '#'), title, and whether checked. */
  walkthroughSteps: () => call<Array<{ id: string; title: string; checked: boolean }>>('walkthroughSteps'),
  /** Every text the workbench renders now: what a screenshot shows, scrolled-away parts included. */
  pageText: () => call<string>('pageText'),
  clickRow: (title: string, label: string) => call<void>('clickRow', { title, label }),
  /** Hovers the row and clicks its inline action (by its title, e.g. "Show Failure Details"). */
  clickRowAction: (title: string, label: string, action: string) =>
    call<void>('clickRowAction', { title, label, action }),
  /** The quick pick on screen (rows: the first screenful, `text` as a screen reader hears it). */
  quickInput: () =>
    call<{
      visible: boolean;
      title: string;
      placeholder: string;
      value: string;
      /** An input box's prompt (or its validation message). */
      message: string;
      rows: Array<{ label: string; description: string; text: string }>;
    }>('quickInput'),
  /** The active editor: its sideways scroll in px (0 = the start of lines shows) and the status bar's cursor. */
  activeEditor: () => call<{ sliderLeft: number; contentLeft: number; cursor: string }>('activeEditor'),
  /** Expands the row whose label starts with `label` unless it is expanded already. */
  expandRow: (title: string, label: string) => call<void>('expandRow', { title, label }),
  /** The tooltip a user sees when hovering the row whose label starts with `label`. */
  hoverRow: (title: string, label: string) => call<string>('hoverRow', { title, label }),
  /** The quick pick on screen (a command's picker or the palette), or undefined. */
  quickPick: async (): Promise<QuickPickSnapshot | undefined> => {
    const shown = await ui.quickInput();
    return shown.visible
      ? { title: shown.title, placeholder: shown.placeholder, value: shown.value, items: shown.rows }
      : undefined;
  },
  /** Clicks the quick pick item whose label starts with `label`, as a user would. */
  choosePick: (label: string) => call<void>('choosePick', { label }),
  /** Types into the open quick input (an input box or a picker's filter) and, unless told not to, presses Enter. */
  typeInput: (text: string, submit = true) => call<void>('typeInput', { text, submit }),
  /** Clicks a button of a notification, from the center (a toast may already be gone). */
  clickNotificationButton: async (message: string, button: string) => {
    await vscode.commands.executeCommand('notifications.showList');
    try {
      await call<void>('clickNotificationButton', { message, button });
    } finally {
      await vscode.commands.executeCommand('notifications.hideList');
    }
  },
  /** The demo sandbox in a process of the harness, so that it outlives a window reload (scripts/reload-continuation.mjs). */
  sandboxProcess: () => call<{ url: string; gitlabToken: string; settings: Record<string, unknown> }>('sandboxProcess'),
  stopSandboxProcess: () => call<void>('stopSandboxProcess'),
  /** Asks the harness to reload the window once the suites ran, and to run `value.grep` after it. */
  continueAfterReload: (value: { grep: string } & Record<string, unknown>) =>
    call<void>('continueAfterReload', { value }),
  continuation: () =>
    call<{ value: ({ grep: string } & Record<string, unknown>) | null; reloaded: boolean }>('continuation'),
  /** True, once, when a test asked for a reload: the run goes on in the reloaded window. */
  reloadPending: () => call<boolean>('reloadPending'),
  /** Reports a finished test to the harness, which prints the run's summary. */
  report: (result: { title: string; state: string; error?: string; ms?: number }) => call<void>('report', result),
};

/** Polls `read` until `accept` holds or the time is up; returns the last value read. */
export async function eventually<T>(
  read: () => Promise<T>,
  accept: (value: T) => boolean,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!accept(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    value = await read();
  }
  return value;
}
