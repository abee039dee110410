// A Bootstrap Checklist row: the check, its outcome's icon, the detail, and the fix in the
// tooltip and, when it is a command, on click.
import * as vscode from 'vscode';
import { checkStatus, type CheckResult } from '../../core/checklist';
import { iconOf } from './icon';

export function checkRow(result: CheckResult): vscode.TreeItem {
  const item = new vscode.TreeItem(result.title);
  const status = checkStatus(result.outcome);
  item.id = result.id;
  item.description = result.detail;
  item.iconPath = iconOf(status);
  const fix = [
    result.fix?.text,
    result.fix?.command && !result.fix.text ? `Fix: ${result.fix.command.title}` : undefined,
  ]
    .filter(Boolean)
    .join('\n');
  item.tooltip = `${status.label}: ${result.detail}${fix ? `\n\n${fix}` : ''}`;
  item.accessibilityInformation = {
    label: `${result.title}: ${status.label}. ${result.detail}${fix ? ` ${fix.replace(/\n/g, ' ')}` : ''}`,
  };
  item.contextValue = `check.${result.outcome}`;
  if (result.fix?.command) {
    item.command = {
      command: result.fix.command.id,
      title: result.fix.command.title,
      arguments: result.fix.command.args,
    };
  }
  return item;
}
