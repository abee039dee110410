// Bench only: inside the extension host of each window the bench opens, asks the bench's bridge
// (RUNNER_OPS_BENCH_BRIDGE) what to do next and answers with what it measured. Its session is
// the window's workspace folder, which the bench makes unique per window.
const vscode = require('vscode');
const v8 = require('node:v8');
const vm = require('node:vm');
const { performance } = require('node:perf_hooks');

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');
v8.setFlagsFromString('--no-expose-gc');

const EXTENSION_ID = 'runner-ops.runner-ops';
/** Client libraries and the lazily loaded adapter bundles: none may be loaded by activation. */
const CLIENT_MODULE =
  /[\\/](@google-cloud|@gitbeaker|google-gax|google-auth-library|@grpc)[\\/]|[\\/]dist[\\/](gitlab|gcp-[\w-]+)\.js$/;

let profiler;
const post = (method, params) =>
  new Promise((resolve, reject) => profiler.post(method, params, (e, r) => (e ? reject(e) : resolve(r))));

function heapAfterGc() {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

const steps = {
  async activate() {
    const extension = vscode.extensions.getExtension(EXTENSION_ID);
    if (!extension) throw new Error(`${EXTENSION_ID} is not installed in this window`);
    if (extension.isActive) throw new Error(`${EXTENSION_ID} was already active: not a cold activation`);
    const heapBefore = heapAfterGc();
    // The forced GC just paused this thread for 100-300 ms, and the first round trip to the
    // window after such a pause took 9-34 ms against 5-10 for the next: activation waits for one
    // (the extension's stored state). One round trip first, so the real and the floor windows
    // both start from a channel in use, as an activation in a working window does.
    await vscode.commands.executeCommand('setContext', 'runnerOpsBench.ready', true);
    const started = performance.now();
    await extension.activate();
    const ms = performance.now() - started;
    const heapAfter = heapAfterGc();
    const clientModules = Object.keys(require.cache).filter((file) => CLIENT_MODULE.test(file));
    return { ms, heapDelta: heapAfter - heapBefore, clientModules };
  },
  /** Starts the inspector's CPU profiler in this extension host (bench --profile). */
  async profileStart() {
    profiler = new (require('node:inspector').Session)();
    profiler.connect();
    await post('Profiler.enable');
    await post('Profiler.setSamplingInterval', { interval: Number(process.env.RO_PROFILE_INTERVAL ?? 200) });
    await post('Profiler.start');
    // What was allocated meanwhile, collected or not: garbage is what the collector spends on.
    await post('HeapProfiler.enable');
    await post('HeapProfiler.startSampling', {
      samplingInterval: 16384,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
    return { at: Date.now() };
  },
  /**
   * Writes the CPU profile to `file` and the allocations to the same name in .heapprofile (open
   * both in Chrome's DevTools); `at`: when it started, epoch ms.
   */
  async profileStop({ file }) {
    const { profile } = await post('Profiler.stop');
    const allocations = (await post('HeapProfiler.stopSampling')).profile;
    const fs = require('node:fs');
    fs.writeFileSync(file, JSON.stringify(profile));
    fs.writeFileSync(file.replace(/\.cpuprofile$/, '.heapprofile'), JSON.stringify(allocations));
    profiler.disconnect();
    return {};
  },
  async heap() {
    return { heap: heapAfterGc() };
  },
  /** Writes a heap snapshot to `file` after GC (bench --profile: what the heap holds, by constructor). */
  async heapSnapshot({ file }) {
    heapAfterGc();
    v8.writeHeapSnapshot(file);
    return {};
  },
  /** The error rows at the top of Runner Ops' views (a failed read), as "view: label". */
  async errorRows() {
    const { views } = vscode.extensions.getExtension(EXTENSION_ID).exports;
    const found = [];
    for (const [id, provider] of Object.entries({
      workers: views.workers,
      runners: views.runners,
      pipelines: views.pipelines,
      secrets: views.secrets,
    })) {
      for (const node of provider.getChildren() ?? [])
        if (node.kind === 'item' && node.item.contextValue === 'error') found.push(`${id}: ${node.item.label}`);
    }
    return found;
  },
  /** How Runner Ops' bundles were compiled in this window: from V8's code cache or from source (src/code-cache.ts). */
  async compiledFrom() {
    return vscode.extensions.getExtension(EXTENSION_ID).exports.compiledFrom ?? {};
  },
  /**
   * What each Runner Ops view shows now, as far as VS Code would draw it: every row of the roots
   * and of each expanded row, with its label, description, icon and state (bench/render-floor).
   */
  async treeShape() {
    const { views } = vscode.extensions.getExtension(EXTENSION_ID).exports;
    const walk = async (provider, node, depth) => {
      const nodes = (await provider.getChildren(node)) ?? [];
      const rows = [];
      for (const child of nodes) {
        const item = await provider.getTreeItem(child);
        const label = typeof item.label === 'string' ? item.label : (item.label?.label ?? '');
        const description = typeof item.description === 'string' ? item.description : undefined;
        const icon = item.iconPath instanceof vscode.ThemeIcon ? item.iconPath.id : undefined;
        const state = item.collapsibleState ?? 0;
        const expanded = state === vscode.TreeItemCollapsibleState.Expanded && depth < 6;
        rows.push({
          label,
          description,
          icon,
          state,
          children: expanded ? await walk(provider, child, depth + 1) : undefined,
        });
      }
      return rows;
    };
    const shape = {};
    for (const [id, provider] of Object.entries({
      'runnerOps.workers': views.workers,
      'runnerOps.runners': views.runners,
      'runnerOps.pipelines': views.pipelines,
      'runnerOps.secrets': views.secrets,
      'runnerOps.checklist': views.checklist,
    }))
      shape[id] = await walk(provider, undefined, 0);
    return shape;
  },
  async command({ id, args = [] }) {
    await vscode.commands.executeCommand(id, ...args);
    return {};
  },
};

async function call(op, args) {
  const response = await fetch(process.env.RUNNER_OPS_BENCH_BRIDGE, {
    method: 'POST',
    body: JSON.stringify({ op, ...args }),
  });
  const body = await response.json();
  if (!body.ok) throw new Error(body.error);
  return body.result;
}

exports.activate = () => {
  const bridge = process.env.RUNNER_OPS_BENCH_BRIDGE;
  const session = vscode.workspace.workspaceFolders?.[0]?.uri.path;
  if (!bridge || !session) return;
  void (async () => {
    for (;;) {
      const step = await call('next', { session });
      if (!step || step.name === 'done') return;
      let answer;
      try {
        answer = { id: step.id, value: await steps[step.name](step.args ?? {}) };
      } catch (error) {
        answer = { id: step.id, error: String(error?.stack ?? error) };
      }
      await call('answer', answer);
    }
  })().catch(() => undefined);
};

exports.deactivate = () => {};
