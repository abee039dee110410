// The one way commands open a page outside VS Code. VS Code's `env` cannot be stubbed in the
// extension host, so the suites replace `open` through the extension's exports and assert the
// exact address a user's browser would have been handed.
import * as vscode from 'vscode';

export const external = {
  async open(uri: vscode.Uri): Promise<boolean> {
    return vscode.env.openExternal(uri);
  },
};
