// Sandbox startup per seed, each in a fresh process (tsx's own start-up is not counted).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './build';
import { summarize, type Summary } from './stats';

export interface StartupResult {
  seed: string;
  ms: Summary;
  cpuMs: Summary;
  heapMB: Summary;
}

export function measureStartup(
  seeds: Array<{ seed: string; reps: number }>,
  progress: (m: string) => void,
): StartupResult[] {
  const samples = new Map<string, Array<{ ms: number; cpuMs: number; heapMB: number }>>(seeds.map((s) => [s.seed, []]));
  const rounds = Math.max(...seeds.map((s) => s.reps));
  for (let round = 0; round < rounds; round++) {
    progress(`sandbox startup: round ${round + 1}/${rounds}`);
    for (const { seed, reps } of seeds) {
      if (round >= reps) continue;
      const run = spawnSync(
        process.execPath,
        ['--expose-gc', '--import', 'tsx', join(__dirname, 'sandbox-probe.ts'), seed],
        { cwd: ROOT, encoding: 'utf8', timeout: 120_000 },
      );
      if (run.status !== 0) throw new Error(`sandbox probe (${seed}) failed: ${run.stderr}`);
      samples.get(seed)!.push(JSON.parse(run.stdout));
    }
  }
  return seeds.map(({ seed }) => {
    const s = samples.get(seed)!;
    return {
      seed,
      ms: summarize(s.map((x) => x.ms)),
      cpuMs: summarize(s.map((x) => x.cpuMs)),
      heapMB: summarize(s.map((x) => x.heapMB)),
    };
  });
}
