// What a user feels, measured in the real VS Code (code-server 1.100.3 + Chromium, the
// integration harness's own start-up, workbench driver and bridge): cold activation against a
// floor (the same package.json with an empty activate()), heap and client modules after it, and
// the time from opening the Runner Ops container to each view showing rows, on a seed, with the
// requests that reached the sandbox. Each sample is a new window: a new extension host.
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, type Build } from './build';
import { SAVE_AFTER_MS } from '../src/code-cache';
import type { Sandbox } from '../test/sandbox/server';
import type { LoggedRequest } from '../test/sandbox/request-log';

/* eslint-disable @typescript-eslint/no-explicit-any -- the harness scripts are plain .mjs */
type Page = any;

export const VIEWS = ['Runner VMs', 'Registered Runners', 'Pipelines', 'Secrets', 'Bootstrap Checklist'] as const;
export type ViewTitle = (typeof VIEWS)[number];

export interface ActivationSample {
  ms: number;
  heapDelta: number;
  clientModules: string[];
}

export interface RenderSample {
  /** ms from the click on the container to the view's first row that is not a placeholder ("Loading…", "Running the checks…"). */
  firstRows: Record<ViewTitle, number>;
  /** Rows in the DOM when the views had rows (the tree is virtual: about what is on screen). */
  visibleRows: Record<ViewTitle, number>;
  /** How each bundle was compiled: from V8's code cache of an earlier window, or from source (the first window after an install). */
  compiledFrom: Record<string, 'cache' | 'source'>;
  /** GitLab and Google requests from the click until the sidebar went quiet (seeds with `requests` only). */
  requests: LoggedRequest[];
  /** Requests of a second refresh (runnerOps.refresh) right after. */
  refreshRequests: LoggedRequest[];
  /** Extension host heap after GC: once activated with the views hidden, and after both refreshes. */
  heapGrowth: number;
}

/** A sample of a seed whose requests and heap are not measured: only its times to rows. */
export type RowsSample = Pick<RenderSample, 'firstRows' | 'visibleRows' | 'compiledFrom'>;

interface Step {
  id: number;
  name: string;
  args?: object;
}

/** Steps for each window's probe (bench/vscode-probe), keyed by the window's workspace folder. */
class ProbeHub {
  private nextId = 1;
  private readonly queued = new Map<string, Step[]>();
  private readonly polling = new Map<string, (step: Step) => void>();
  private readonly answers = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  private readonly arrived = new Map<string, () => void>();

  handlers = {
    next: ({ session }: { session: string }) =>
      new Promise<Step>((resolve) => {
        this.arrived.get(session)?.();
        const queue = this.queued.get(session);
        if (queue?.length) return resolve(queue.shift()!);
        this.polling.set(session, resolve);
      }),
    answer: ({ id, value, error }: { id: number; value?: unknown; error?: string }) => {
      const waiting = this.answers.get(id);
      this.answers.delete(id);
      if (error) waiting?.reject(new Error(`probe: ${error}`));
      else waiting?.resolve(value);
    },
  };

  /** Resolves when the window's probe first asks for a step (its extension host is up). */
  ready(session: string, timeoutMs = 120_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the probe did not start within 120 s')), timeoutMs);
      this.arrived.set(session, () => (clearTimeout(timer), this.arrived.delete(session), resolve()));
    });
  }

  ask<T>(session: string, name: string, args?: object): Promise<T> {
    const step: Step = { id: this.nextId++, name, args };
    const result = new Promise<T>((resolve, reject) => this.answers.set(step.id, { resolve, reject }));
    const poller = this.polling.get(session);
    this.polling.delete(session);
    if (poller) poller(step);
    else this.queued.set(session, [...(this.queued.get(session) ?? []), step]);
    return result;
  }
}

interface Harness {
  startCodeServer: (o: object) => Promise<{ url: string; port: number; stop: () => Promise<void> }>;
  launchBrowser: () => Promise<any>;
  workbenchUi: (page: Page, dir: string) => { openContainer: () => Promise<void> };
  startUiBridge: (handlers: object) => Promise<{ url: string; close: () => void }>;
}

async function harness(): Promise<Harness> {
  const load = (file: string) => import(pathToFileURL(join(ROOT, 'scripts', file)).href);
  return { ...(await load('code-server.mjs')), ...(await load('workbench-ui.mjs')), ...(await load('ui-bridge.mjs')) };
}

/**
 * The built extension; the floor: the same package.json whose activate() does nothing; the render
 * floor: the same package.json whose views show, from memory, the tree the real one showed
 * (bench/render-floor: written once a real window has drawn its rows).
 */
function extensionFolders(build: Build): { real: string; floor: string; renderFloor: string; extensionsDir: string } {
  const base = mkdtempSync(join(tmpdir(), 'runner-ops-bench-vscode-'));
  const folder = (name: string) => {
    const dir = join(base, name);
    mkdirSync(dir);
    writeFileSync(join(dir, 'package.json'), readFileSync(join(ROOT, 'package.json')));
    symlinkSync(join(ROOT, 'media'), join(dir, 'media'));
    return dir;
  };
  const real = folder('real');
  // A copy, not a link: Node resolves a linked dist/ to the build folder, outside the extension,
  // and VS Code then cannot tell whose require('vscode') it is (it logs the extension map and
  // hands out an API that belongs to no extension), which an installed extension never meets.
  cpSync(build.dist, join(real, 'dist'), { recursive: true });
  const floor = folder('floor');
  mkdirSync(join(floor, 'dist'));
  writeFileSync(join(floor, 'dist/extension.js'), 'exports.activate = () => {};\nexports.deactivate = () => {};\n');
  const renderFloor = folder('render-floor');
  mkdirSync(join(renderFloor, 'dist'));
  copyFileSync(join(__dirname, 'render-floor/extension.js'), join(renderFloor, 'dist/extension.js'));
  const extensionsDir = join(base, 'extensions');
  mkdirSync(extensionsDir);
  symlinkSync(join(__dirname, 'vscode-probe'), join(extensionsDir, 'runner-ops.runner-ops-bench-probe-0.0.1'));
  return { real, floor, renderFloor, extensionsDir };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves once `requests` has had no new entry for `quietMs` (capped at `maxMs`). */
async function quiet(sandbox: Sandbox, quietMs: number, maxMs: number): Promise<void> {
  const started = Date.now();
  let count = -1;
  let since = Date.now();
  while (Date.now() - started < maxMs) {
    const now = sandbox.requests.all().length;
    if (now !== count) [count, since] = [now, Date.now()];
    else if (Date.now() - since >= quietMs) return;
    await sleep(200);
  }
}

/** Both cores' busy and total jiffies since boot (Linux /proc/stat). */
function machineCpu(): { busy: number; total: number } {
  const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/);
  const [user, nice, system, idle, iowait, irq, softirq, steal] = fields.map(Number);
  const busy = user + nice + system + irq + softirq + steal;
  return { busy, total: busy + idle + iowait };
}

/**
 * Waits, after a window opened, until the whole machine has been quiet (under 15% of its cores
 * busy) for 1 s, at least 1 s and at most 10 s. VS Code's startup tail (the workbench's Eventually
 * phase, built-in extensions activating on startup) lasts a few seconds after onStartupFinished,
 * and on 2 cores it landed in whatever was measured next: a first render took 505 to 1,655 ms
 * for the same code. Returns how long it waited and whether the machine got quiet.
 */
async function machineQuiet(): Promise<{ waitedMs: number; quiet: boolean }> {
  const started = Date.now();
  await sleep(1000);
  let quietFor = 0;
  let before = machineCpu();
  while (Date.now() - started < 10_000) {
    await sleep(250);
    const now = machineCpu();
    const busy = (now.busy - before.busy) / Math.max(1, now.total - before.total);
    before = now;
    quietFor = busy < 0.15 ? quietFor + 250 : 0;
    if (quietFor >= 1000) return { waitedMs: Date.now() - started, quiet: true };
  }
  return { waitedMs: Date.now() - started, quiet: false };
}

const fleetRequests = (list: LoggedRequest[]) => list.filter((r) => r.api !== 'sandbox');

/**
 * Runs in the page: the time each view first shows a row that is not a placeholder ("Loading…", or
 * the checklist's "Running the checks…", which is no check's result), from the click
 * on the container. A string, so the TypeScript loader's helpers do not end up in the page.
 */
const watchViews = (titles: readonly string[]) => `(() => {
  const titles = ${JSON.stringify(titles)};
  const bench = (window.__bench = { clickedAt: undefined, firstRows: {}, visibleRows: {} });
  document.addEventListener('mousedown', () => (bench.clickedAt ??= performance.now()), { capture: true });
  const check = () => {
    if (bench.clickedAt === undefined) return;
    for (const pane of document.querySelectorAll('.sidebar .pane')) {
      const title = pane.querySelector('.pane-header h3.title')?.textContent?.trim() ?? '';
      if (!titles.includes(title) || bench.firstRows[title] !== undefined) continue;
      const rows = [...pane.querySelectorAll('.monaco-list-row')];
      const labels = rows.map((r) => (r.querySelector('.label-name')?.textContent ?? '').trim());
      if (labels.some((l) => l && !l.startsWith('Loading') && !l.startsWith('Running the checks'))) {
        bench.firstRows[title] = performance.now() - bench.clickedAt;
        bench.visibleRows[title] = rows.length;
      }
    }
  };
  new MutationObserver(check).observe(document.body, { childList: true, subtree: true, characterData: true });
})()`;

export interface VsCodeBench {
  activation: { real: ActivationSample[]; floor: ActivationSample[] };
  render: Partial<Record<string, Array<RenderSample | RowsSample>>>;
  /** The render floor's times to rows, per seed: the same trees served from memory (bench/render-floor). */
  renderFloor: Partial<Record<string, Array<Pick<RenderSample, 'firstRows'>>>>;
  /** How long each window waited for the machine to get quiet before anything was measured in it. */
  settleWaitsMs: number[];
}

/**
 * Starts code-server once per seed (its settings point at that seed's sandbox), then opens
 * windows one at a time: `activationRuns` × (real, floor) interleaved on the first seed, then
 * `renderRuns` first renders per seed, signed in to the sandbox. With `requests`, each render is
 * followed by the wait for quiet, a second refresh and the heap (a living seed such as demo never
 * goes quiet: its jobs move, so that wait is two minutes of nothing measured).
 */
export async function measureInVsCode(
  build: Build,
  seeds: Array<{
    sandbox: () => Promise<Sandbox>;
    name: string;
    renderRuns: number;
    activationRuns: number;
    requests: boolean;
  }>,
  log: (msg: string) => void,
  /** Where to write an extension-host CPU profile of each first render (from the click to the last view's rows). */
  profileDir?: string,
): Promise<VsCodeBench> {
  const h = await harness();
  const hub = new ProbeHub();
  const bridge = await h.startUiBridge(hub.handlers);
  const folders = extensionFolders(build);
  const browser = await h.launchBrowser();
  const result: VsCodeBench = { activation: { real: [], floor: [] }, render: {}, renderFloor: {}, settleWaitsMs: [] };
  const settleWaits = result.settleWaitsMs;
  try {
    for (const seed of seeds) {
      log(`VS Code: starting the sandbox (${seed.name}) and code-server…`);
      const sandbox = await seed.sandbox();
      const server = await h.startCodeServer({
        settings: sandbox.settings,
        env: { RUNNER_OPS_BENCH_BRIDGE: bridge.url },
        extensionsDir: folders.extensionsDir,
      });
      const context = await browser.newContext({ viewport: { width: 1400, height: 1300 } });
      const openWindow = async (extension: string) => {
        const folder = mkdtempSync(join(tmpdir(), 'runner-ops-bench-ws-'));
        const remote = (path: string) => `vscode-remote://127.0.0.1:${server.port}${path}`;
        const payload = [
          ['extensionDevelopmentPath', remote(extension)],
          ['skipWelcome', 'true'],
          ['skipReleaseNotes', 'true'],
        ];
        const page: Page = await context.newPage();
        const ready = hub.ready(folder);
        await page.goto(
          `${server.url}/?folder=${encodeURIComponent(folder)}&payload=${encodeURIComponent(JSON.stringify(payload))}`,
        );
        await ready;
        const settled = await machineQuiet();
        if (!settled.quiet)
          log(`VS Code: the machine was still busy ${settled.waitedMs} ms after the window opened; measuring anyway`);
        settleWaits.push(settled.waitedMs);
        return { page, session: folder };
      };
      try {
        for (let i = 0; i < seed.activationRuns; i++) {
          for (const kind of ['real', 'floor'] as const) {
            log(`VS Code: cold activation ${i + 1}/${seed.activationRuns} (${kind})`);
            const { page, session } = await openWindow(folders[kind]);
            result.activation[kind].push(await hub.ask<ActivationSample>(session, 'activate'));
            await page.close();
          }
        }
        if (!seed.renderRuns) continue;
        {
          // Sign in once, through the real command; secret storage outlives the window.
          const { page, session } = await openWindow(folders.real);
          await hub.ask(session, 'command', {
            id: 'runnerOps.signIn',
            args: [{ url: sandbox.url, token: sandbox.tokens.admin }],
          });
          // The browser's storage writes the secret a moment later; a page closed at once can
          // lose it (a first render then waited for Registered Runners behind "Sign in").
          await sleep(2000);
          await page.close();
        }
        const samples: Array<RenderSample | RowsSample> = [];
        const floorSamples: Array<Pick<RenderSample, 'firstRows'>> = [];
        let shapeKept = false;
        /** The tree the real window showed, once it settled: what the render floor serves. */
        const keepShape = async (session: string) => {
          if (shapeKept) return;
          shapeKept = true;
          const shape = await hub.ask<object>(session, 'treeShape');
          writeFileSync(join(folders.renderFloor, 'dist/shape.json'), JSON.stringify(shape));
        };
        const openAndWatch = async (page: Page) => {
          await page.evaluate(watchViews(VIEWS));
          await h.workbenchUi(page, tmpdir()).openContainer();
          await page.waitForFunction(
            `${JSON.stringify(VIEWS)}.every((t) => window.__bench.firstRows[t] !== undefined)`,
            undefined,
            { timeout: 120_000, polling: 100 },
          );
          return page.evaluate('window.__bench');
        };
        const floorSample = async () => {
          log(`VS Code: first render ${floorSamples.length + 1}/${seed.renderRuns} (${seed.name}, render floor)`);
          const { page, session } = await openWindow(folders.renderFloor);
          await hub.ask(session, 'activate');
          floorSamples.push({ firstRows: (await openAndWatch(page)).firstRows });
          await page.close();
        };
        for (let i = 0; i < seed.renderRuns; i++) {
          if (i > 0) await floorSample();
          log(`VS Code: first render ${i + 1}/${seed.renderRuns} (${seed.name})`);
          const { page, session } = await openWindow(folders.real);
          // Activated with the views hidden (its cost is the activation figure), then the container opens.
          await hub.ask(session, 'activate');
          const heapActivated = (await hub.ask<{ heap: number }>(session, 'heap')).heap;
          const snapshot = (when: string) =>
            profileDir
              ? hub.ask(session, 'heapSnapshot', {
                  file: join(profileDir, `heap-${seed.name}-${i + 1}-${when}.heapsnapshot`),
                })
              : undefined;
          await snapshot('activated');
          const mark = sandbox.requests.mark();
          const profiling = profileDir ? await hub.ask<{ at: number }>(session, 'profileStart') : undefined;
          // The window's own thread too: what it does between the click and the rows.
          const renderer = profileDir ? await page.context().newCDPSession(page) : undefined;
          if (renderer) {
            await renderer.send('Profiler.enable');
            await renderer.send('Profiler.setSamplingInterval', { interval: 200 });
            await renderer.send('Profiler.start');
          }
          const rendererAt = Date.now();
          const seen = await openAndWatch(page);
          // An error row is a row, but not the view working: such a sample measures nothing.
          const errors = await hub.ask<string[]>(session, 'errorRows');
          if (errors.length) throw new Error(`a view showed an error instead of its rows: ${errors.join('; ')}`);
          const compiledFrom = await hub.ask<RowsSample['compiledFrom']>(session, 'compiledFrom');
          if (profiling) {
            const file = join(profileDir!, `first-render-${seed.name}-${i + 1}.cpuprofile`);
            await hub.ask(session, 'profileStop', { file });
            const clickedAt = (await page.evaluate('performance.timeOrigin + window.__bench.clickedAt')) as number;
            log(
              `VS Code: extension-host CPU profile in ${file}, started ${Math.round(clickedAt - profiling.at)} ms before the click`,
            );
            const { profile } = await renderer.send('Profiler.stop');
            const windowFile = file.replace(/\.cpuprofile$/, '.window.cpuprofile');
            writeFileSync(windowFile, JSON.stringify(profile));
            log(
              `VS Code: the window's CPU profile in ${windowFile}, started ${Math.round(clickedAt - rendererAt)} ms before the click`,
            );
          }
          if (!seed.requests) {
            samples.push({ firstRows: seen.firstRows, visibleRows: seen.visibleRows, compiledFrom });
            // Open a little longer, as a user's window would: the extension saves its code cache then.
            await sleep(SAVE_AFTER_MS + 1000);
            await keepShape(session);
            await page.close();
            continue;
          }
          await quiet(sandbox, 3000, 60_000);
          const requests = fleetRequests(sandbox.requests.since(mark));
          const again = sandbox.requests.mark();
          await hub.ask(session, 'command', { id: 'runnerOps.refresh', args: [] });
          await quiet(sandbox, 3000, 60_000);
          const refreshRequests = fleetRequests(sandbox.requests.since(again));
          const heapAfter = (await hub.ask<{ heap: number }>(session, 'heap')).heap;
          await snapshot('after-refreshes');
          await keepShape(session);
          samples.push({
            firstRows: seen.firstRows,
            visibleRows: seen.visibleRows,
            compiledFrom,
            requests,
            refreshRequests,
            heapGrowth: heapAfter - heapActivated,
          });
          await page.close();
        }
        await floorSample();
        result.render[seed.name] = samples;
        result.renderFloor[seed.name] = floorSamples;
      } finally {
        await context.close().catch(() => undefined);
        await server.stop();
        await sandbox.close();
      }
    }
  } finally {
    await browser.close().catch(() => undefined);
    bridge.close();
  }
  return result;
}
