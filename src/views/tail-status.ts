// The status bar item that says which tails are live; click to pick one and bring it to front.
import * as vscode from 'vscode';
import type { TailSession } from '../core/tail/tail-session';

export class TailStatus implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('runnerOps.tails', vscode.StatusBarAlignment.Left, 50);

  constructor() {
    this.item.name = 'Runner Ops live tails';
    this.item.command = 'runnerOps.showTails';
  }

  update(sessions: TailSession[]): void {
    const live = sessions.filter((s) => s.state === 'live');
    if (live.length === 0) {
      this.item.hide();
      return;
    }
    const failing = live.filter((s) => s.lastError);
    this.item.text = `$(pulse) ${live.length === 1 ? live[0].title : `${live.length} tails`}${failing.length ? ' $(warning)' : ''}`;
    this.item.tooltip = live.map((s) => `${s.title}${s.lastError ? ` (retrying: ${s.lastError})` : ''}`).join('\n');
    this.item.show();
  }

  dispose(): void {
    this.item.dispose();
  }
}
