// Runs every test/unit/**/*.test.ts with node's test runner (Node 20 has no glob for --test).
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function find(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return find(path);
    return name.endsWith('.test.ts') ? [path] : [];
  });
}

const only = process.argv.slice(2);
const files = only.length ? only : find('test/unit').sort();
const result = spawnSync(
  process.execPath,
  [
    '--import',
    'tsx',
    '--require',
    './test/guard/loopback-only.cjs',
    '--test',
    '--test-reporter=spec',
    '--test-concurrency=1',
    ...files,
  ],
  { stdio: 'inherit', env: { ...process.env, METADATA_SERVER_DETECTION: 'none' } },
);
process.exit(result.status ?? 1);
