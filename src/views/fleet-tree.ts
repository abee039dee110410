// What the three fleet views share: the store and links they render from, and the change event.
import * as vscode from 'vscode';
import type { FleetLinks } from '../core/correlate';
import type { FleetStore } from '../core/fleet-store';
import { Insights } from './insights';

export abstract class FleetTree<T> implements vscode.TreeDataProvider<T> {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private rendering?: Insights;

  constructor(
    protected readonly store: () => FleetStore,
    protected readonly links: () => FleetLinks,
    protected readonly now: () => number = Date.now,
  ) {}

  fire(): void {
    this.rendering = undefined;
    this.changed.fire();
  }

  /** What the rows say beyond the store's data (why pending, queue times, versions): computed once per change. */
  protected insights(): Insights {
    this.rendering ??= new Insights(this.store(), this.links(), this.now());
    return this.rendering;
  }

  abstract getChildren(node?: T): T[];
  abstract getTreeItem(node: T): vscode.TreeItem;

  dispose(): void {
    this.changed.dispose();
  }
}
