// Activation cost: each bundle required in a fresh `node --expose-gc` child (bench/require-probe.cjs),
// runs interleaved round-robin so background load spreads evenly over the cases.
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, type Build } from './build';
import { summarize, type Summary } from './stats';

export interface ProbeCase {
  label: string;
  file: string;
  flags: string[];
  runs: number;
}

export interface ProbeResult {
  label: string;
  file: string;
  bytes?: number;
  requireMs: Summary;
  requireCpuMs: Summary;
  heapMB: Summary;
  /** The samples behind requireMs and heapMB, for the budgets. */
  requireSamples: number[];
  heapSamples: number[];
  rssMB: Summary;
  constructMs?: Summary;
  heapAfterConstructMB?: Summary;
  activateMs?: Summary;
  activateError?: string;
  registered?: number;
  lazyBundlesAfterActivate?: string[];
}

interface Probe {
  requireMs: number;
  requireCpuMs: number;
  heapDeltaMB: number;
  rssDeltaMB: number;
  constructMs?: number;
  heapAfterConstructMB?: number;
  activateMs?: number;
  activateOk?: boolean;
  activateError?: string;
  registered?: number;
  lazyBundlesAfterActivate?: string[];
}

const PROBE = join(__dirname, 'require-probe.cjs');

function probe(c: ProbeCase): Probe {
  const run = spawnSync(process.execPath, ['--expose-gc', PROBE, c.file, ...c.flags], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, METADATA_SERVER_DETECTION: 'none', NODE_OPTIONS: '' },
    timeout: 60_000,
  });
  if (run.status !== 0) throw new Error(`probe of ${c.label} failed: ${run.stderr || run.stdout}`);
  return JSON.parse(run.stdout) as Probe;
}

export function activationCases(build: Build, runs: number, packageRuns: number): ProbeCase[] {
  const cases: ProbeCase[] = build.bundles.map(({ name }) => ({
    label: `dist/${name}`,
    file: join(build.dist, name),
    flags:
      name === 'extension.js'
        ? ['--vscode-stub', '--activate']
        : name === 'main.js'
          ? ['--vscode-stub']
          : name === 'gcp-compute.js'
            ? ['--construct-compute=adapter']
            : name === 'gcp-logging.js'
              ? ['--construct-logging']
              : [],
    runs,
  }));
  const compute = join(ROOT, 'node_modules/@google-cloud/compute');
  cases.push(
    {
      label: '@google-cloud/compute (package index)',
      file: compute,
      flags: ['--construct-compute=package'],
      runs: packageRuns,
    },
    {
      label: '@google-cloud/compute …/v1/instances_client (full descriptor)',
      file: join(compute, 'build/src/v1/instances_client.js'),
      flags: [],
      runs: packageRuns,
    },
  );
  return cases;
}

export function measureActivation(cases: ProbeCase[], progress: (msg: string) => void): ProbeResult[] {
  const samples = new Map<ProbeCase, Probe[]>(cases.map((c) => [c, []]));
  const rounds = Math.max(...cases.map((c) => c.runs));
  for (let round = 0; round < rounds; round++) {
    progress(`activation: round ${round + 1}/${rounds}`);
    for (const c of cases) if (round < c.runs) samples.get(c)!.push(probe(c));
  }
  return cases.map((c) => {
    const s = samples.get(c)!;
    const pick = (f: (p: Probe) => number | undefined) => {
      const values = s.map(f).filter((v): v is number => typeof v === 'number');
      return values.length ? summarize(values) : undefined;
    };
    let bytes: number | undefined;
    try {
      bytes =
        statSync(c.file).isFile() && !c.flags.some((f) => f.startsWith('--after=')) ? statSync(c.file).size : undefined;
    } catch {
      bytes = undefined;
    }
    return {
      label: c.label,
      file: c.file,
      bytes,
      requireMs: pick((p) => p.requireMs)!,
      requireCpuMs: pick((p) => p.requireCpuMs)!,
      heapMB: pick((p) => p.heapDeltaMB)!,
      requireSamples: s.map((p) => p.requireMs),
      heapSamples: s.map((p) => p.heapDeltaMB),
      rssMB: pick((p) => p.rssDeltaMB)!,
      constructMs: pick((p) => p.constructMs),
      heapAfterConstructMB: pick((p) => p.heapAfterConstructMB),
      activateMs: pick((p) => (p.activateOk ? p.activateMs : undefined)),
      activateError: s.find((p) => p.activateOk === false)?.activateError,
      registered: s[0].registered,
      lazyBundlesAfterActivate: s[0].lazyBundlesAfterActivate,
    };
  });
}
