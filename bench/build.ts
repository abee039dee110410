// Builds the extension into a private temporary folder with the project's own build script, so
// the benchmark measures the current sources without touching dist/ (which others may be using).
import { mkdtempSync, readdirSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';

export const ROOT = resolve(__dirname, '..');

export interface Build {
  dir: string;
  dist: string;
  ms: number;
  bundles: Array<{ name: string; bytes: number }>;
}

/** `node scripts/build.mjs [--production]` run in a folder of symlinks to src/, scripts/, node_modules/…; output lands in <folder>/dist. */
export function buildInto(production: boolean): Build {
  const dir = mkdtempSync(join(tmpdir(), 'runner-ops-bench-'));
  for (const entry of ['src', 'scripts', 'test', 'node_modules', 'package.json', 'tsconfig.json'])
    symlinkSync(join(ROOT, entry), join(dir, entry));
  const started = performance.now();
  const run = spawnSync(process.execPath, ['scripts/build.mjs', ...(production ? ['--production'] : [])], {
    cwd: dir,
    encoding: 'utf8',
  });
  const ms = performance.now() - started;
  if (run.status !== 0)
    throw new Error(`build failed (${production ? 'production' : 'dev'}):\n${run.stderr}${run.stdout}`);
  const dist = join(dir, 'dist');
  const bundles = readdirSync(dist)
    .filter((f) => f.endsWith('.js'))
    .sort((a, b) => (a === 'extension.js' ? -1 : b === 'extension.js' ? 1 : a.localeCompare(b)))
    .map((name) => ({ name, bytes: statSync(join(dist, name)).size }));
  return { dir, dist, ms, bundles };
}
