// The secrets' port over Cloud Storage and Cloud KMS: list, download and decrypt-check, and the
// writes (encrypt, upload with a generation precondition, restore an older generation).
// The bootstrap checklist decrypt-checks through it too (src/gcp/checklist.ts), so both say the same.
import type { Clock } from '../core/clock';
import type { RotationPort } from '../core/rotation';
import type { SecretsPort } from '../core/secrets';
import { KmsDecryptCheck, type KmsSettings } from './kms';
import { KmsKeyAdmin } from './kms-key';
import { SecretsStorage, type StorageSettings } from './storage';

/** `clock`: what Storage's hard deadlines run on (a simulated one in soak tests). */
export function secretsPort(settings: StorageSettings & KmsSettings, clock?: Clock): SecretsPort {
  return withCipher(settings, new SecretsStorage(settings, clock)).port;
}

/** The secrets' port plus what a key rotation needs: the key's versions, and decrypts that tell usedPrimary. */
export function rotationPort(
  settings: StorageSettings & KmsSettings,
  clock?: Clock,
): RotationPort & { close(): Promise<void> } {
  const { port, cipher } = withCipher(settings, new SecretsStorage(settings, clock));
  const admin = new KmsKeyAdmin(settings);
  return {
    ...port,
    open: (ciphertext) => cipher().decryptTelling(ciphertext),
    describeKey: () => admin.describeKey(),
    createVersion: () => admin.createVersion(),
    makePrimary: (version) => admin.makePrimary(version),
    setVersionState: (version, state) => admin.setVersionState(version, state),
    scheduleDestroy: (version) => admin.scheduleDestroy(version),
    close: async () => {
      await Promise.all([port.close?.(), admin.close()]);
    },
  };
}

function withCipher(settings: KmsSettings, storage: SecretsStorage) {
  let kms: KmsDecryptCheck | undefined;
  const cipher = () => (kms ??= new KmsDecryptCheck(settings));
  const port: SecretsPort = {
    bucket: () => storage.bucket(),
    listGenerations: (prefix, listed) => storage.listGenerations(prefix, listed),
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
  return { port, cipher };
}
