// The secrets bundle (dist/gcp-secrets.js): everything on Storage and KMS (the Secrets view's
// port and the checklist's probes) in one bundle, so the two libraries load once (src/lazy.ts).
export { KmsDecryptCheck } from './kms';
export { SecretsStorage } from './storage';
export { ChecklistAdapter } from './checklist';
export { rotationPort, secretsPort } from './secrets-port';
export { workerSecrets } from './worker-secrets';
export { GoogleBootstrap } from './bootstrap';
