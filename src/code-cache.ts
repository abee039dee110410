// Loads the extension's own bundles (dist/main.js and the client bundles of src/lazy.ts) with
// V8's code cache, as VS Code loads its own code: compiling them is most of what a first load
// costs the extension host's thread (about 275 ms → 95 ms for the four client bundles, measured in
// docs/benchmarks.md). The compiled code of an earlier window is kept in the extension's global
// storage, one file per bundle, named by a hash of the bundle's text and V8's version: a new
// release or another VS Code never gets a cache that was not made from the same source.
// No vscode import: extension.ts hands it the folder.
import { createHash } from 'node:crypto';
import { mkdir, readdir, rename, unlink, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import Module from 'node:module';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';

/** Loads dist/<name>.js (once, like require) and returns its exports. */
export interface BundleLoader {
  (name: string): unknown;
  /** How each bundle loaded: compiled from its `source`, or from the `cache` of an earlier window. */
  readonly compiledFrom: ReadonlyMap<string, 'cache' | 'source'>;
}

/** How long after a bundle's first load its compiled code is saved: functions first called during the first render are in it by then. */
export const SAVE_AFTER_MS = 3000;

type Wrapper = (exports: unknown, require: NodeJS.Require, module: Module, filename: string, dirname: string) => void;

/**
 * `distDir`: where the bundles are; `cacheDir`: where their compiled code is kept; `parent`: the
 * module that requires them (VS Code gives `require('vscode')` the API of the extension whose
 * files the requiring module belongs to).
 */
export function codeCachedLoader(
  distDir: string,
  cacheDir: string,
  parent: Module,
  saveAfterMs = SAVE_AFTER_MS,
): BundleLoader {
  const compiledFrom = new Map<string, 'cache' | 'source'>();
  const load = (name: string): unknown => {
    const file = join(distDir, `${name}.js`);
    const loaded = require.cache[file];
    if (loaded) return loaded.exports;
    const source = readFileSync(file, 'utf8');
    const key = createHash('sha256').update(process.versions.v8).update(source).digest('hex').slice(0, 16);
    const cacheFile = join(cacheDir, `${name}-${key}.bin`);
    let cachedData: Buffer | undefined;
    try {
      cachedData = readFileSync(cacheFile);
    } catch {
      cachedData = undefined; // first load of this release: compiled from source, saved below
    }
    const script = new Script(Module.wrap(source), { filename: file, cachedData });
    const mod = new Module(file, parent);
    mod.filename = file;
    const own = Module.createRequire(file);
    // A sibling bundle (gcp-compute.js requires ./gcp-core.js) comes from the cache too; anything
    // else (node:*, vscode) is the module's own require, so VS Code sees who asks.
    const requireFromBundle = Object.assign(
      (id: string) => (id.startsWith('./') && id.endsWith('.js') ? load(id.slice(2, -3)) : mod.require(id)),
      own,
    ) as NodeJS.Require;
    require.cache[file] = mod;
    try {
      (script.runInThisContext() as Wrapper)(mod.exports, requireFromBundle, mod, file, dirname(file));
    } catch (error) {
      delete require.cache[file];
      throw error;
    }
    mod.loaded = true;
    const fromCache = cachedData !== undefined && !script.cachedDataRejected;
    compiledFrom.set(name, fromCache ? 'cache' : 'source');
    if (!fromCache) setTimeout(() => void save(cacheDir, name, cacheFile, script), saveAfterMs).unref();
    return mod.exports;
  };
  return Object.assign(load, { compiledFrom });
}

/** Writes the compiled code and removes the bundle's older caches; a failure only costs the next window a compile. */
async function save(cacheDir: string, name: string, cacheFile: string, script: Script): Promise<void> {
  try {
    await mkdir(cacheDir, { recursive: true });
    const ofBundle = new RegExp(`^${name}-[0-9a-f]{16}\\.bin(\\.\\d+\\.tmp)?$`);
    const stale = (await readdir(cacheDir)).filter((f) => ofBundle.test(f) && join(cacheDir, f) !== cacheFile);
    await Promise.all(stale.map((f) => unlink(join(cacheDir, f)).catch(() => undefined)));
    // Written aside, then renamed: another window reading it meanwhile sees the whole file or none.
    const aside = `${cacheFile}.${process.pid}.tmp`;
    await writeFile(aside, script.createCachedData());
    await rename(aside, cacheFile);
  } catch {
    // A read-only or full disk: the bundles still load, compiled from source.
  }
}
