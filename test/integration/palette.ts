// Running a command as a user does: through the command palette, with no argument.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { eventually, ui, type QuickPickSnapshot } from './bridge';

/** Runs `Runner Ops: <title>` through the command palette. */
export async function fromPalette(title: string): Promise<void> {
  const label = `Runner Ops: ${title}`;
  await vscode.commands.executeCommand('workbench.action.quickOpen', `>${label}`);
  const palette = await eventually(
    () => ui.quickPick(),
    (q) => Boolean(q?.items.some((i) => i.label === label)),
    15_000,
  );
  assert.ok(
    palette?.items.some((i) => i.label === label),
    `the palette offers "${label}": ${JSON.stringify(palette?.items)}`,
  );
  await ui.choosePick(label);
}

/** Waits for the quick pick titled `title` to show its items, and returns what it shows. */
export async function untilPick(title: string): Promise<QuickPickSnapshot> {
  const shown = await eventually(
    () => ui.quickPick(),
    (q) => q?.title === title && q.items.length > 0,
    15_000,
  );
  assert.ok(shown && shown.title === title, `expected the picker "${title}", saw ${JSON.stringify(shown)}`);
  return shown;
}
