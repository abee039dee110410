// The secrets bundle (dist/gcp-secrets.js): the Storage and KMS adapters behind the Secrets
// view's port, loaded together on first use (src/lazy.ts).
import type { SecretsPort } from '../core/secrets';
import { KmsDecryptCheck, type KmsSettings } from './kms';
import { SecretsStorage, type StorageSettings } from './storage';

export { KmsDecryptCheck } from './kms';
export { SecretsStorage } from './storage';

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
        return { outcome: 'failed', reason: `the object could not be downloaded: ${(error as Error).message}` };
      }
      kms ??= new KmsDecryptCheck(settings);
      return kms.check(ciphertext);
    },
    close: async () => {
      await kms?.close();
    },
  };
}
