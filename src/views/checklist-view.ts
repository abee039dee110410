// The Bootstrap Checklist view: a summary row (counts and how long the run took), then one row
// per check. It runs on demand (when shown, on refresh, on a settings or session change, from
// its command); a run asked for during a run follows it once. One check can be run again alone.
import * as vscode from 'vscode';
import { checklistGreen, type CheckId, type CheckResult } from '../core/checklist';
import { checklistCounts, type ChecklistRun } from '../core/checklist-export';
import { checkRow, summaryRow, type SummaryNode } from './rows/check';

export const CHECKLIST_VIEW = 'runnerOps.checklist';

type Node = CheckResult | SummaryNode;

export class ChecklistView implements vscode.TreeDataProvider<Node> {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private results: CheckResult[] = [];
  private last?: ChecklistRun;
  private running?: Promise<CheckResult[]>;
  private again = false;

  constructor(private readonly check: (only?: CheckId) => Promise<CheckResult[]>) {}

  fire(): void {
    this.changed.fire();
  }

  /** The last results and how they were got, for the export. */
  get lastRun(): ChecklistRun | undefined {
    return this.last && { ...this.last, results: this.results };
  }

  /** Runs every check with progress in the view. */
  run(): Promise<CheckResult[]> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    const started = performance.now();
    const run = Promise.resolve(
      vscode.window.withProgress({ location: { viewId: CHECKLIST_VIEW } }, () => this.check()),
    )
      .then(async (results) => {
        this.results = results;
        this.last = { results, ms: performance.now() - started, at: Date.now() };
        await this.settle();
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

  /** Runs one check again (and what it needs, unseen), replacing its row only. */
  async runOne(id: CheckId): Promise<CheckResult | undefined> {
    const started = performance.now();
    const [result] = await vscode.window.withProgress({ location: { viewId: CHECKLIST_VIEW } }, () => this.check(id));
    if (!result) return undefined;
    this.results = this.results.some((r) => r.id === id)
      ? this.results.map((r) => (r.id === id ? result : r))
      : [...this.results, result];
    this.last = { results: this.results, ms: performance.now() - started, at: Date.now(), only: result.title };
    await this.settle();
    return result;
  }

  private async settle(): Promise<void> {
    this.changed.fire();
    await vscode.commands.executeCommand('setContext', 'runnerOps.checklistGreen', checklistGreen(this.results));
  }

  getChildren(element?: Node): Node[] {
    if (element || this.results.length === 0) return [];
    return [{ summary: checklistCounts(this.results), ms: this.last?.ms ?? 0, only: this.last?.only }, ...this.results];
  }

  getTreeItem(node: Node): vscode.TreeItem {
    return 'summary' in node ? summaryRow(node) : checkRow(node);
  }

  dispose(): void {
    this.changed.dispose();
  }
}
