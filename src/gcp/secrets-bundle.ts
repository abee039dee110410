// The secrets bundle (dist/gcp-secrets.js): everything on Storage and KMS (the Secrets view's
// port and the checklist's probes) in one bundle, so the two libraries load once (src/lazy.ts).
import type { SecretsPort } from '../core/secrets';
import { KmsDecryptCheck, type KmsSettings } from './kms';
import { SecretsStorage, type StorageSettings } from './storage';

export { KmsDecryptCheck } from './kms';
export { SecretsStorage } from './storage';
export { ChecklistAdapter } from './checklist';

export function secretsPort(settings: StorageSettings & KmsSettings): SecretsPort {
  const storage = new SecretsStorage(settings);
  let kms: KmsDecryptCheck | undefined;
  return {
    bucket: () => storage.bucket(),
    listGenerations: (prefix) => storage.listGenerations(prefix),
    async verify(objectName, generation) {
      let ciphertext: Buffer;
      try {
        ciphertext = await storage.download(objectName, generation);
      } catch (error) {
        const failure = error as Error;
        return { outcome: 'failed', reason: `the object could not be downloaded: ${failure.message}`, failure };
      }
      kms ??= new KmsDecryptCheck(settings);
      return kms.check(ciphertext);
    },
    close: async () => {
      await kms?.close();
    },
  };
}
