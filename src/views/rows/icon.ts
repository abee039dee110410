// The one place a row's icon becomes a VS Code ThemeIcon: every icon comes from a table in
// src/core/status-table.ts (a status, or a glyph for rows that are not a status).
import * as vscode from 'vscode';
import type { Glyph } from '../../core/status-table';

export function iconOf(presentation: Glyph): vscode.ThemeIcon {
  return new vscode.ThemeIcon(
    presentation.icon,
    presentation.color ? new vscode.ThemeColor(presentation.color) : undefined,
  );
}
