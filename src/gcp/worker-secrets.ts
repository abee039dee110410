// The worker's secrets as its startup script reads them (gs:// URLs from the VM's metadata),
// through the Secrets view's port: the current generation downloaded and decrypted with the VM's
// key. Plaintext stays here: verify discards it, runnerTokens keeps only the tokens and zeroes it.
import type { WorkerSecrets } from '../core/ports';
import { parseGsUrl, tokensInConfig } from '../core/reprovision/worker-secrets';
import type { SecretsPort, VerifyResult } from '../core/secrets';
import type { KmsSettings } from './kms';
import { secretsPort } from './secrets-port';
import type { StorageSettings } from './storage';

type Settings = StorageSettings & KmsSettings;

export function workerSecrets(settings: Settings): WorkerSecrets & { close(): Promise<void> } {
  const ports = new Map<string, SecretsPort>();
  const portFor = (bucket: string, kmsKey: string) => {
    const key = `${bucket} ${kmsKey}`;
    let port = ports.get(key);
    if (!port) ports.set(key, (port = secretsPort({ ...settings, secretsBucket: bucket, kmsKey })));
    return port;
  };
  /** The object's port and its current generation; a message saying why not otherwise. */
  const current = async (url: string, kmsKey: string) => {
    const parsed = parseGsUrl(url);
    if (!parsed) throw new Error(`${url} is not a gs://bucket/object address`);
    const port = portFor(parsed.bucket, kmsKey);
    const live = (await port.listGenerations(parsed.object)).find(
      (g) => g.name === parsed.object && g.deletedAt === undefined,
    );
    if (!live) throw new Error(`${url} does not exist`);
    return { port, object: parsed.object, generation: live.generation };
  };
  return {
    async verify(url, kmsKey): Promise<VerifyResult> {
      try {
        const { port, object, generation } = await current(url, kmsKey);
        return await port.verify(object, generation);
      } catch (error) {
        return { outcome: 'failed', reason: (error as Error).message, failure: error as Error };
      }
    },
    async runnerTokens(url, kmsKey) {
      const { port, object, generation } = await current(url, kmsKey);
      const plaintext = await port.decrypt(await port.download(object, generation));
      try {
        return tokensInConfig(plaintext.toString('utf8'));
      } finally {
        plaintext.fill(0);
      }
    },
    close: async () => {
      await Promise.all([...ports.values()].map((p) => p.close?.()));
    },
  };
}
