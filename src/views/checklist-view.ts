// The Bootstrap Checklist view: one row per check. It runs on demand (when shown, on refresh, on
// a settings or session change, from its command); a run asked for during a run follows it once.
import * as vscode from 'vscode';
import { checklistGreen, type CheckResult } from '../core/checklist';
import { checkRow } from './rows/check';

export const CHECKLIST_VIEW = 'runnerOps.checklist';

export class ChecklistView implements vscode.TreeDataProvider<CheckResult> {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private results: CheckResult[] = [];
  private running?: Promise<CheckResult[]>;
  private again = false;

  constructor(private readonly check: () => Promise<CheckResult[]>) {}

  fire(): void {
    this.changed.fire();
  }

  /** Runs every check with progress in the view. */
  run(): Promise<CheckResult[]> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
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
    return checkRow(result);
  }

  dispose(): void {
    this.changed.dispose();
  }
}
