// What the three fleet views share: the store and links they render from, the change event,
// and the rows for a list that is loading, failed, or empty.
import * as vscode from 'vscode';
import type { FleetLinks } from '../core/correlate';
import type { FleetStore } from '../core/fleet-store';
import type { Loadable } from '../core/loadable';
import { errorItem, loadingItem, messageItem } from './presentation';

export type ItemNode = { kind: 'item'; item: vscode.TreeItem };

export abstract class FleetTree<T> implements vscode.TreeDataProvider<T> {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(
    protected readonly store: () => FleetStore | undefined,
    protected readonly links: () => FleetLinks,
    protected readonly now: () => number = Date.now,
  ) {}

  fire(): void {
    this.changed.fire();
  }

  abstract getChildren(node?: T): T[];
  abstract getTreeItem(node: T): vscode.TreeItem;

  /**
   * The rows of a fetched list: an error row first when the last fetch failed (the last known
   * rows stay below it), a loading row until the first answer, a message when it is empty.
   */
  protected listRows<V>(
    list: Loadable<V[]> | undefined,
    what: string,
    empty: string,
    rows: (value: V[]) => T[],
  ): Array<T | ItemNode> {
    const head: ItemNode[] = list?.error
      ? [{ kind: 'item', item: errorItem(list.error, list.value !== undefined) }]
      : [];
    if (!list?.value) return list?.error && !list.loading ? head : [...head, { kind: 'item', item: loadingItem(what) }];
    if (list.value.length === 0) return [...head, { kind: 'item', item: messageItem(empty) }];
    return [...head, ...rows(list.value)];
  }
}
