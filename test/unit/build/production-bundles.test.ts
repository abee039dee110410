// The bundles the .vsix ships (esbuild --production: minified, pruned descriptors) against the
// sandbox: the integration suites run the dev build, so this is where a minifier or pruning
// mistake shows. (Minified class names once broke every KMS call: Google's serializer checks
// `constructor.name === 'Long'`.)
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildInto, type Build } from '../../../bench/build';
import { readSettings } from '../../../src/config/settings';
import { startSandbox, type Sandbox } from '../../sandbox/server';

let sandbox: Sandbox;
let build: Build;
before(async () => {
  build = buildInto(true);
  sandbox = await startSandbox({ seed: 'demo' });
});
after(() => sandbox.close());

const settings = () =>
  readSettings({
    get: <T>(key: string, fallback: T) =>
      ((sandbox.settings as Record<string, unknown>)[`runnerOps.${key}`] ?? fallback) as T,
  } as Parameters<typeof readSettings>[0]);
// The built file, not the source.
const bundle = (name: string) => require(join(build.dist, name));

/** Requires `file` with `api` as its `vscode` module. */
function requireWithApi(file: string, api: object): { activate(context: unknown): unknown } {
  const Module = require('node:module') as { _resolveFilename: (request: string, ...rest: unknown[]) => string };
  const resolve = Module._resolveFilename;
  Module._resolveFilename = function (request: string, ...rest: unknown[]) {
    return request === 'vscode' ? 'vscode' : resolve.call(this, request, ...rest);
  };
  require.cache.vscode = { id: 'vscode', filename: 'vscode', loaded: true, exports: api } as NodeJS.Module;
  try {
    return require(file);
  } finally {
    Module._resolveFilename = resolve;
    delete require.cache.vscode;
  }
}

// VS Code waits for activation's module and activate(): whatever they do is on the path to the
// first row. What reaches the API is what a real host would see.
test('extension.js: copies none of the API; activate() registers every command and view once', () => {
  const manifest = JSON.parse(readFileSync('package.json', 'utf8'));
  const commandIds: string[] = manifest.contributes.commands.map((c: { command: string }) => c.command);
  const viewIds = Object.values(manifest.contributes.views as Record<string, Array<{ id: string }>>)
    .flat()
    .map((v) => v.id);
  const registered: string[] = [];
  const treeViews: string[] = [];
  const disposable = { dispose() {} };
  const members = {
    commands: {
      registerCommand: (id: string) => (registered.push(id), disposable),
      executeCommand: async () => undefined,
    },
    window: { createTreeView: (id: string) => (treeViews.push(id), disposable) },
    EventEmitter: class {
      event = () => disposable;
      fire() {}
      dispose() {}
    },
    MarkdownString: class {},
    TreeItemCollapsibleState: { None: 0, Collapsed: 1, Expanded: 2 },
  };
  // A bundle that copies the API (esbuild's namespace import) lists its keys: hundreds of them in VS Code.
  let listed = 0;
  const api = new Proxy(members, { ownKeys: (target) => (listed++, Reflect.ownKeys(target)) });

  const extension = requireWithApi(join(build.dist, 'extension.js'), api);
  assert.equal(listed, 0, "the API's keys were listed: the bundle copies them");
  assert.deepEqual(registered, [], 'registered while the module loads, before VS Code called activate()');

  const subscriptions: unknown[] = [];
  extension.activate({
    extension: { packageJSON: manifest },
    subscriptions,
    globalStorageUri: { scheme: 'file', fsPath: join(build.dir, 'global-storage') },
  });
  assert.deepEqual(registered, commandIds);
  assert.deepEqual(treeViews, viewIds);
});

test('gcp-secrets.js: every demo secret lists and decrypts through KMS', async () => {
  const port = bundle('gcp-secrets.js').secretsPort(settings());
  const secrets = await port.listGenerations(settings().secretsPrefix);
  assert.ok(secrets.length >= 3, `listed ${secrets.length}`);
  const outcomes = [];
  for (const secret of secrets) outcomes.push((await port.verify(secret.name, secret.generation)).outcome);
  assert.ok(
    outcomes.every((o) => o === 'primary' || o === 'older-version'),
    outcomes.join(', '),
  );
  await port.close?.();
});

test('gcp-compute.js: the demo VMs list through the pruned Compute descriptor', async () => {
  const adapter = new (bundle('gcp-compute.js').ComputeAdapter)(settings());
  const vms = await adapter.listWorkers();
  assert.deepEqual(vms.map((vm: { name: string }) => vm.name).sort(), [
    'gitlab-runner-a',
    'gitlab-runner-b',
    'gitlab-runner-c',
  ]);
  await adapter.close();
});

test('gitlab.js: the demo runners list', async () => {
  const { GitLabFleet } = bundle('gitlab.js');
  const fleet = new GitLabFleet(sandbox.url, sandbox.gitlabToken);
  const project = await fleet.project('infra/runner-fleet');
  assert.equal((await fleet.runners([project], true)).length, 3);
});

test('gcp-logging.js: the runner containers’ entries list through the REST-only client', async () => {
  const source = bundle('gcp-logging.js').logEntrySource(settings());
  const { entries } = await source.list({ filter: '', orderBy: 'timestamp desc', pageSize: 5 });
  assert.ok(entries.length > 0, 'the demo world logs');
  assert.ok(entries.every((e: { message: string; timestamp: string }) => typeof e.message === 'string' && e.timestamp));
});

// gax arms each call's deadline with a timer; it used to be AbortSignal.timeout, which Node keeps
// alive with its listener until it fires, and with it the call's answer: 2,000 VMs stayed in
// memory for 20 s after they were read (scripts/gax-deadline.mjs).
test('gcp-compute.js: the pages of a 2,000-VM list are not kept once read', async () => {
  const v8 = await import('node:v8');
  const vm = await import('node:vm');
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  const scale = await startSandbox({ seed: 'scale' });
  try {
    const s = readSettings({
      get: <T>(key: string, fallback: T) =>
        ((scale.settings as Record<string, unknown>)[`runnerOps.${key}`] ?? fallback) as T,
    } as Parameters<typeof readSettings>[0]);
    const adapter = new (bundle('gcp-compute.js').ComputeAdapter)(s);
    assert.equal((await adapter.listWorkers()).length, 2000); // warms the client up
    gc();
    const before = process.memoryUsage().heapUsed;
    assert.equal((await adapter.listWorkers()).length, 2000);
    gc();
    gc();
    const kept = (process.memoryUsage().heapUsed - before) / 2 ** 20;
    // The raw pages are about 30 MB; what may stay is the client's own bookkeeping.
    assert.ok(kept < 8, `${kept.toFixed(1)} MB still held after the list was read`);
    await adapter.close();
  } finally {
    await scale.close();
  }
});

test('gcp-compute.js: a call that gets no answer still ends at its deadline', { timeout: 15_000 }, async () => {
  sandbox.faults.add('compute:/*/getGuestAttributes=latency:9000');
  try {
    const adapter = new (bundle('gcp-compute.js').ComputeAdapter)(settings());
    const started = Date.now();
    const failure = await adapter.guestAttributes({ zone: 'europe-west1-b', name: 'gitlab-runner-a' }).then(
      () => assert.fail('the call succeeded'),
      (error: { message: string; request: { status: string } }) => error,
    );
    assert.equal(failure.request.status, 'DEADLINE_EXCEEDED');
    assert.match(failure.message, /Compute Engine did not answer while trying to read the guest attributes/);
    const waited = Date.now() - started;
    assert.ok(waited >= 4_500 && waited < 10_000, `failed after ${waited} ms (deadline 5 s)`);
    await adapter.close();
  } finally {
    sandbox.faults.clear();
  }
});
