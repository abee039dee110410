// A tree view's provider created at activation that loads the extension's body on first use:
// the view exists (and activation returns) before any of the code that fills it is parsed. It
// also tells when VS Code has everything it needs to draw the view's first rows (`drawn`), and
// lets VS Code's first ask for the roots wait a moment for rows rather than a "Loading…" row.
// Named imports: a plain require of the API in activation's bundle (scripts/build.mjs).
import { EventEmitter, MarkdownString, TreeItemCollapsibleState } from 'vscode';
import type * as vscode from 'vscode';
import { ChangePacer } from '../core/change-pacer';
import { realClock } from '../core/clock';
import { LOADING } from './placeholder';

export interface TreePace {
  /** At most one change per this gap reaches VS Code (core/change-pacer.ts). */
  changeGapMs: number;
  /** How long an ask for the roots that only has "Loading…" to show waits for rows. */
  firstRowsHoldMs: number;
}

/** An ask for the roots kept waiting while they are read; VS Code shows its progress bar meanwhile. */
interface HeldRoots<T> {
  rows: Promise<T[] | undefined | null>;
  answer: (rows: T[] | undefined | null) => void;
  timer: ReturnType<typeof setTimeout>;
}

export class DeferredTree<T> implements vscode.TreeDataProvider<T>, vscode.Disposable {
  private target: vscode.TreeDataProvider<T> | undefined;
  private readonly changed = new EventEmitter<T | T[] | undefined | null | void>();
  private pacer: ChangePacer<T> | undefined;
  private holdMs = 0;
  private held: HeldRoots<T> | undefined;
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

  attach(target: vscode.TreeDataProvider<T>, pace: TreePace): void {
    // The first attach happens inside VS Code's first getChildren (real() loads the body), so VS
    // Code gets the real rows from that call: only a later provider needs VS Code to ask again.
    const replacing = this.target !== undefined;
    this.target = target;
    this.holdMs = pace.firstRowsHoldMs;
    this.forwarding?.dispose();
    this.pacer?.dispose();
    const pacer = (this.pacer = new ChangePacer<T>((change) => this.changed.fire(change), pace.changeGapMs, realClock));
    // While VS Code waits for the roots, a change is the answer it waits for, not a redraw.
    this.forwarding = target.onDidChangeTreeData?.((e) =>
      this.held ? this.answerHeld(false) : pacer.change(e ?? undefined),
    );
    if (replacing) pacer.change();
  }

  private real(): vscode.TreeDataProvider<T> {
    if (!this.target) this.load();
    if (!this.target) throw new Error('Runner Ops did not attach this view.');
    return this.target;
  }

  getChildren(element?: T): vscode.ProviderResult<T[]> {
    if (element === undefined && this.held) return this.held.rows;
    const children = this.real().getChildren(element);
    if (element === undefined && this.holdMs > 0 && this.onlyLoading(children)) return this.hold();
    return this.answer(element, children);
  }

  private answer(element: T | undefined, children: vscode.ProviderResult<T[]>): vscode.ProviderResult<T[]> {
    if (element !== undefined) this.unfetched.delete(element);
    else {
      // The roots again (a change redraws the tree): the expanded rows VS Code was still to fetch
      // are gone with the old tree; it fetches the new ones' children instead.
      this.unfetched.clear();
      if (Array.isArray(children) && children.length === 0) this.served = true;
    }
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
    if (item.collapsibleState === TreeItemCollapsibleState.Expanded) this.unfetched.add(element);
    return this.tooltipOnHover(item);
  }

  /** The roots are nothing but "Loading…" rows (read synchronously: every view's are). */
  private onlyLoading(children: vscode.ProviderResult<T[]>): children is T[] {
    if (!Array.isArray(children) || children.length === 0) return false;
    return children.every((child) => {
      const item = this.real().getTreeItem(child);
      return !isThenable(item) && item.contextValue === LOADING;
    });
  }

  private hold(): Thenable<T[] | undefined | null> {
    let answer!: HeldRoots<T>['answer'];
    const rows = new Promise<T[] | undefined | null>((resolve) => (answer = resolve));
    this.held = { rows, answer, timer: setTimeout(() => this.answerHeld(true), this.holdMs) };
    return rows;
  }

  /** Answers the held ask once there is more than "Loading…" to show, or when the wait is over (`timeUp`). */
  private answerHeld(timeUp: boolean): void {
    const held = this.held;
    if (!held) return;
    const children = this.real().getChildren(undefined);
    if (!timeUp && this.onlyLoading(children)) return;
    this.held = undefined;
    clearTimeout(held.timer);
    // A change fired at once would make VS Code drop this answer, still on its way, and ask again.
    this.pacer?.answered();
    void Promise.resolve(this.answer(undefined, children)).then(held.answer);
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
    if (item.tooltip instanceof MarkdownString) {
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
    if (this.held) clearTimeout(this.held.timer);
    this.pacer?.dispose();
    this.forwarding?.dispose();
    this.changed.dispose();
  }
}

const isThenable = <V>(value: V | Thenable<V>): value is Thenable<V> =>
  typeof (value as Thenable<V>).then === 'function';
