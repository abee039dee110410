// A Bootstrap Checklist row: the check, its outcome's icon, the detail, and the fix in the
// tooltip and, when it is a command, on click.
import * as vscode from 'vscode';
import type { CheckResult } from '../../core/checklist';
import { formatDuration } from '../../core/checklist-export';
import { checkStatus, GLYPHS } from '../../core/status-table';
import { iconOf } from './icon';

export function checkRow(result: CheckResult): vscode.TreeItem {
  const item = new vscode.TreeItem(result.title);
  const status = checkStatus(result.outcome);
  item.id = result.id;
  item.description = result.detail;
  item.iconPath = iconOf(status);
  const fix = [result.fix?.command ? `Fix: ${result.fix.command.title}` : undefined, result.fix?.text]
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

/** The first row: the counts, and how long the run (or the one re-run check) took. */
export interface SummaryNode {
  summary: string;
  ms: number;
  only?: string;
}

export function summaryRow(node: SummaryNode): vscode.TreeItem {
  const item = new vscode.TreeItem('Summary');
  item.id = 'summary';
  const took = node.only
    ? `${node.only} checked again in ${formatDuration(node.ms)}`
    : `checked in ${formatDuration(node.ms)}`;
  item.description = `${node.summary} · ${took}`;
  item.tooltip = `${node.summary}\n${took}`;
  item.iconPath = iconOf(GLYPHS.checklistSummary);
  item.contextValue = 'checkSummary';
  return item;
}
