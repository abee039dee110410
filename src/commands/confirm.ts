// The one way commands ask before doing something destructive: a modal naming what will happen.
// VS Code refuses modal dialogs while extension tests run, so the suites replace `ask` through
// the extension's exports and assert the question a user would have seen.
import * as vscode from 'vscode';

export const confirmation = {
  async ask(message: string, action: string): Promise<boolean> {
    return (await vscode.window.showWarningMessage(message, { modal: true }, action)) === action;
  },
};
