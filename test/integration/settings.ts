// Points the extension at a sandbox through real user settings, and puts them back afterwards.
import * as vscode from 'vscode';

export async function applySettings(settings: Record<string, unknown>): Promise<void> {
  const config = vscode.workspace.getConfiguration();
  for (const [key, value] of Object.entries(settings)) {
    await config.update(key, value, vscode.ConfigurationTarget.Global);
  }
}

export async function clearSettings(settings: Record<string, unknown>): Promise<void> {
  const config = vscode.workspace.getConfiguration();
  for (const key of Object.keys(settings)) {
    await config.update(key, undefined, vscode.ConfigurationTarget.Global);
  }
}
