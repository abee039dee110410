// Runs in a fresh `node --expose-gc` child: requires one module and prints what it cost as JSON.
//   node --expose-gc require-probe.cjs <module path> [--vscode-stub] [--activate] [--construct-compute=adapter|package] [--construct-logging] [--after=<module path>]
// requireMs: wall time of require() alone. heapDeltaMB: heap still used after a full GC, minus
// the same before (what the module keeps alive). rssDeltaMB: resident memory growth.
const { performance } = require('node:perf_hooks');
const path = require('node:path');

const [file, ...flags] = process.argv.slice(2);
const has = (f) => flags.includes(f);
const flag = (name) => flags.find((f) => f.startsWith(`${name}=`))?.slice(name.length + 1);
const MB = 1024 * 1024;
const result = {};

if (has('--vscode-stub')) require('./vscode-stub.cjs');
const gc = () => {
  global.gc();
  global.gc();
};

// --after=<path>: require that module first (not counted), to see what `file` adds on top of it.
const after = flag('--after');
if (after) require(path.resolve(after));
gc();
const heap0 = process.memoryUsage().heapUsed;
const rss0 = process.memoryUsage().rss;
const t0 = performance.now();
const cpu0 = process.cpuUsage();
const mod = require(path.resolve(file));
result.requireMs = performance.now() - t0;
// CPU time too: on a loaded machine the wall time includes waiting for a core.
const cpu = process.cpuUsage(cpu0);
result.requireCpuMs = (cpu.user + cpu.system) / 1000;
gc();
result.heapDeltaMB = (process.memoryUsage().heapUsed - heap0) / MB;
result.rssDeltaMB = (process.memoryUsage().rss - rss0) / MB;

function lazyBundlesLoaded() {
  return Object.keys(require.cache)
    .filter((k) => /[\\/](main|gitlab|gitlab-jobs|gcp-[a-z]+)\.js$/.test(k))
    .map((k) => path.basename(k));
}

async function main() {
  if (has('--activate')) {
    const { stub } = require('./vscode-stub.cjs');
    // The manifest is real: activation registers what package.json declares.
    const packageJSON = require(path.join(__dirname, '..', 'package.json'));
    const context = new Proxy(
      { subscriptions: [], extension: { packageJSON } },
      { get: (o, p) => (p in o ? o[p] : stub(`context.${String(p)}`)) },
    );
    const t1 = performance.now();
    try {
      const api = mod.activate(context);
      result.activateMs = performance.now() - t1;
      result.activateOk = true;
      result.registered = context.subscriptions.length;
      void api;
    } catch (error) {
      result.activateMs = performance.now() - t1;
      result.activateOk = false;
      result.activateError = String(error?.message ?? error).slice(0, 200);
    }
    await new Promise((r) => setTimeout(r, 50)); // let promises started by activate() settle
    result.lazyBundlesAfterActivate = lazyBundlesLoaded();
  }
  const construct = flag('--construct-compute');
  if (construct) {
    const endpoint = { apiEndpoint: '127.0.0.1', port: 9, protocol: 'http' };
    const t2 = performance.now();
    if (construct === 'adapter') {
      new mod.ComputeAdapter({
        gcpProject: 'bench-project',
        gcpZones: [],
        instanceFilter: '',
        credentials: 'none',
        endpoints: { compute: 'http://127.0.0.1:9' },
      });
    } else {
      const { PassThroughClient } = require('google-auth-library');
      new mod.InstancesClient({ ...endpoint, authClient: new PassThroughClient() });
      new mod.ZoneOperationsClient({ ...endpoint, authClient: new PassThroughClient() });
    }
    result.constructMs = performance.now() - t2;
    gc();
    result.heapAfterConstructMB = (process.memoryUsage().heapUsed - heap0) / MB;
  }
  // The first runner-log tail builds its Logging client (the pruned descriptor is loaded then).
  if (has('--construct-logging')) {
    const t2 = performance.now();
    mod.logEntrySource({
      gcpProject: 'bench-project',
      credentials: 'none',
      endpoints: { logging: 'http://127.0.0.1:9' },
    });
    result.constructMs = performance.now() - t2;
    gc();
    result.heapAfterConstructMB = (process.memoryUsage().heapUsed - heap0) / MB;
  }
  process.stdout.write(JSON.stringify(result));
  process.exit(0);
}
main();
