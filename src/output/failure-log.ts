// The "Runner Ops" log: every failure once, as it happens, with its source and request (never a
// token), numbered so that an error row's "Show Failure Details" opens the log at its entry; and
// one line per change an acting command made (never a value).
import * as vscode from 'vscode';
import { describeFailure, isFailure, redactSecrets } from '../core/failures';
import { PACE } from '../core/pace';

export const LOG_NAME = 'Runner Ops';

export class FailureLog implements vscode.Disposable {
  private readonly channel = vscode.window.createOutputChannel(LOG_NAME, { log: true });
  /** Entry numbers by failure: a failure shown on several rows and re-renders is logged once. */
  private readonly entries = new WeakMap<Error, number>();
  private count = 0;
  private latest: number | undefined;

  constructor(private readonly extensionId: string) {}

  /** Logs `error` the first time it is seen; returns its entry number. */
  readonly record = (thrown: Error): number => {
    // Whatever was thrown: a WeakMap key must be an object.
    const error = typeof thrown === 'object' && thrown !== null ? thrown : new Error(String(thrown));
    const known = this.entries.get(error);
    if (known !== undefined) return known;
    const entry = ++this.count;
    this.entries.set(error, entry);
    this.latest = entry;
    const line = describeFailure(error, entry);
    if (isFailure(error) && !error.permanent) this.channel.warn(line);
    else this.channel.error(line);
    return entry;
  };

  /** What an acting command did, one line naming what and where; never a value. */
  note(level: 'info' | 'warn' | 'error', line: string): void {
    this.channel[level](redactSecrets(line));
  }

  /** Opens the log at the entry of `error`, or of the latest failure. */
  async showDetails(error?: Error): Promise<void> {
    const entry = error ? this.record(error) : this.latest;
    if (entry === undefined) {
      void vscode.window.showInformationMessage('No failure so far: the Runner Ops log has no entry to show.');
      return;
    }
    try {
      // A log channel's document is `output:<extension id>.<name>` (VS Code's own naming).
      const uri = vscode.Uri.from({ scheme: 'output', path: `${this.extensionId}.${LOG_NAME}` });
      const document = await vscode.workspace.openTextDocument(uri);
      const line = await lineOf(document, `[failure ${entry}] `);
      const at = new vscode.Range(line, 0, line, document.lineAt(line).text.length);
      const editor = await vscode.window.showTextDocument(document, { selection: at, preview: true });
      editor.revealRange(at, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    } catch {
      // Should VS Code ever name the document otherwise, the Output panel still shows the log.
      this.channel.show(true);
    }
  }

  dispose(): void {
    this.channel.dispose();
  }
}

/** The line holding `marker`, once the log has written it; the last line if it never shows. */
async function lineOf(document: vscode.TextDocument, marker: string): Promise<number> {
  const find = () => document.getText().lastIndexOf(marker);
  if (find() < 0) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, PACE.failureEntryWaitMs);
      const watch = vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.document === document && find() >= 0) done();
      });
      function done() {
        clearTimeout(timer);
        watch.dispose();
        resolve();
      }
    });
  }
  const offset = find();
  return offset < 0 ? Math.max(0, document.lineCount - 1) : document.positionAt(offset).line;
}
