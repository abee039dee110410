// Refresh cost against the sandbox: a FleetStore over the real adapters (the production bundles
// just built, so the Compute client uses the pruned descriptor as shipped), one area at a time,
// counting what reached the sandbox from its request log.
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { FleetStore, type FleetArea } from '../src/core/fleet-store';
import type { ComputePort, GitLabPort } from '../src/core/ports';
import type { Runner, WorkerVm } from '../src/core/model';
import type { LoggedRequest } from '../test/sandbox/request-log';
import type { Sandbox } from '../test/sandbox/server';
import { summarize, type Summary } from './stats';

export const AREAS: FleetArea[] = ['workers', 'runners', 'pipelines'];

interface Adapters {
  GitLabFleet: new (url: string, token: string) => GitLabPort;
  ComputeAdapter: new (settings: object) => ComputePort & { close(): Promise<void> };
}

export function loadAdapters(dist: string): Adapters {
  const { GitLabFleet } = require(join(dist, 'gitlab.js'));
  const { ComputeAdapter } = require(join(dist, 'gcp-compute.js'));
  return { GitLabFleet, ComputeAdapter };
}

export interface Scenario {
  label: string;
  token: 'admin' | 'user';
  /** Override runnerOps.gcp.zones, e.g. [] for the aggregated list. */
  zones?: string[];
  areas: FleetArea[];
  reps: number;
}

export interface PassResult {
  ms: number;
  requests: LoggedRequest[];
  error?: string;
  rows: number;
}

export interface AreaResult {
  area: FleetArea;
  cold: { ms: Summary; requests: number[]; byEndpoint: Record<string, number>; rows: number; errors: string[] };
  warm: { ms: Summary; requests: number[]; byEndpoint: Record<string, number>; rows: number; errors: string[] };
}

export interface ScenarioResult {
  label: string;
  areas: AreaResult[];
  /** From the last cold pass: what correlate() is fed. */
  workers?: WorkerVm[];
  runners?: Runner[];
}

/** `GET /projects/:id/pipelines/:id` style keys, with the API in front. */
export function endpointOf(r: LoggedRequest): string {
  let path = r.path.split('?')[0];
  if (r.api === 'gitlab') {
    path = path.replace(/^\/api\/v4/, '').replace(/\/projects\/[^/]+/, '/projects/:id');
  } else {
    path = path
      .replace(/\/projects\/[^/]+/, '/projects/:p')
      .replace(/\/zones\/[^/]+/, '/zones/:zone')
      .replace(/\/instances\/[^/]+/, '/instances/:name');
  }
  path = path.replace(/\/\d+(?=\/|$)/g, '/:id');
  return `${r.api} ${r.method} ${path}`;
}

function countBy(requests: LoggedRequest[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of requests) out[endpointOf(r)] = (out[endpointOf(r)] ?? 0) + 1;
  return Object.fromEntries(Object.entries(out).sort((a, b) => b[1] - a[1]));
}

function rowsOf(store: FleetStore, area: FleetArea): number {
  if (area === 'workers') return store.workers.value?.length ?? 0;
  if (area === 'runners') return store.runners.value?.length ?? 0;
  return [...store.pipelines.values()].reduce((n, l) => n + (l.value?.pipelines.length ?? 0), 0);
}

function errorOf(store: FleetStore, area: FleetArea): string | undefined {
  return store.errorOf([area])?.message;
}

export async function runScenario(
  sandbox: Sandbox,
  adapters: Adapters,
  scenario: Scenario,
  progress: (m: string) => void,
): Promise<ScenarioResult> {
  const s = sandbox.settings;
  const computeSettings = {
    gcpProject: s['runnerOps.gcp.project'] as string,
    gcpZones: scenario.zones ?? (s['runnerOps.gcp.zones'] as string[]),
    instanceFilter: s['runnerOps.gcp.instanceFilter'] as string,
    credentials: 'none' as const,
    endpoints: s['runnerOps.gcp.endpoints'] as object,
  };
  const token = scenario.token === 'admin' ? sandbox.tokens.admin : sandbox.tokens.user;
  const cold = new Map<FleetArea, PassResult[]>(scenario.areas.map((a) => [a, []]));
  const warm = new Map<FleetArea, PassResult[]>(scenario.areas.map((a) => [a, []]));
  let last: FleetStore | undefined;

  for (let rep = 0; rep < scenario.reps; rep++) {
    progress(`refresh: ${scenario.label}, rep ${rep + 1}/${scenario.reps}`);
    // Adapters and clients are built outside the timings (their cost is in the activation table).
    const compute = new adapters.ComputeAdapter(computeSettings);
    const gitlab = new adapters.GitLabFleet(sandbox.url, token);
    let now = Date.now();
    const store = new FleetStore({
      compute: async () => compute,
      gitlab: async () => gitlab,
      projects: s['runnerOps.gitlab.projects'] as string[],
      now: () => now,
    });
    const pass = async (area: FleetArea): Promise<PassResult> => {
      const mark = sandbox.requests.mark();
      const t0 = performance.now();
      await store.refresh(area);
      const ms = performance.now() - t0;
      await new Promise((r) => setImmediate(r)); // the log entry is added on the response's 'close'
      return {
        ms,
        requests: sandbox.requests.since(mark).filter((r) => r.api !== 'sandbox'),
        error: errorOf(store, area),
        rows: rowsOf(store, area),
      };
    };
    for (const area of scenario.areas) cold.get(area)!.push(await pass(area));
    now += 60_000; // past every freshness window: the next refresh really goes out, with caches hot
    for (const area of scenario.areas) warm.get(area)!.push(await pass(area));
    await compute.close();
    last = store;
  }

  const summarizePasses = (passes: PassResult[]) => ({
    ms: summarize(passes.map((p) => p.ms)),
    requests: passes.map((p) => p.requests.length),
    byEndpoint: countBy(passes[passes.length - 1].requests),
    rows: passes[passes.length - 1].rows,
    errors: [...new Set(passes.flatMap((p) => (p.error ? [p.error] : [])))],
  });
  return {
    label: scenario.label,
    areas: scenario.areas.map((area) => ({
      area,
      cold: summarizePasses(cold.get(area)!),
      warm: summarizePasses(warm.get(area)!),
    })),
    workers: last?.workers.value,
    runners: last?.runners.value,
  };
}
