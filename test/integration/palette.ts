// Running a command as a user does: through the command palette, with no argument.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { eventually, ui, type QuickPickSnapshot } from './bridge';

/** Runs `Runner Ops: <title>` through the command palette. */
export async function fromPalette(title: string): Promise<void> {
  const label = `Runner Ops: ${title}`;
  let palette: QuickPickSnapshot | undefined;
  // Opened right as the previous picker closes, the palette can fail to show (seen once in 89
  // tests, nothing on screen): a user would press the keys again, and so does this.
  for (let attempt = 0; attempt < 3 && !palette?.items.some((i) => i.label === label); attempt++) {
    await vscode.commands.executeCommand('workbench.action.quickOpen', `>${label}`);
    palette = await eventually(
      () => ui.quickPick(),
      (q) => Boolean(q?.items.some((i) => i.label === label)),
      5_000,
    );
  }
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
