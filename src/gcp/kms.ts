// The Cloud KMS adapter for the secrets: decrypt with CRC32C checksums sent and verified (to
// check a secret, or to read it back after a write), and encrypt under the primary version. A
// decrypt check zeroes and drops the plaintext here; a decrypt for a write hands it to the caller,
// who zeroes it. Plaintext is never logged or written. Loaded lazily, in the secrets bundle
// (src/gcp/secrets-bundle.ts).
import { KeyManagementServiceClient } from './kms-client';
import { CRC32C } from '@google-cloud/storage';
import type { ClientOptions } from 'google-gax';
import type { RunnerOpsSettings } from '../config/settings';
import { Failure } from '../core/failures';
import { PACE } from '../core/pace';
import { decryptFailureReason, type Inspect, type VerifyResult } from '../core/secrets';
import { gaxOptions } from './client-options';
import { googleSaid, toGcpFailure } from './gcp-failure';

export type KmsSettings = Pick<RunnerOpsSettings, 'gcpProject' | 'credentials' | 'endpoints' | 'kmsKey'>;

export function crc32c(data: Buffer): number {
  const c = new CRC32C();
  c.update(data);
  return c.toBuffer().readUInt32BE(0);
}

type Opened = { ok: true; plaintext: Buffer; usedPrimary: boolean } | { ok: false; reason: string; failure?: Failure };

const CORRUPTED = 'the plaintext KMS returned failed its CRC32C check (corrupted in transit): try again';

export class KmsDecryptCheck {
  private readonly client: KeyManagementServiceClient;

  constructor(private readonly settings: KmsSettings) {
    this.client = new KeyManagementServiceClient(gaxOptions(settings, 'kms') as ClientOptions);
  }

  /** Whether `ciphertext` decrypts with the configured key, and with its primary version. */
  async check(ciphertext: Buffer, inspect?: Inspect): Promise<VerifyResult> {
    const opened = await this.open(ciphertext);
    if (!opened.ok) return { outcome: 'failed', reason: opened.reason, failure: opened.failure };
    try {
      inspect?.(opened.plaintext);
    } finally {
      opened.plaintext.fill(0);
    }
    return opened.usedPrimary ? { outcome: 'primary' } : { outcome: 'older-version' };
  }

  /** Encrypts under the primary version: the plaintext's CRC32C goes along, the ciphertext's is checked. */
  async encrypt(plaintext: Uint8Array): Promise<Buffer> {
    const bytes = Buffer.from(plaintext.buffer, plaintext.byteOffset, plaintext.byteLength);
    let response;
    try {
      [response] = await this.client.encrypt(
        { name: this.settings.kmsKey, plaintext: bytes, plaintextCrc32c: { value: crc32c(bytes) } },
        PACE.google.kms,
      );
    } catch (error) {
      throw toGcpFailure(error, {
        source: 'kms',
        rpc: 'cloudkms.cryptoKeys.encrypt',
        attempted: `encrypt with ${this.settings.kmsKey}`,
      });
    }
    const ciphertext = Buffer.from((response.ciphertext as Uint8Array | null) ?? new Uint8Array());
    const intact =
      response.verifiedPlaintextCrc32c === true &&
      response.ciphertextCrc32c != null &&
      Number(response.ciphertextCrc32c.value) === crc32c(ciphertext);
    if (!intact) {
      throw new Failure({
        source: 'kms',
        kind: 'unavailable',
        message:
          'The encrypt request or its answer failed a CRC32C check (corrupted in transit): nothing was written. Try again.',
        request: { method: 'cloudkms.cryptoKeys.encrypt' },
      });
    }
    return ciphertext;
  }

  /** The plaintext, CRC32C checked; the caller zeroes it. Throws a Failure saying why it cannot. */
  async decrypt(ciphertext: Uint8Array): Promise<Buffer> {
    return (await this.decryptTelling(ciphertext)).plaintext;
  }

  /** As decrypt, and whether the key's primary version did it (KMS's usedPrimary). */
  async decryptTelling(ciphertext: Uint8Array): Promise<{ plaintext: Buffer; usedPrimary: boolean }> {
    const opened = await this.open(Buffer.from(ciphertext));
    if (opened.ok) return { plaintext: opened.plaintext, usedPrimary: opened.usedPrimary };
    // A blip (timeout, 5xx, quota) is not about this ciphertext: its own message says what to do.
    if (opened.failure && !opened.failure.permanent) throw opened.failure;
    throw new Failure({
      source: 'kms',
      kind: opened.failure?.kind ?? 'unavailable',
      message: `It cannot be decrypted: ${opened.reason}.`,
      request: opened.failure?.request,
    });
  }

  /** Decrypts with checksums both ways; the response's copy of the plaintext is zeroed. */
  private async open(ciphertext: Buffer): Promise<Opened> {
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
      return { ok: false, reason: decryptFailureReason(failure.kind, googleSaid(error)), failure };
    }
    const raw = response.plaintext;
    const plaintext = typeof raw === 'string' ? Buffer.from(raw, 'base64') : Buffer.from(raw ?? new Uint8Array());
    if (raw instanceof Uint8Array) raw.fill(0);
    response.plaintext = null;
    if (response.plaintextCrc32c == null || Number(response.plaintextCrc32c.value) !== crc32c(plaintext)) {
      plaintext.fill(0);
      return { ok: false, reason: CORRUPTED };
    }
    return { ok: true, plaintext, usedPrimary: Boolean(response.usedPrimary) };
  }

  close(): Promise<void> {
    return this.client.close();
  }
}
