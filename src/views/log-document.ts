// Tails as read-only `log` documents under the runner-ops-log: scheme: the text comes from the
// session's capped buffer, job sections fold, ANSI colours are drawn as decorations over the
// stripped text, and an editor follows the end only while its end is visible.
import * as vscode from 'vscode';
import type { TextStyle } from '../core/tail/ansi';
import type { TailSession } from '../core/tail/tail-session';

export const TAIL_SCHEME = 'runner-ops-log';

/** ANSI colour names -> the terminal theme colours, so traces look as they do in a terminal. */
/** Rows above and below the visible ones that get their colours too, so a short scroll shows them at once. */
const DECORATION_MARGIN = 200;

const themeColour = (name: string) => new vscode.ThemeColor(`terminal.ansi${name[0].toUpperCase()}${name.slice(1)}`);

export class LogDocuments
  implements vscode.TextDocumentContentProvider, vscode.FoldingRangeProvider, vscode.Disposable
{
  private readonly sessions = new Map<string, TailSession>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly foldsChanged = new vscode.EventEmitter<void>();
  readonly onDidChangeFoldingRanges = this.foldsChanged.event;
  /** Editors (by document) whose end was visible at the last scroll: they keep following. */
  private readonly following = new Map<string, boolean>();
  private readonly decorationTypes = new Map<string, vscode.TextEditorDecorationType>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor() {
    this.disposables.push(
      this.changed,
      this.foldsChanged,
      vscode.workspace.registerTextDocumentContentProvider(TAIL_SCHEME, this),
      vscode.languages.registerFoldingRangeProvider({ scheme: TAIL_SCHEME }, this),
      vscode.window.onDidChangeTextEditorVisibleRanges((e) => this.trackEnd(e.textEditor)),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.document.uri.scheme === TAIL_SCHEME) this.afterUpdate(e.document);
      }),
      vscode.window.onDidChangeVisibleTextEditors((editors) => editors.forEach((e) => this.decorate(e))),
    );
  }

  add(uri: vscode.Uri, session: TailSession): void {
    const key = uri.toString();
    this.sessions.set(key, session);
    this.following.set(key, true);
    session.onDidChange(() => this.changed.fire(uri));
  }

  remove(uri: vscode.Uri): void {
    this.sessions.delete(uri.toString());
    this.following.delete(uri.toString());
  }

  get(uri: vscode.Uri): TailSession | undefined {
    return this.sessions.get(uri.toString());
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.get(uri)?.buffer.text() ?? '[this tail has ended; run the command again to reopen it]';
  }

  provideFoldingRanges(document: vscode.TextDocument): vscode.FoldingRange[] {
    const session = this.get(document.uri);
    if (!session) return [];
    const ranges: vscode.FoldingRange[] = [];
    for (const section of session.sections()) {
      const start = session.buffer.documentLine(section.startLine);
      const end = section.endLine === undefined ? document.lineCount - 1 : session.buffer.documentLine(section.endLine);
      if (start !== undefined && end !== undefined && end > start)
        ranges.push(new vscode.FoldingRange(start, end, vscode.FoldingRangeKind.Region));
    }
    return ranges;
  }

  private trackEnd(editor: vscode.TextEditor): void {
    if (editor.document.uri.scheme !== TAIL_SCHEME) return;
    const last = editor.visibleRanges[editor.visibleRanges.length - 1];
    this.following.set(editor.document.uri.toString(), !last || last.end.line >= editor.document.lineCount - 2);
    this.decorate(editor);
  }

  private afterUpdate(document: vscode.TextDocument): void {
    this.foldsChanged.fire();
    const follow = this.following.get(document.uri.toString()) ?? false;
    for (const editor of vscode.window.visibleTextEditors) {
      if (editor.document !== document) continue;
      this.decorate(editor);
      if (follow) this.followEnd(editor);
    }
  }

  /**
   * Shows the last line at column 1: revealing the end of a long last line would scroll the
   * editor sideways and hide the start of every line (time, level, the message). Text appended
   * where the cursor is drags the cursor (or grows a selection) to the end too, so a cursor at
   * the end goes back to column 1; a selection the operator made higher up stays.
   */
  private followEnd(editor: vscode.TextEditor): void {
    const start = new vscode.Position(editor.document.lineCount - 1, 0);
    const selection = editor.selection;
    if (selection.isEmpty || selection.end.line >= start.line - 1)
      editor.selection = new vscode.Selection(start, start);
    editor.revealRange(new vscode.Range(start, start), vscode.TextEditorRevealType.Default);
  }

  /**
   * Colours from the trace's styled spans, for the rows on screen and a margin around them: each
   * call sends every range again, and a coloured trace of 10,000 lines has tens of thousands.
   * Scrolling decorates the rows it brings into view.
   */
  private decorate(editor: vscode.TextEditor): void {
    const session = this.get(editor.document.uri);
    if (!session) return;
    const shown = editor.visibleRanges;
    const from = Math.max(0, (shown[0]?.start.line ?? 0) - DECORATION_MARGIN);
    const to = Math.min(
      editor.document.lineCount,
      (shown[shown.length - 1]?.end.line ?? editor.document.lineCount) + DECORATION_MARGIN + 1,
    );
    const byType = new Map<string, vscode.Range[]>();
    session.buffer.rows(from, to).forEach((line, i) => {
      const row = from + i;
      for (const span of line.spans ?? []) {
        const key = styleKey(span.style);
        if (!key) continue;
        const ranges = byType.get(key) ?? [];
        ranges.push(new vscode.Range(row, span.start, row, span.end));
        byType.set(key, ranges);
      }
    });
    for (const [key, type] of this.decorationTypes) if (!byType.has(key)) editor.setDecorations(type, []);
    for (const [key, ranges] of byType) editor.setDecorations(this.decorationType(key), ranges);
  }

  private decorationType(key: string): vscode.TextEditorDecorationType {
    let type = this.decorationTypes.get(key);
    if (!type) {
      const [fg, bold] = key.split('|');
      type = vscode.window.createTextEditorDecorationType({
        color: fg.startsWith('#') ? fg : fg ? themeColour(fg) : undefined,
        fontWeight: bold ? 'bold' : undefined,
      });
      this.decorationTypes.set(key, type);
    }
    return type;
  }

  dispose(): void {
    this.disposables.forEach((d) => d.dispose());
    this.decorationTypes.forEach((d) => d.dispose());
  }
}

function styleKey(style: TextStyle): string | undefined {
  if (!style.fg && !style.bold) return undefined;
  return `${style.fg ?? ''}|${style.bold ? 'b' : ''}`;
}
