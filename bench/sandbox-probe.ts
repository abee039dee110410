// Runs in a fresh child (node --expose-gc --import tsx): starts the sandbox with one seed, prints
// JSON: wall and CPU time of startSandbox(), and the heap it retains after a full GC.
import { performance } from 'node:perf_hooks';
import { startSandbox } from '../test/sandbox/server';
import type { SeedKind } from '../test/sandbox/seeds';

async function main() {
  const seed = process.argv[2] as SeedKind;
  const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
  gc();
  const cpu0 = process.cpuUsage();
  const heap0 = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  const sandbox = await startSandbox({ seed });
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  gc();
  const heapMB = (process.memoryUsage().heapUsed - heap0) / 1024 / 1024;
  await sandbox.close();
  process.stdout.write(JSON.stringify({ ms, cpuMs: (cpu.user + cpu.system) / 1000, heapMB }));
  process.exit(0);
}
void main();
