// A tree view's provider created at activation that loads the extension's body on first use:
// the view exists (and activation returns) before any of the code that fills it is parsed. It
// also tells when VS Code has everything it needs to draw the view's first rows (`drawn`).
import * as vscode from 'vscode';
import { ChangePacer } from '../core/change-pacer';
import { realClock } from '../core/clock';
import { LOADING } from './placeholder';

export class DeferredTree<T> implements vscode.TreeDataProvider<T>, vscode.Disposable {
  private target: vscode.TreeDataProvider<T> | undefined;
  private readonly changed = new vscode.EventEmitter<T | T[] | undefined | null | void>();
  private pacer: ChangePacer<T> | undefined;
  private readonly tooltips = new WeakMap<vscode.TreeItem, vscode.MarkdownString>();
  private forwarding: vscode.Disposable | undefined;
  readonly onDidChangeTreeData = this.changed.event;
  /** Rows handed to VS Code as expanded whose children it has not asked for yet. */
  private readonly unfetched = new Set<T>();
  /** VS Code was handed a row that is not a placeholder ("Loading…"), or an empty root (the welcome). */
  private served = false;
  private markDrawn!: () => void;
  /**
   * Resolves once VS Code has fetched the whole first tree with rows: the roots and the children
   * of every expanded row (VS Code draws a tree only when all of it has arrived, one round trip
   * per level), so work that can wait lets these round trips go first.
   */
  readonly drawn = new Promise<void>((resolve) => (this.markDrawn = resolve));

  /** `load` brings the body in, which attaches the real provider. */
  constructor(private readonly load: () => void) {}

  attach(target: vscode.TreeDataProvider<T>, changeGapMs: number): void {
    // The first attach happens inside VS Code's first getChildren (real() loads the body), so VS
    // Code gets the real rows from that call: only a later provider needs VS Code to ask again.
    const replacing = this.target !== undefined;
    this.target = target;
    this.forwarding?.dispose();
    this.pacer?.dispose();
    const pacer = (this.pacer = new ChangePacer<T>((change) => this.changed.fire(change), changeGapMs, realClock));
    this.forwarding = target.onDidChangeTreeData?.((e) => pacer.change(e ?? undefined));
    if (replacing) pacer.change();
  }

  private real(): vscode.TreeDataProvider<T> {
    if (!this.target) this.load();
    if (!this.target) throw new Error('Runner Ops did not attach this view.');
    return this.target;
  }

  getChildren(element?: T) {
    const children = this.real().getChildren(element);
    if (element !== undefined) this.unfetched.delete(element);
    else if (Array.isArray(children) && children.length === 0) this.served = true;
    // VS Code asks for the children's items right after (microtasks): judge once it has them.
    setImmediate(() => this.judgeDrawn());
    return children;
  }

  getTreeItem(element: T) {
    const item = this.real().getTreeItem(element);
    return isThenable(item) ? item.then((i) => this.handOver(element, i)) : this.handOver(element, item);
  }

  private handOver(element: T, item: vscode.TreeItem): vscode.TreeItem {
    if (item.contextValue !== LOADING) this.served = true;
    if (item.collapsibleState === vscode.TreeItemCollapsibleState.Expanded) this.unfetched.add(element);
    return this.tooltipOnHover(item);
  }

  private judgeDrawn(): void {
    if (this.served && this.unfetched.size === 0) this.markDrawn();
  }

  /**
   * VS Code runs its Markdown lexer over every Markdown tooltip of every row it is sent (about
   * 70 ms of the extension host's thread for a sidebar of 2,000 runners): keep it back, and hand
   * it over when the row is hovered (resolveTreeItem), as VS Code allows for a tooltip left undefined.
   */
  private tooltipOnHover(item: vscode.TreeItem): vscode.TreeItem {
    if (item.tooltip instanceof vscode.MarkdownString) {
      this.tooltips.set(item, item.tooltip);
      item.tooltip = undefined;
    }
    return item;
  }

  // Declared here so VS Code knows the view supports reveal and lazy tooltips: it asks at creation.
  getParent(element: T) {
    return this.real().getParent?.(element);
  }

  resolveTreeItem(item: vscode.TreeItem, element: T, token: vscode.CancellationToken) {
    item.tooltip ??= this.tooltips.get(item);
    return this.real().resolveTreeItem?.(item, element, token) ?? item;
  }

  dispose(): void {
    this.pacer?.dispose();
    this.forwarding?.dispose();
    this.changed.dispose();
  }
}

const isThenable = <V>(value: V | Thenable<V>): value is Thenable<V> =>
  typeof (value as Thenable<V>).then === 'function';
