// The bundles' loader with V8's code cache (src/code-cache.ts), on small bundles written here:
// a second window takes the compiled code of the first; a changed bundle, or a cache V8 refuses,
// is compiled from its source and loads all the same.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { codeCachedLoader, type BundleLoader } from '../../src/code-cache';

const SAVE_MS = 10;

/** A dist folder as esbuild writes it: `app` requires its sibling `core` and a built-in. */
function dist(version: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'runner-ops-code-cache-dist-'));
  writeFileSync(
    join(dir, 'core.js'),
    `exports.version = ${JSON.stringify(version)};\nexports.loads = (globalThis.__coreLoads ?? 0) + 1;\nglobalThis.__coreLoads = exports.loads;\n`,
  );
  writeFileSync(
    join(dir, 'app.js'),
    `const core = require('./core.js');\nconst { basename } = require('node:path');\nexports.describe = () => core.version + ' from ' + basename(__filename) + ' in ' + typeof module.exports;\n`,
  );
  return dir;
}

const window = (distDir: string, cacheDir: string): BundleLoader =>
  codeCachedLoader(distDir, cacheDir, module, SAVE_MS);
const saved = () => new Promise((resolve) => setTimeout(resolve, SAVE_MS + 200));
const cacheFiles = (dir: string) => readdirSync(dir).sort();

test('the first window compiles the bundles and saves their code; the next one loads from it', async () => {
  const cacheDir = join(mkdtempSync(join(tmpdir(), 'runner-ops-code-cache-')), 'code-cache');
  const first = window(dist('1.0.0'), cacheDir);
  const app = first('app') as { describe: () => string };
  assert.equal(app.describe(), '1.0.0 from app.js in object');
  assert.equal(first('app'), app, 'a bundle loads once, like require');
  assert.deepEqual(Object.fromEntries(first.compiledFrom), { app: 'source', core: 'source' });
  await saved();
  assert.deepEqual(
    cacheFiles(cacheDir).map((f) => f.replace(/[0-9a-f]{16}/, 'HASH')),
    ['app-HASH.bin', 'core-HASH.bin'],
  );

  // Another window of the same release: a new extension host, the same bundles' text.
  const second = window(dist('1.0.0'), cacheDir);
  assert.equal((second('app') as { describe: () => string }).describe(), '1.0.0 from app.js in object');
  assert.deepEqual(Object.fromEntries(second.compiledFrom), { app: 'cache', core: 'cache' });
});

test('a changed bundle is compiled from its own source, never from the old cache, which is then removed', async () => {
  const cacheDir = mkdtempSync(join(tmpdir(), 'runner-ops-code-cache-'));
  window(dist('1.0.0'), cacheDir)('app');
  await saved();
  const before = cacheFiles(cacheDir);

  // core.js is the same length with another text (V8 alone would accept the old cache for it); app.js is unchanged.
  const next = window(dist('1.0.1'), cacheDir);
  assert.equal((next('app') as { describe: () => string }).describe(), '1.0.1 from app.js in object');
  assert.deepEqual(Object.fromEntries(next.compiledFrom), { app: 'cache', core: 'source' });
  await saved();
  const after = cacheFiles(cacheDir);
  assert.equal(after.length, 2);
  assert.equal(after.filter((f) => before.includes(f)).length, 1, `${after.join(', ')} after ${before.join(', ')}`);
  assert.ok(after.some((f) => f.startsWith('core-') && !before.includes(f)));
});

test('a cache V8 refuses (damaged, or from another V8 build) is compiled from source and saved again', async () => {
  const cacheDir = mkdtempSync(join(tmpdir(), 'runner-ops-code-cache-'));
  window(dist('1.0.0'), cacheDir)('core');
  await saved();
  const [file] = cacheFiles(cacheDir);
  writeFileSync(join(cacheDir, file), Buffer.alloc(4096, 7));

  const next = window(dist('1.0.0'), cacheDir);
  assert.equal((next('core') as { version: string }).version, '1.0.0');
  assert.equal(next.compiledFrom.get('core'), 'source');
  await saved();
  const again = window(dist('1.0.0'), cacheDir);
  again('core');
  assert.equal(again.compiledFrom.get('core'), 'cache');
});

test('a bundle that throws while loading is not left half-loaded: the next load runs it again', () => {
  const dir = mkdtempSync(join(tmpdir(), 'runner-ops-code-cache-dist-'));
  const marker = join(dir, 'ok');
  writeFileSync(
    join(dir, 'flaky.js'),
    `if (!require('node:fs').existsSync(${JSON.stringify(marker)})) throw new Error('not yet');\nexports.ok = true;\n`,
  );
  const load = window(dir, mkdtempSync(join(tmpdir(), 'runner-ops-code-cache-')));
  assert.throws(() => load('flaky'), /not yet/);
  writeFileSync(marker, '');
  assert.deepEqual(load('flaky'), { ok: true });
});
