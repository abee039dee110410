// The activation-time tree provider: a Markdown tooltip goes to VS Code on hover
// (resolveTreeItem), not with every row, because VS Code lexes each one it is sent.
import './vscode-fake';
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { EventEmitter, MarkdownString, TreeItem } from './vscode-fake';
import { DeferredTree } from '../../../src/views/deferred-tree';

test('a Markdown tooltip is held back until the row is hovered; a plain one goes with the row', async () => {
  const rich = new TreeItem('vm');
  rich.tooltip = new MarkdownString('**Status:** RUNNING');
  const plain = new TreeItem('zone');
  plain.tooltip = 'europe-west1-b';
  const rows: Record<string, TreeItem> = { vm: rich, zone: plain };
  const tree = new DeferredTree<string>(() => undefined);
  tree.attach(
    {
      getChildren: () => ['vm', 'zone'],
      getTreeItem: (id: string) => rows[id],
      onDidChangeTreeData: new EventEmitter<void>().event,
    } as never,
    0,
  );
  const sent = tree.getTreeItem('vm') as unknown as TreeItem;
  assert.equal(sent.tooltip, undefined, 'no Markdown in the row VS Code is sent');
  const hovered = (await tree.resolveTreeItem(sent as never, 'vm', {} as never)) as unknown as TreeItem;
  assert.equal((hovered.tooltip as MarkdownString).value, '**Status:** RUNNING');
  assert.equal((tree.getTreeItem('zone') as unknown as TreeItem).tooltip, 'europe-west1-b');
  tree.dispose();
});
