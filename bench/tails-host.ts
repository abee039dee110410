// The extension host's side of a tail update, in plain Node, for bench/tails-probe.ts: a `vscode`
// with the few APIs src/views/log-document.ts uses, doing what VS Code 1.100's extension host
// does with them (read from its extHostProcess.js):
// - a content provider's onDidChange: the host asks the provider for the whole text, splits it
//   into lines and compares them with its copy of the document (equalLines); if they differ, the
//   whole string goes to the renderer ($onVirtualDocumentChange: serialized here);
// - the renderer applies the difference and sends the edit back; the host updates its copy and
//   fires onDidChangeTextDocument;
// - onDidChangeFoldingRanges makes the renderer ask for the folding ranges; setDecorations,
//   selection and revealRange send their arguments (serialized here).
// Not modelled: the renderer's own work (diffing, tokenizing, painting), which is not the
// extension host's CPU.
import Module from 'node:module';

type Listener<T> = (value: T) => void;

class EventEmitter<T> {
  private readonly listeners = new Set<Listener<T>>();
  readonly event = (listener: Listener<T>) => {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  };
  fire(value: T): void {
    for (const listener of [...this.listeners]) listener(value);
  }
  dispose(): void {
    this.listeners.clear();
  }
}

class Position {
  constructor(
    readonly line: number,
    readonly character: number,
  ) {}
}
class Range {
  readonly start: Position;
  readonly end: Position;
  constructor(a: number | Position, b: number | Position, c?: number, d?: number) {
    this.start = typeof a === 'number' ? new Position(a, b as number) : a;
    this.end = typeof a === 'number' ? new Position(c as number, d as number) : (b as Position);
  }
}
class Selection extends Range {
  get isEmpty(): boolean {
    return this.start.line === this.end.line && this.start.character === this.end.character;
  }
}
class FoldingRange {
  constructor(
    readonly start: number,
    readonly end: number,
    readonly kind?: number,
  ) {}
}
class ThemeColor {
  constructor(readonly id: string) {}
}

/** What crossed to the renderer, in bytes of JSON: the RPC protocol serializes every argument. */
export const traffic = { bytes: 0, messages: 0 };
const send = (...args: unknown[]) => {
  traffic.bytes += JSON.stringify(args).length;
  traffic.messages++;
};

interface Uri {
  scheme: string;
  path: string;
  toString(): string;
}

class FakeDocument {
  lines: string[] = [];
  constructor(readonly uri: Uri) {}
  get lineCount(): number {
    return this.lines.length;
  }
}

class FakeEditor {
  private current = new Selection(0, 0, 0, 0);
  constructor(
    readonly document: FakeDocument,
    /** Rows the editor shows. */
    private readonly rows: number,
  ) {}
  get visibleRanges(): Range[] {
    const last = Math.max(0, this.document.lineCount - 1);
    return [new Range(Math.max(0, last - this.rows + 1), 0, last, 0)];
  }
  get selection(): Selection {
    return this.current;
  }
  set selection(value: Selection) {
    this.current = value;
    send('selection', value);
  }
  setDecorations(type: { key: string }, ranges: Range[]): void {
    send('decorations', type.key, ranges);
  }
  revealRange(range: Range, how: number): void {
    send('reveal', range, how);
  }
}

interface ContentProvider {
  onDidChange?: (listener: Listener<Uri>) => unknown;
  provideTextDocumentContent(uri: Uri): string;
}
interface FoldingProvider {
  onDidChangeFoldingRanges?: (listener: Listener<void>) => unknown;
  provideFoldingRanges(document: FakeDocument): FoldingRange[];
}

const documentChanged = new EventEmitter<{ document: FakeDocument }>();
const visibleEditorsChanged = new EventEmitter<FakeEditor[]>();
const editors: FakeEditor[] = [];
let decorationTypes = 0;

/** Opens `uri` in an editor showing `rows` rows, as showTextDocument would, once the provider is registered. */
export function openEditor(uri: Uri, rows = 40): FakeDocument {
  const document = new FakeDocument(uri);
  document.lines = provider!.provideTextDocumentContent(uri).split(/\r\n|\r|\n/);
  editors.push(new FakeEditor(document, rows));
  visibleEditorsChanged.fire([...editors]);
  return document;
}

let provider: ContentProvider | undefined;

const vscode = {
  EventEmitter,
  Position,
  Range,
  Selection,
  FoldingRange,
  FoldingRangeKind: { Comment: 1, Imports: 2, Region: 3 },
  TextEditorRevealType: { Default: 0 },
  ThemeColor,
  workspace: {
    registerTextDocumentContentProvider(_scheme: string, p: ContentProvider) {
      provider = p;
      p.onDidChange?.((uri) => {
        const document = editors.find((e) => e.document.uri.toString() === uri.toString())?.document;
        if (!document) return;
        const text = p.provideTextDocumentContent(uri);
        const lines = text.split(/\r\n|\r|\n/);
        if (lines.length === document.lines.length && lines.every((l, i) => l === document.lines[i])) return;
        send('$onVirtualDocumentChange', uri.toString(), text);
        document.lines = lines;
        documentChanged.fire({ document });
      });
      return { dispose: () => (provider = undefined) };
    },
    onDidChangeTextDocument: documentChanged.event,
  },
  languages: {
    registerFoldingRangeProvider(_selector: unknown, p: FoldingProvider) {
      p.onDidChangeFoldingRanges?.(() => {
        for (const editor of editors) send('folding', p.provideFoldingRanges(editor.document));
      });
      return { dispose: () => undefined };
    },
  },
  window: {
    get visibleTextEditors() {
      return editors;
    },
    onDidChangeTextEditorVisibleRanges: () => ({ dispose: () => undefined }),
    onDidChangeVisibleTextEditors: visibleEditorsChanged.event,
    createTextEditorDecorationType: () => ({ key: `decoration-${decorationTypes++}`, dispose: () => undefined }),
  },
};

const modules = Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string };
const resolve = modules._resolveFilename;
modules._resolveFilename = function (request: string, ...rest: unknown[]) {
  return request === 'vscode' ? 'vscode' : resolve.call(this, request, ...rest);
};
(require.cache as Record<string, unknown>).vscode = { id: 'vscode', filename: 'vscode', loaded: true, exports: vscode };
