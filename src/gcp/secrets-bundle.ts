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
  const cipher = () => (kms ??= new KmsDecryptCheck(settings));
  return {
    bucket: () => storage.bucket(),
    listGenerations: (prefix) => storage.listGenerations(prefix),
    async verify(objectName, generation) {
      let ciphertext: Buffer;
      try {
        ciphertext = await storage.download(objectName, generation);
      } catch (error) {
        return { outcome: 'failed', reason: `the object could not be downloaded: ${(error as Error).message}` };
      }
      return cipher().check(ciphertext);
    },
    encrypt: (plaintext) => cipher().encrypt(plaintext),
    decrypt: (ciphertext) => cipher().decrypt(ciphertext),
    download: (objectName, generation) => storage.download(objectName, generation),
    upload: (objectName, data, ifGenerationMatch) => storage.upload(objectName, data, ifGenerationMatch),
    restore: (objectName, source, ifGenerationMatch) => storage.restore(objectName, source, ifGenerationMatch),
    close: async () => {
      await kms?.close();
    },
  };
}
