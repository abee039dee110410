// Workspace trust: in an untrusted workspace every command that changes something is out of the
// views' menus and, invoked any other way, refuses with a message that says why, before it reads
// or sends anything; the views and the reading commands stay as they are. Settings that could
// send the token or data elsewhere are restricted. Every contributed command is classified here,
// so a new one cannot slip through unclassified.
import '../views/vscode-fake';
import { before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

const manifest = JSON.parse(readFileSync('package.json', 'utf8'));
const commands: Array<{ command: string; enablement?: string }> = manifest.contributes.commands;
const menus = manifest.contributes.menus as Record<string, Array<{ command?: string; when?: string }>>;

/** Commands that only read, open, copy, tail or export: available in an untrusted workspace. */
const READS = [
  'runnerOps.signIn', // the user's own token for the user's own server (the workspace URL is restricted)
  'runnerOps.signOut',
  'runnerOps.refresh',
  'runnerOps.openSettings',
  'runnerOps.showFailureDetails',
  'runnerOps.openRunnerInGitLab',
  'runnerOps.copyRunnerId',
  'runnerOps.openPipelineInGitLab',
  'runnerOps.loadMorePipelines',
  'runnerOps.showAllRows',
  'runnerOps.copyVmIp',
  'runnerOps.copyVmSshCommand',
  'runnerOps.openVmInCloudConsole',
  'runnerOps.tailWorkerLog',
  'runnerOps.tailWorkerSerialPort',
  'runnerOps.tailRunnerLog',
  'runnerOps.tailJobLog',
  'runnerOps.stopTail',
  'runnerOps.resumeTail',
  'runnerOps.clearTail',
  'runnerOps.showTails',
  'runnerOps.runChecklist',
  'runnerOps.exportChecklist',
  'runnerOps.rerunCheck',
  'runnerOps.copyCheckFix',
  'runnerOps.verifySecret',
  'runnerOps.verifyAllSecrets',
  'runnerOps.whyPending',
  'runnerOps.showReprovisionHistory',
];

// The command modules register against a vscode whose workspace is untrusted; anything else they
// touch answers permissively, and the services they are given count every use.
const errors: string[] = [];
const handlers = new Map<string, (...args: unknown[]) => unknown>();
let servicesUsed: string[] = [];
let CHANGING_COMMANDS: Record<string, string>;

/** Answers any property access and call, and is not a thenable. */
function anything(record?: (path: string) => void, path = ''): unknown {
  const fn = () => undefined;
  return new Proxy(fn, {
    get: (_t, key) => {
      if (key === Symbol.toPrimitive) return () => `[anything${path}]`; // registered work may print it
      if (key === 'then' || typeof key === 'symbol') return undefined;
      record?.(`${path}.${key}`);
      return anything(record, `${path}.${key}`);
    },
    apply: () => {
      record?.(`${path}()`);
      return anything(record, `${path}()`);
    },
  });
}

before(async () => {
  const cache = require.cache as Record<string, { exports: Record<string, unknown> }>;
  const fake = cache.vscode.exports;
  const overrides: Record<string, unknown> = {
    workspace: new Proxy({ isTrusted: false }, { get: (t, k) => (k in t ? t[k as 'isTrusted'] : anything()) }),
    window: new Proxy(
      {
        showErrorMessage: async (message: string) => {
          errors.push(message);
          return undefined;
        },
      },
      { get: (t, k) => (k in t ? t[k as 'showErrorMessage'] : anything()) },
    ),
    commands: {
      ...(fake.commands as object),
      registerCommand: (id: string, handler: (...args: unknown[]) => unknown) => {
        handlers.set(id, handler);
        return { dispose: () => undefined };
      },
      executeCommand: async () => undefined,
    },
  };
  // Every name the sources use, each resolved when read: the fake's, the overrides, else anything.
  const names = [
    ...Object.keys(fake),
    ...Object.keys(overrides),
    ...['ConfigurationTarget', 'Disposable', 'FoldingRange', 'FoldingRangeKind', 'Position', 'ProgressLocation'],
    ...['Range', 'Selection', 'StatusBarAlignment', 'TabInputText', 'TextEditorRevealType', 'env', 'languages'],
  ];
  const resolve = (name: string) => (name in overrides ? overrides[name] : name in fake ? fake[name] : anything());
  cache.vscode.exports = Object.defineProperties(
    {},
    Object.fromEntries(names.map((name) => [name, { get: () => resolve(name), enumerable: true }])),
  );
  ({ CHANGING_COMMANDS } = await import('../../../src/commands/trust'));
  const context = { subscriptions: [] as unknown[] };
  const services = anything((path) => servicesUsed.push(path));
  const views = anything();
  for (const load of [
    () => import('../../../src/commands/runners'),
    () => import('../../../src/commands/pipelines'),
    () => import('../../../src/commands/reprovision'),
    () => import('../../../src/commands/rotate'),
    () => import('../../../src/commands/runner-token'),
    () => import('../../../src/commands/secret-write'),
    () => import('../../../src/commands/reveal-secret'),
    () => import('../../../src/commands/checklist-fixes'),
    () => import('../../../src/commands/token-consent'),
  ])
    (await load()).register(context as never, services as never, views as never);
});

test('every contributed command is classified: it changes something, or it only reads', () => {
  const changing = Object.keys(CHANGING_COMMANDS);
  const unclassified = commands.map((c) => c.command).filter((id) => !changing.includes(id) && !READS.includes(id));
  assert.deepEqual(unclassified, [], 'add each new command to CHANGING_COMMANDS (src/commands/trust.ts) or READS');
  for (const id of [...changing, ...READS])
    assert.ok(
      commands.some((c) => c.command === id),
      `${id} is contributed`,
    );
});

test('a changing command is out of every view and editor menu in an untrusted workspace, and stays in the palette to say why', () => {
  for (const id of Object.keys(CHANGING_COMMANDS)) {
    for (const [menu, entries] of Object.entries(menus)) {
      for (const entry of entries.filter((e) => e.command === id)) {
        if (menu === 'commandPalette')
          assert.ok(!entry.when?.includes('isWorkspaceTrusted'), `${id}: the palette offers it (its guard says why)`);
        else assert.match(entry.when ?? '', /isWorkspaceTrusted/, `${menu}: ${id} needs isWorkspaceTrusted`);
      }
    }
    const enablement = commands.find((c) => c.command === id)?.enablement ?? '';
    assert.ok(!enablement.includes('isWorkspaceTrusted'), `${id}: enablement would keep the palette from saying why`);
  }
});

test('the views stay readable: no reading command is hidden or disabled by trust', () => {
  for (const id of READS) {
    for (const [menu, entries] of Object.entries(menus))
      for (const entry of entries.filter((e) => e.command === id))
        assert.ok(!entry.when?.includes('isWorkspaceTrusted'), `${menu}: ${id}`);
    assert.ok(!commands.find((c) => c.command === id)?.enablement?.includes('isWorkspaceTrusted'), id);
  }
});

test('invoked in an untrusted workspace, each changing command refuses with why, before touching anything', async () => {
  for (const [id, doing] of Object.entries(CHANGING_COMMANDS)) {
    const handler = handlers.get(id);
    assert.ok(handler, `${id} is registered`);
    errors.length = 0;
    servicesUsed = [];
    await handler({ runner: { id: 1 }, pipeline: { id: 2 }, secret: { name: 's' }, vm: { name: 'vm' } });
    assert.deepEqual(
      errors,
      [
        `${doing} is disabled in an untrusted workspace: Runner Ops only reads here. Trust this workspace first (Manage Workspace Trust).`,
      ],
      id,
    );
    assert.deepEqual(servicesUsed, [], `${id} read nothing and sent nothing`);
  }
});

test('settings that would send the token or data elsewhere are restricted in an untrusted workspace', () => {
  const { supported, restrictedConfigurations } = manifest.capabilities.untrustedWorkspaces;
  assert.equal(supported, 'limited');
  for (const key of [
    'runnerOps.gitlab.url', // where the saved token goes (a trusted workspace still asks, src/core/token-consent.ts)
    'runnerOps.gcp.endpoints',
    'runnerOps.gcp.credentials',
    'runnerOps.secrets.bucket',
    'runnerOps.secrets.prefix',
    'runnerOps.secrets.kmsKey',
    'runnerOps.reprovision.auditFile', // a file Runner Ops writes
  ])
    assert.ok(restrictedConfigurations.includes(key), key);
  const declared = new Set(Object.keys(manifest.contributes.configuration.properties ?? {}));
  for (const key of restrictedConfigurations) assert.ok(declared.size === 0 || declared.has(key), `${key} exists`);
});
