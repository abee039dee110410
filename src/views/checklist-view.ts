// The Bootstrap Checklist view: a summary row (counts and how long the run took), then one row
// per check. It runs on demand (when shown, on refresh, on a settings or session change, from
// its command). A run asked for during a run makes the one under way out of date: its answer is
// dropped and a fresh run follows (src/core/latest-run.ts), so results read before a sign-in
// never show after it. One check can be run again alone.
import * as vscode from 'vscode';
import { CHECKS, checklistGreen, type CheckId, type CheckResult } from '../core/checklist';
import { checklistCounts, type ChecklistRun } from '../core/checklist-export';
import { LatestRun, type RunOutcome } from '../core/latest-run';
import { GLYPHS } from '../core/status-table';
import { checkRow, summaryRow, type SummaryNode } from './rows/check';
import { errorRow, messageRow, type ItemNode } from './rows/common';

export const CHECKLIST_VIEW = 'runnerOps.checklist';

export type ChecklistNode = CheckResult | ItemNode | SummaryNode;

export class ChecklistView implements vscode.TreeDataProvider<ChecklistNode> {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  /** undefined: not run since the settings or the session changed. */
  private results?: CheckResult[];
  private failure?: Error;
  private lastGoodAt?: number;
  /** How long the last run took, and the check's title when it was one check run alone. */
  private timing?: { ms: number; only?: string };
  private readonly runs: LatestRun<CheckResult[]>;
  /** Results of the run under way as they settle, shown while there are no results yet to show. */
  private settling = new Map<CheckId, CheckResult>();
  private runNumber = 0;

  constructor(
    private readonly check: (only?: CheckId, onResult?: (result: CheckResult) => void) => Promise<CheckResult[]>,
  ) {
    this.runs = new LatestRun(
      () =>
        Promise.resolve(
          vscode.window.withProgress({ location: { viewId: CHECKLIST_VIEW } }, async () => {
            const started = performance.now();
            const run = ++this.runNumber;
            this.settling = new Map();
            const results = await check(undefined, (result) => {
              if (run !== this.runNumber) return; // a newer run took over
              this.settling.set(result.id, result);
              if (!this.results && !this.failure) this.changed.fire();
            });
            this.timing = { ms: performance.now() - started };
            return results;
          }),
        ),
      (outcome) => void this.show(outcome),
    );
  }

  fire(): void {
    this.changed.fire();
  }

  /** The last results and how they were got, for the export. */
  get lastRun(): ChecklistRun | undefined {
    return this.results && { results: this.results, ms: this.timing?.ms ?? 0, at: this.lastGoodAt ?? Date.now() };
  }

  /** Runs every check with progress in the view. */
  run(): Promise<CheckResult[]> {
    return this.runs.run();
  }

  /** Runs one check again (and what it needs, unseen), replacing its row only. */
  async runOne(id: CheckId): Promise<CheckResult | undefined> {
    const started = performance.now();
    const [result] = await vscode.window.withProgress({ location: { viewId: CHECKLIST_VIEW } }, () => this.check(id));
    if (!result || !this.results) return result;
    this.results = this.results.map((r) => (r.id === id ? result : r));
    this.timing = { ms: performance.now() - started, only: result.title };
    this.changed.fire();
    await vscode.commands.executeCommand('setContext', 'runnerOps.checklistGreen', checklistGreen(this.results));
    return result;
  }

  /** The settings or the session changed: what is shown no longer holds, until the next run says. */
  outdated(): void {
    this.results = undefined;
    this.settling = new Map();
    this.runNumber++;
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
    if (!this.results) {
      // Rows first: the checks settled so far, in the checklist's order, then the wait for the rest.
      const settled = CHECKS.map((c) => this.settling.get(c.id)).filter((r): r is CheckResult => r !== undefined);
      const waiting = settled.length ? 'Running the other checks…' : 'Running the checks…';
      return [...settled, { kind: 'item', item: messageRow(waiting, GLYPHS.loading) }];
    }
    if (this.results.length === 0) return [];
    return [{ summary: checklistCounts(this.results), ms: this.timing?.ms ?? 0, only: this.timing?.only }, ...rows];
  }

  getTreeItem(node: ChecklistNode): vscode.TreeItem {
    if ('kind' in node) return node.item;
    return 'summary' in node ? summaryRow(node) : checkRow(node);
  }

  dispose(): void {
    this.changed.dispose();
  }
}
