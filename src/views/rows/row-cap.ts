// Long lists show their first rows and one more row that lists the rest on click: a fleet of 2,000
// runners opens in a second instead of handing VS Code 2,000 rows it cannot show at once. The rows
// come sorted problems first, so what is cut is what needs no attention; "Show All Rows" (a row's
// click, or the palette for every view) lists everything, and Find in the view then sees it all.
import * as vscode from 'vscode';
import { PACE } from '../../core/pace';
import { GLYPHS } from '../../core/status-table';
import type { ItemNode } from './common';
import { iconOf } from './icon';

export class RowCap {
  private all = false;

  constructor(
    private readonly viewId: string,
    private readonly limit: number = PACE.fleet.rowsPerList,
  ) {}

  /** `rows` in display order; `what` names them ("runners"). */
  apply<T>(rows: T[], what: string, key: string): Array<T | ItemNode> {
    if (this.all || rows.length <= this.limit) return rows;
    const hidden = rows.length - this.limit;
    const item = new vscode.TreeItem(`${hidden.toLocaleString('en-US')} more ${what}…`);
    item.id = `more-rows:${key}`;
    item.description = 'Show All Rows';
    item.tooltip = `The first ${this.limit} of ${rows.length.toLocaleString('en-US')} ${what} are listed, so the view opens fast. Click to list them all.`;
    item.iconPath = iconOf(GLYPHS.more);
    item.command = { title: 'Show All Rows', command: 'runnerOps.showAllRows', arguments: [this.viewId] };
    item.contextValue = 'moreRows';
    return [...rows.slice(0, this.limit), { kind: 'item', item }];
  }

  /** Lists every row from now on; false when it already did. */
  showAll(): boolean {
    if (this.all) return false;
    this.all = true;
    return true;
  }
}
