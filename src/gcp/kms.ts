// The Cloud KMS adapter for verifying secrets: decrypts a ciphertext with CRC32C checksums sent
// and verified, and reports only which key version could decrypt it. The plaintext is zeroed
// and dropped inside this module: it is never returned, logged or written. Loaded lazily, in the
// secrets bundle (src/gcp/secrets-bundle.ts).
import { KeyManagementServiceClient } from '@google-cloud/kms';
import { CRC32C } from '@google-cloud/storage';
import type { ClientOptions } from 'google-gax';
import type { RunnerOpsSettings } from '../config/settings';
import { PACE } from '../core/pace';
import { decryptFailureReason, type VerifyResult } from '../core/secrets';
import { gaxOptions } from './client-options';
import { googleSaid, toGcpFailure } from './gcp-failure';

export type KmsSettings = Pick<RunnerOpsSettings, 'gcpProject' | 'credentials' | 'endpoints' | 'kmsKey'>;

export function crc32c(data: Buffer): number {
  const c = new CRC32C();
  c.update(data);
  return c.toBuffer().readUInt32BE(0);
}

export class KmsDecryptCheck {
  private readonly client: KeyManagementServiceClient;

  constructor(private readonly settings: KmsSettings) {
    this.client = new KeyManagementServiceClient(gaxOptions(settings, 'kms') as ClientOptions);
  }

  /** Whether `ciphertext` decrypts with the configured key, and with its primary version. */
  async check(ciphertext: Buffer): Promise<VerifyResult> {
    let response;
    try {
      [response] = await this.client.decrypt(
        { name: this.settings.kmsKey, ciphertext, ciphertextCrc32c: { value: crc32c(ciphertext) } },
        PACE.google.kms,
      );
    } catch (error) {
      const failure = toGcpFailure(error, {
        source: 'kms',
        rpc: 'cloudkms.cryptoKeys.decrypt',
        attempted: `decrypt with ${this.settings.kmsKey}`,
      });
      return { outcome: 'failed', reason: decryptFailureReason(failure.kind, googleSaid(error)), failure };
    }
    const plaintext = response.plaintext;
    try {
      const bytes =
        typeof plaintext === 'string' ? Buffer.from(plaintext, 'base64') : Buffer.from(plaintext ?? new Uint8Array());
      const intact = response.plaintextCrc32c != null && Number(response.plaintextCrc32c.value) === crc32c(bytes);
      bytes.fill(0);
      if (!intact)
        return {
          outcome: 'failed',
          reason: 'the plaintext KMS returned failed its CRC32C check (corrupted in transit): try again',
        };
      return response.usedPrimary ? { outcome: 'primary' } : { outcome: 'older-version' };
    } finally {
      if (plaintext instanceof Uint8Array) plaintext.fill(0);
      response.plaintext = null;
    }
  }

  close(): Promise<void> {
    return this.client.close();
  }
}
