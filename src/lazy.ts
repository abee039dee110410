// Adapters that pull in client libraries load on first use, never at activation.
// The bundler (scripts/build.mjs) turns each import below into a require of its own bundle
// file (dist/gitlab.js, ...), so activation parses none of them. One bundle per client
// library, so no library is loaded twice.
export const loadGitLab = () => import('./gitlab/index');
export const loadCompute = () => import('./gcp/compute-bundle');
export const loadLogging = () => import('./gcp/logging');
export const loadSecrets = () => import('./gcp/secrets-bundle');
export const loadChecklist = loadSecrets;
export const loadSerial = loadCompute;
export const loadGitLabJobs = loadGitLab;
export const loadUndici = () => import('./gitlab/undici-agent');
