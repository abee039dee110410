// The "Runner Ops" log (Output panel): one line per change an acting command made, naming what
// and where, never a value. Created on first use, so activation stays free of it.
import * as vscode from 'vscode';

let channel: vscode.LogOutputChannel | undefined;

export function activityLog(): vscode.LogOutputChannel {
  channel ??= vscode.window.createOutputChannel('Runner Ops', { log: true });
  return channel;
}

export function disposeActivityLog(): void {
  channel?.dispose();
  channel = undefined;
}
