// The Bootstrap Checklist view: one row per check. It runs on demand (when shown, on refresh, on
// a settings or session change, from its command). A run asked for during a run makes the one
// under way out of date: its answer is dropped and a fresh run follows (src/core/latest-run.ts),
// so results read before a sign-in never show after it.
import * as vscode from 'vscode';
import { checklistGreen, type CheckResult } from '../core/checklist';
import { LatestRun, type RunOutcome } from '../core/latest-run';
import { GLYPHS } from '../core/status-table';
import { checkRow } from './rows/check';
import { errorRow, messageRow, type ItemNode } from './rows/common';

export const CHECKLIST_VIEW = 'runnerOps.checklist';

export type ChecklistNode = CheckResult | ItemNode;

export class ChecklistView implements vscode.TreeDataProvider<ChecklistNode> {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  /** undefined: not run since the settings or the session changed. */
  private results?: CheckResult[];
  private failure?: Error;
  private lastGoodAt?: number;
  private readonly runs: LatestRun<CheckResult[]>;

  constructor(check: () => Promise<CheckResult[]>) {
    this.runs = new LatestRun(
      () => Promise.resolve(vscode.window.withProgress({ location: { viewId: CHECKLIST_VIEW } }, check)),
      (outcome) => void this.show(outcome),
    );
  }

  fire(): void {
    this.changed.fire();
  }

  /** Runs every check with progress in the view. */
  run(): Promise<CheckResult[]> {
    return this.runs.run();
  }

  /** The settings or the session changed: what is shown no longer holds, until the next run says. */
  outdated(): void {
    this.results = undefined;
    this.failure = undefined;
    this.changed.fire();
  }

  private async show(outcome: RunOutcome<CheckResult[]>): Promise<void> {
    if ('error' in outcome) {
      this.failure = outcome.error;
    } else {
      this.results = outcome.value;
      this.failure = undefined;
      this.lastGoodAt = outcome.at;
    }
    this.changed.fire();
    if (!('error' in outcome))
      await vscode.commands.executeCommand('setContext', 'runnerOps.checklistGreen', checklistGreen(outcome.value));
  }

  getChildren(element?: ChecklistNode): ChecklistNode[] {
    if (element) return [];
    const rows: ChecklistNode[] = this.results ?? [];
    if (this.failure) {
      const lastGood = this.lastGoodAt === undefined ? undefined : { at: this.lastGoodAt, shown: !!this.results };
      return [{ kind: 'item', item: errorRow(this.failure, lastGood) }, ...rows];
    }
    if (!this.results) return [{ kind: 'item', item: messageRow('Running the checks…', GLYPHS.loading) }];
    return rows;
  }

  getTreeItem(node: ChecklistNode): vscode.TreeItem {
    return 'kind' in node ? node.item : checkRow(node);
  }

  dispose(): void {
    this.changed.dispose();
  }
}
