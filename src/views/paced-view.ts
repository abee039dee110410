// A tree view with the scheduler that reads what it shows: polled at the views' pace while it is
// visible and the window focused (fleet views), or read only when shown, refreshed or out of date
// (on-demand views). Nothing is read while it is hidden.
import * as vscode from 'vscode';
import type { Pace } from '../core/pace';
import { PollingScheduler, type RefreshOutcome } from '../core/polling';

export type RefreshableTree<T> = vscode.TreeDataProvider<T> & { fire(): void; dispose(): void };

export class PacedView<T> implements vscode.Disposable {
  private readonly scheduler: PollingScheduler;
  private readonly disposables: vscode.Disposable[] = [];
  /** What it shows was in motion at the last read: it is on the fast pace already. */
  inMotion = false;

  constructor(
    /** The tree view activation created for this provider. */
    readonly view: vscode.TreeView<T>,
    readonly provider: RefreshableTree<T>,
    refresh: () => Promise<RefreshOutcome>,
    /** Read before each wait; a slow pace of Infinity means on demand only. */
    pace: () => Pace['views'],
  ) {
    this.scheduler = new PollingScheduler({
      refresh: async () => {
        const outcome = await refresh();
        this.inMotion = outcome.transitional;
        return outcome;
      },
      pace,
    });
    this.scheduler.setFocused(vscode.window.state.focused);
    this.scheduler.setVisible(this.view.visible);
    this.disposables.push(
      provider,
      this.view.onDidChangeVisibility((e) => this.scheduler.setVisible(e.visible)),
      vscode.window.onDidChangeWindowState((e) => this.scheduler.setFocused(e.focused)),
    );
  }

  get active(): boolean {
    return this.scheduler.active;
  }

  /** Reads now, even while hidden (the user or a test asked); joins a read in flight. */
  refreshNow(): Promise<void> {
    return this.scheduler.refreshNow();
  }

  /** Out of date: read now if on screen, else when next shown. */
  invalidate(): void {
    this.scheduler.invalidate();
  }

  dispose(): void {
    this.scheduler.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
