// Tails (issue 13): latency from the source to the document, the extension host's CPU per update
// at 10,000 lines, heap over a simulated hour of 1,000,000 lines. Each measured in a fresh
// `node --expose-gc --import tsx bench/tails-probe.ts` child (method: docs/benchmarks.md).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { Figure } from './budgets';
import { ROOT, type Build } from './build';

interface CpuRun {
  lines: number;
  samples: number[];
  bytesPerUpdate: number[];
}
interface HourRun {
  wallMs: number;
  written: number;
  dropped: number;
  documentLines: number;
  marks: Array<{ minute: number; heapMB: number; lines: number }>;
}

export interface TailsBench {
  cpu: CpuRun[];
  hour: HourRun[];
  latency: number[];
  simulatedMinutes: number;
}

function probe<T>(args: string[]): T {
  const run = spawnSync(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', join(__dirname, 'tails-probe.ts'), ...args],
    {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 900_000,
      env: { ...process.env, METADATA_SERVER_DETECTION: 'none' },
    },
  );
  if (run.status !== 0) throw new Error(`tails probe (${args.join(' ')}) failed: ${run.stderr || run.stdout}`);
  return JSON.parse(run.stdout) as T;
}

export function measureTails(build: Build, quick: boolean, progress: (m: string) => void): TailsBench {
  const cpu: CpuRun[] = [];
  for (let run = 0; run < (quick ? 2 : 5); run++) {
    progress(`tails: CPU per update at 10,000 lines, run ${run + 1}`);
    cpu.push(probe<CpuRun>(['cpu', '30', '5']));
  }
  // The hour is ~7,200 polls through the whole path: a few minutes of CPU on a busy machine.
  const simulatedMinutes = quick ? 10 : 60;
  progress(`tails: ${simulatedMinutes} simulated minutes at 1,000,000 lines an hour`);
  const hour = [
    probe<HourRun>([
      'hour',
      String(Math.round((1_000_000 * simulatedMinutes) / 60)),
      String(simulatedMinutes * 60_000),
    ]),
  ];
  progress('tails: latency from the sandbox to the document');
  const latency = probe<{ samples: number[] }>([
    'latency',
    quick ? '5' : '12',
    join(build.dist, 'gcp-logging.js'),
  ]).samples;
  return { cpu, hour, latency, simulatedMinutes };
}

export function tailsFigures(bench: TailsBench): Figure[] {
  const perUpdate = bench.cpu.map((run) => {
    const sorted = [...run.samples].sort((a, b) => a - b);
    return sorted[sorted.length >> 1];
  });
  const growth = bench.hour.map((run) => {
    // From the first mark with a full buffer (the cap reached), the largest rise after it.
    const full = run.marks.findIndex((m) => m.lines >= run.documentLines);
    const base = run.marks[Math.max(0, full)].heapMB;
    return Math.max(0, ...run.marks.slice(full + 1).map((m) => m.heapMB - base));
  });
  const bytes = bench.cpu.flatMap((run) => run.bytesPerUpdate);
  return [
    {
      id: 'tails.latency',
      what: 'tail: a Cloud Logging entry written to the sandbox → its line in the document (quiet tail, real client)',
      unit: 'ms',
      samples: bench.latency,
      budget: { max: 1000 },
      note: `slowest ${Math.round(Math.max(...bench.latency))} ms`,
    },
    {
      id: 'tails.cpuPerUpdate',
      what: 'tail at 10,000 lines: extension-host CPU per update of 5 lines (median per run; VS Code’s part modelled)',
      unit: 'ms',
      samples: perUpdate,
      budget: { max: 20 },
      note: `${(bytes.reduce((a, b) => a + b, 0) / bytes.length / 1024 ** 2).toFixed(2)} MB to the renderer per update`,
    },
    {
      id: 'tails.heapGrowth',
      what: `tail: heap growth over ${bench.simulatedMinutes} simulated minutes at 1,000,000 lines an hour, after the cap is reached`,
      unit: 'MB',
      samples: growth,
      budget: { max: 10 },
      note: `${bench.hour[0].written.toLocaleString('en')} entries, ${bench.hour[0].documentLines.toLocaleString('en')} lines kept`,
    },
  ];
}
