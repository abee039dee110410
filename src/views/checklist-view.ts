// The Bootstrap Checklist view: one row per check, its icon from the outcome, the detail as the
// description, the fix in the tooltip and, when it is a command, on click. Runs when the view
// first becomes visible and on refresh or a settings/session change while visible; no timer.
import * as vscode from 'vscode';
import { checklistGreen, type CheckResult } from '../core/checklist';
import { checkStatus } from '../core/status-table';

export const CHECKLIST_VIEW = 'runnerOps.checklist';

export class ChecklistView implements vscode.TreeDataProvider<CheckResult>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private results: CheckResult[] = [];
  private running?: Promise<CheckResult[]>;
  private again = false;
  /** Something changed while hidden: run when next shown. */
  private stale = true;
  private readonly view: vscode.TreeView<CheckResult>;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly check: () => Promise<CheckResult[]>) {
    this.view = vscode.window.createTreeView(CHECKLIST_VIEW, { treeDataProvider: this });
    this.disposables.push(
      this.view,
      this.changed,
      this.view.onDidChangeVisibility((e) => {
        if (e.visible && this.stale) void this.run();
      }),
    );
    if (this.view.visible) void this.run();
  }

  /** A refresh or a new configuration: run now if on screen, else when next shown. */
  invalidate(): void {
    if (this.view.visible) void this.run();
    else this.stale = true;
  }

  /** Runs every check with progress in the view; a run asked for during a run follows it once. */
  run(): Promise<CheckResult[]> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.stale = false;
    const run = Promise.resolve(
      vscode.window.withProgress({ location: { viewId: CHECKLIST_VIEW } }, () => this.check()),
    )
      .then(async (results) => {
        this.results = results;
        this.changed.fire();
        await vscode.commands.executeCommand('setContext', 'runnerOps.checklistGreen', checklistGreen(results));
        return results;
      })
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          void this.run();
        }
      });
    this.running = run;
    return run;
  }

  getChildren(element?: CheckResult): CheckResult[] {
    return element ? [] : this.results;
  }

  getTreeItem(result: CheckResult): vscode.TreeItem {
    const item = new vscode.TreeItem(result.title);
    const status = checkStatus(result.outcome);
    item.id = result.id;
    item.description = result.detail;
    item.iconPath = new vscode.ThemeIcon(status.icon, status.color ? new vscode.ThemeColor(status.color) : undefined);
    const fix = [
      result.fix?.text,
      result.fix?.command && !result.fix.text ? `Fix: ${result.fix.command.title}` : undefined,
    ]
      .filter(Boolean)
      .join('\n');
    item.tooltip = `${status.label}: ${result.detail}${fix ? `\n\n${fix}` : ''}`;
    item.accessibilityInformation = {
      label: `${result.title}: ${status.label}. ${result.detail}${fix ? ` ${fix.replace(/\n/g, ' ')}` : ''}`,
    };
    item.contextValue = `check.${result.outcome}`;
    if (result.fix?.command)
      item.command = {
        command: result.fix.command.id,
        title: result.fix.command.title,
        arguments: result.fix.command.args,
      };
    return item;
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
