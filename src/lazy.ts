// Adapters that pull in client libraries load on first use, never at activation.
// The bundler (scripts/build.mjs) turns each require below into a require of its own bundle
// file (dist/gitlab.js, ...), so activation parses none of them. One bundle per client
// library, so no library is loaded twice.
//
// require, not import(): Node's import() of a CommonJS file first lexes the whole of it for its
// exports (cjs-module-lexer), about 110 ms of the extension host's thread for these bundles.
// The require runs on the next turn, so the caller's own work (a request, a row) goes first.
import type { BundleLoader } from './code-cache';

/** In the extension host, the bundles load through V8's code cache (src/code-cache.ts); set by main.ts. */
let bundles: BundleLoader | undefined;

export function useBundleLoader(loader: BundleLoader): void {
  bundles = loader;
}

/** `bundle`: the file in dist/ that `required` names once bundled; tests run the sources instead. */
function load<T>(bundle: string, required: () => T): Promise<T> {
  return new Promise((resolve, reject) =>
    setImmediate(() => {
      try {
        resolve(bundles ? (bundles(bundle) as T) : required());
      } catch (error) {
        reject(error as Error);
      }
    }),
  );
}

export const loadGitLab = () => load('gitlab', () => require('./gitlab/index') as typeof import('./gitlab/index'));
export const loadCompute = () =>
  load('gcp-compute', () => require('./gcp/compute-bundle') as typeof import('./gcp/compute-bundle'));
export const loadLogging = () => load('gcp-logging', () => require('./gcp/logging') as typeof import('./gcp/logging'));
export const loadSecrets = () =>
  load('gcp-secrets', () => require('./gcp/secrets-bundle') as typeof import('./gcp/secrets-bundle'));
export const loadChecklist = loadSecrets;
export const loadSerial = loadCompute;
export const loadGitLabJobs = loadGitLab;
export const loadUndici = () =>
  load('undici', () => require('./gitlab/undici-agent') as typeof import('./gitlab/undici-agent'));
