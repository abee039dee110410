// The one way commands ask for a file to read (a secret to upload). Exported through activate
// so the integration suites can answer it, as they answer `confirmation.ask`.
import * as vscode from 'vscode';

export const filePicker = {
  async pick(title: string): Promise<string | undefined> {
    const [picked] =
      (await vscode.window.showOpenDialog({ title, canSelectMany: false, openLabel: 'Encrypt and Upload' })) ?? [];
    return picked?.fsPath;
  },
};
