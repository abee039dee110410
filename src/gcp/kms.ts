// The Cloud KMS adapter for verifying secrets: decrypts a ciphertext with CRC32C checksums sent
// and verified, and reports only which key version could decrypt it. The plaintext is zeroed
// and dropped inside this module: it is never returned, logged or written. Loaded lazily, in the
// secrets bundle (src/gcp/secrets-bundle.ts).
import { KeyManagementServiceClient } from '@google-cloud/kms';
import { CRC32C } from '@google-cloud/storage';
import type { ClientOptions } from 'google-gax';
import type { RunnerOpsSettings } from '../config/settings';
import { GcpFailure } from '../core/failures';
import { decryptFailureReason, type VerifyResult } from '../core/secrets';
import { gaxOptions } from './client-options';
import { toGcpFailure } from './gcp-failure';

const CALL = { timeout: 20_000, maxRetries: 1 };

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
    try {
      const { plaintext, usedPrimary } = await this.open(ciphertext);
      plaintext.fill(0);
      return usedPrimary ? { outcome: 'primary' } : { outcome: 'older-version' };
    } catch (error) {
      return { outcome: 'failed', reason: (error as Error).message };
    }
  }

  /** Encrypts under the primary version: the plaintext's CRC32C goes along, the ciphertext's is checked. */
  async encrypt(plaintext: Uint8Array): Promise<Buffer> {
    const bytes = Buffer.from(plaintext.buffer, plaintext.byteOffset, plaintext.byteLength);
    let response;
    try {
      [response] = await this.client.encrypt(
        { name: this.settings.kmsKey, plaintext: bytes, plaintextCrc32c: { value: crc32c(bytes) } },
        CALL,
      );
    } catch (error) {
      throw toGcpFailure(error, 'kms', 'encrypt with the KMS key');
    }
    const ciphertext = Buffer.from((response.ciphertext as Uint8Array | null) ?? new Uint8Array());
    const intact =
      response.verifiedPlaintextCrc32c === true &&
      response.ciphertextCrc32c != null &&
      Number(response.ciphertextCrc32c.value) === crc32c(ciphertext);
    if (!intact)
      throw new GcpFailure(
        'unavailable',
        'kms',
        'The encrypt request or its answer failed a CRC32C check (corrupted in transit): nothing was written. Try again.',
      );
    return ciphertext;
  }

  /** The plaintext, CRC32C checked; the caller zeroes it. Throws with the reason a decrypt failed. */
  async decrypt(ciphertext: Uint8Array): Promise<Buffer> {
    try {
      return (await this.open(Buffer.from(ciphertext))).plaintext;
    } catch (error) {
      throw new GcpFailure('invalid', 'kms', `It cannot be decrypted: ${(error as Error).message}.`);
    }
  }

  /** Decrypts with checksums both ways; the response's copy of the plaintext is zeroed. Throws the reason. */
  private async open(ciphertext: Buffer): Promise<{ plaintext: Buffer; usedPrimary: boolean }> {
    let response;
    try {
      [response] = await this.client.decrypt(
        { name: this.settings.kmsKey, ciphertext, ciphertextCrc32c: { value: crc32c(ciphertext) } },
        CALL,
      );
    } catch (error) {
      throw new Error(failureReason(error));
    }
    const raw = response.plaintext;
    const plaintext = typeof raw === 'string' ? Buffer.from(raw, 'base64') : Buffer.from(raw ?? new Uint8Array());
    if (raw instanceof Uint8Array) raw.fill(0);
    response.plaintext = null;
    if (response.plaintextCrc32c == null || Number(response.plaintextCrc32c.value) !== crc32c(plaintext)) {
      plaintext.fill(0);
      throw new Error('the plaintext KMS returned failed its CRC32C check (corrupted in transit): try again');
    }
    return { plaintext, usedPrimary: Boolean(response.usedPrimary) };
  }

  close(): Promise<void> {
    return this.client.close();
  }
}

/** KMS's reason for a failed call, in the words a row shows (decryptFailureReason). */
function failureReason(error: unknown): string {
  const e = error as { code?: number; details?: unknown; message?: unknown };
  const said =
    [e?.details, e?.message].find((v): v is string => typeof v === 'string' && v.length > 0) ?? String(error);
  return decryptFailureReason(typeof e?.code === 'number' ? e.code : undefined, said);
}
