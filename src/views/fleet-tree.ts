// What the three fleet views share: the store and links they render from, and the change event.
import * as vscode from 'vscode';
import type { FleetLinks } from '../core/correlate';
import type { FleetStore } from '../core/fleet-store';

export abstract class FleetTree<T> implements vscode.TreeDataProvider<T> {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(
    protected readonly store: () => FleetStore,
    protected readonly links: () => FleetLinks,
    protected readonly now: () => number = Date.now,
  ) {}

  fire(): void {
    this.changed.fire();
  }

  abstract getChildren(node?: T): T[];
  abstract getTreeItem(node: T): vscode.TreeItem;

  dispose(): void {
    this.changed.dispose();
  }
}
