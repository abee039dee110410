// The activation-time tree provider: a Markdown tooltip goes to VS Code on hover
// (resolveTreeItem), not with every row, because VS Code lexes each one it is sent.
import './vscode-fake';
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { EventEmitter, MarkdownString, TreeItem, TreeItemCollapsibleState } from './vscode-fake';
import { DeferredTree } from '../../../src/views/deferred-tree';

const NO_HOLD = { changeGapMs: 0, firstRowsHoldMs: 0 };

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
    NO_HOLD,
  );
  const sent = tree.getTreeItem('vm') as unknown as TreeItem;
  assert.equal(sent.tooltip, undefined, 'no Markdown in the row VS Code is sent');
  const hovered = (await tree.resolveTreeItem(sent as never, 'vm', {} as never)) as unknown as TreeItem;
  assert.equal((hovered.tooltip as MarkdownString).value, '**Status:** RUNNING');
  assert.equal((tree.getTreeItem('zone') as unknown as TreeItem).tooltip, 'europe-west1-b');
  tree.dispose();
});

test('the first provider answers the getChildren that loaded it, so only a later one makes VS Code ask again', () => {
  const tree = new DeferredTree<string>(() => undefined);
  const fired: unknown[] = [];
  tree.onDidChangeTreeData((e) => fired.push(e));
  const provider = (rows: string[]) =>
    ({
      getChildren: () => rows,
      getTreeItem: (id: string) => new TreeItem(id),
      onDidChangeTreeData: new EventEmitter<void>().event,
    }) as never;
  tree.attach(provider(['first']), NO_HOLD);
  assert.deepEqual(fired, [], 'no event: a spent redraw slot would hold back the rows that follow');
  tree.attach(provider(['second']), NO_HOLD);
  assert.deepEqual(fired, [undefined], 'a new provider (settings changed): VS Code asks again');
  assert.deepEqual(tree.getChildren(), ['second']);
  tree.dispose();
});

test('drawn: once VS Code has fetched every expanded level of the first tree with rows, not its "Loading…" row', async () => {
  const { Expanded, Collapsed } = TreeItemCollapsibleState;
  const loading = new TreeItem('Loading runner VMs…');
  loading.contextValue = 'loading';
  const items: Record<string, TreeItem> = {
    loading,
    zone: new TreeItem('europe-west1-b', Expanded),
    group: new TreeItem('workers', Expanded),
    vm: new TreeItem('gitlab-runner-a', Collapsed),
  };
  let roots = ['loading'];
  const children: Record<string, string[]> = { zone: ['group'], group: ['vm'] };
  const tree = new DeferredTree<string>(() => undefined);
  tree.attach(
    {
      getChildren: (id?: string) => (id ? children[id] : roots),
      getTreeItem: (id: string) => items[id],
      onDidChangeTreeData: new EventEmitter<void>().event,
    } as never,
    NO_HOLD,
  );
  let drawn = false;
  void tree.drawn.then(() => (drawn = true));
  /** What VS Code does per level: the children, then each child's item. */
  const fetch = async (id?: string) => {
    for (const child of (tree.getChildren(id) as string[]) ?? []) tree.getTreeItem(child);
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
  };
  await fetch();
  assert.equal(drawn, false, 'a "Loading…" row is not the view drawn');
  roots = ['zone'];
  await fetch();
  assert.equal(drawn, false, 'the zone is expanded: VS Code draws nothing before its children arrive');
  await fetch('zone');
  assert.equal(drawn, false, 'the instance group is expanded too');
  await fetch('group');
  assert.equal(drawn, true, 'every expanded level fetched: VS Code can draw the tree');
  tree.dispose();
});

test('drawn: a change that redraws the tree before its expanded rows were fetched leaves only the new rows to wait for', async () => {
  const { Expanded } = TreeItemCollapsibleState;
  const tree = new DeferredTree<string>(() => undefined);
  let generation = 1;
  tree.attach(
    {
      getChildren: (id?: string) => (id ? ['vm'] : [`zone-${generation}`]),
      getTreeItem: (id: string) => new TreeItem(id, id.startsWith('zone') ? Expanded : undefined),
      onDidChangeTreeData: new EventEmitter<void>().event,
    } as never,
    NO_HOLD,
  );
  let drawn = false;
  void tree.drawn.then(() => (drawn = true));
  const fetch = async (id?: string) => {
    for (const child of (tree.getChildren(id) as string[]) ?? []) tree.getTreeItem(child);
    await new Promise((r) => setImmediate(r));
  };
  await fetch();
  generation = 2; // the runners arrived: VS Code fetches the roots again before zone-1's children
  await fetch();
  await fetch('zone-2');
  assert.equal(drawn, true, 'zone-1 is no longer on screen: nothing waits for its children');
  tree.dispose();
});

test('drawn: an empty root (the welcome content) is drawn as it is', async () => {
  const tree = new DeferredTree<string>(() => undefined);
  tree.attach(
    {
      getChildren: () => [],
      getTreeItem: () => new TreeItem('x'),
      onDidChangeTreeData: new EventEmitter<void>().event,
    } as never,
    NO_HOLD,
  );
  tree.getChildren();
  await tree.drawn;
  tree.dispose();
});

/** A provider whose roots are a "Loading…" row until `load` gives it rows; `fire` is its change event. */
function loadingProvider() {
  const loading = new TreeItem('Loading runner VMs…');
  loading.contextValue = 'loading';
  const changed = new EventEmitter<void>();
  let roots = ['loading'];
  return {
    provider: {
      getChildren: (id?: string) => (id ? [] : roots),
      getTreeItem: (id: string) => (id === 'loading' ? loading : new TreeItem(id)),
      onDidChangeTreeData: changed.event,
    } as never,
    load(rows: string[]) {
      roots = rows;
      changed.fire();
    },
  };
}

test('the first ask for the roots waits for rows instead of a "Loading…" row, and the change that brings them is its answer', async () => {
  const { provider, load } = loadingProvider();
  const tree = new DeferredTree<string>(() => undefined);
  const fired: unknown[] = [];
  tree.onDidChangeTreeData((e) => fired.push(e));
  tree.attach(provider, { changeGapMs: 0, firstRowsHoldMs: 60_000 });
  let answered: unknown;
  void Promise.resolve(tree.getChildren()).then((rows) => (answered = rows));
  await new Promise((r) => setImmediate(r));
  assert.equal(answered, undefined, 'still waiting: VS Code shows its progress bar, not a "Loading…" row');
  load(['gitlab-runner-a', 'gitlab-runner-b']);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(answered, ['gitlab-runner-a', 'gitlab-runner-b']);
  assert.deepEqual(fired, [], 'no change event: VS Code would only ask again for what it was just given');
  load(['gitlab-runner-a']);
  assert.deepEqual(fired, [undefined], 'once answered, changes reach VS Code as before');
  tree.dispose();
});

test('an ask for the roots that waited its time is answered with the "Loading…" row', async () => {
  const { provider, load } = loadingProvider();
  const tree = new DeferredTree<string>(() => undefined);
  const fired: unknown[] = [];
  tree.onDidChangeTreeData((e) => fired.push(e));
  tree.attach(provider, { changeGapMs: 0, firstRowsHoldMs: 20 });
  const rows = (await tree.getChildren()) as string[];
  assert.deepEqual(
    rows.map((id) => (tree.getTreeItem(id) as unknown as TreeItem).label),
    ['Loading runner VMs…'],
    'a slow read still says what it is doing',
  );
  load(['gitlab-runner-a']);
  assert.deepEqual(fired, [undefined], 'the rows, when they come, are a change VS Code redraws');
  tree.dispose();
});

test('a change right after the held ask is answered waits out the gap: fired at once, VS Code would drop the answer and ask again', async () => {
  const { provider, load } = loadingProvider();
  const tree = new DeferredTree<string>(() => undefined);
  const fired: unknown[] = [];
  tree.onDidChangeTreeData((e) => fired.push(e));
  tree.attach(provider, { changeGapMs: 40, firstRowsHoldMs: 60_000 });
  const answer = Promise.resolve(tree.getChildren());
  load(['gitlab-runner-a']);
  load(['gitlab-runner-a', 'gitlab-runner-b']); // the same turn: the store's next change
  assert.deepEqual(await answer, ['gitlab-runner-a']);
  assert.deepEqual(fired, [], 'not while VS Code takes in its answer');
  await new Promise((r) => setTimeout(r, 60));
  assert.deepEqual(fired, [undefined], 'one redraw for what changed since, after the gap');
  tree.dispose();
});
