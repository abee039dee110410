// The few `vscode` classes the row builders and tree providers use, as plain data, so rows and
// views are tested in Node: a row builder is a pure function of its data, and these fakes keep
// what it set readable.
import Module from 'node:module';

export class ThemeColor {
  constructor(readonly id: string) {}
}
export class ThemeIcon {
  constructor(
    readonly id: string,
    readonly color?: ThemeColor,
  ) {}
}
export class MarkdownString {
  constructor(
    readonly value = '',
    readonly supportThemeIcons = false,
  ) {}
}
export enum TreeItemCollapsibleState {
  None = 0,
  Collapsed = 1,
  Expanded = 2,
}
export class TreeItem {
  id?: string;
  description?: string;
  tooltip?: string | MarkdownString;
  iconPath?: ThemeIcon;
  contextValue?: string;
  command?: { command: string; title: string; arguments?: unknown[] };
  resourceUri?: unknown;
  accessibilityInformation?: { label: string };
  constructor(
    readonly label: string,
    readonly collapsibleState = TreeItemCollapsibleState.None,
  ) {}
}
export const Uri = { from: (parts: Record<string, string>) => ({ ...parts, toString: () => JSON.stringify(parts) }) };
export class FileDecoration {
  constructor(
    readonly badge?: string,
    readonly tooltip?: string,
    readonly color?: ThemeColor,
  ) {}
}
/** The tree views' change events: listeners called in order, as VS Code's emitter does. */
export class EventEmitter<T> {
  private readonly listeners = new Set<(value: T) => void>();
  readonly event = (listener: (value: T) => void) => {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  };
  fire(value: T): void {
    for (const listener of this.listeners) listener(value);
  }
  dispose(): void {
    this.listeners.clear();
  }
}

/** What the views ask of the command registry (insights: whether Re-provision exists). */
export const commands = { getCommands: async () => [] as string[] };

const fake = {
  commands,
  ThemeColor,
  ThemeIcon,
  MarkdownString,
  TreeItemCollapsibleState,
  TreeItem,
  Uri,
  FileDecoration,
  EventEmitter,
};
const modules = Module as unknown as {
  _resolveFilename: (request: string, ...rest: unknown[]) => string;
  _cache: Record<string, unknown>;
};
const resolve = modules._resolveFilename;
modules._resolveFilename = function (request: string, ...rest: unknown[]) {
  return request === 'vscode' ? 'vscode' : resolve.call(this, request, ...rest);
};
(require.cache as Record<string, unknown>).vscode = { id: 'vscode', filename: 'vscode', loaded: true, exports: fake };

/** The tooltip as a user reads it: Markdown's backslash escapes removed. */
export function tooltipText(item: TreeItem): string {
  return typeof item.tooltip === 'string' ? item.tooltip : (item.tooltip?.value ?? '').replace(/\\(.)/g, '$1');
}
