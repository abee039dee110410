// The secrets' port over Cloud Storage and Cloud KMS: list, download and decrypt-check, and the
// writes (encrypt, upload with a generation precondition, restore an older generation).
// The bootstrap checklist decrypt-checks through it too (src/gcp/checklist.ts), so both say the same.
import type { SecretsPort } from '../core/secrets';
import { KmsDecryptCheck, type KmsSettings } from './kms';
import { SecretsStorage, type StorageSettings } from './storage';

export function secretsPort(settings: StorageSettings & KmsSettings): SecretsPort {
  const storage = new SecretsStorage(settings);
  let kms: KmsDecryptCheck | undefined;
  const cipher = () => (kms ??= new KmsDecryptCheck(settings));
  return {
    bucket: () => storage.bucket(),
    listGenerations: (prefix) => storage.listGenerations(prefix),
    async verify(objectName, generation, inspect) {
      let ciphertext: Buffer;
      try {
        ciphertext = await storage.download(objectName, generation);
      } catch (error) {
        const failure = error as Error;
        return { outcome: 'failed', reason: `the object could not be downloaded: ${failure.message}`, failure };
      }
      return cipher().check(ciphertext, inspect);
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
