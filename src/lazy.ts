// Adapters that pull in client libraries load on first use, never at activation.
// The bundler (scripts/build.mjs) turns each import below into a require of its own bundle
// file (dist/gitlab.js, ...), so activation parses none of them.
export const loadGitLab = () => import('./gitlab/index');
export const loadCompute = () => import('./gcp/compute');
export const loadSerial = () => import('./gcp/serial');
export const loadLogging = () => import('./gcp/logging');
export const loadGitLabJobs = () => import('./gitlab/jobs');
