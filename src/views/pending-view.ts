// A view whose tree is not built yet: it shows its welcome content (not configured / signed
// out) and, once both are satisfied, one row saying what it will show.
import * as vscode from 'vscode';
import type { Services } from '../services';

export class PendingViewProvider implements vscode.TreeDataProvider<string> {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(
    services: Services,
    private readonly ready: () => Promise<boolean>,
    private readonly message: string,
  ) {
    services.onRefresh(() => this.changed.fire());
  }

  async getChildren(): Promise<string[]> {
    // An empty tree lets the view's welcome content explain what is missing.
    return (await this.ready()) ? [this.message] : [];
  }

  getTreeItem(message: string): vscode.TreeItem {
    const item = new vscode.TreeItem(message);
    item.iconPath = new vscode.ThemeIcon('info');
    return item;
  }
}
