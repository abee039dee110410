// Real symmetric encryption for the fake KMS: AES-256-GCM with a random key per key version.
// Ciphertext layout (ours, opaque to clients like Google's):
//   [format 0x01][version number, uint32 BE][IV 12][GCM tag 16][encrypted bytes]
// The 5-byte header is authenticated together with the caller's additional data.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const FORMAT = 0x01;
const HEADER_BYTES = 5;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export const newVersionKeyMaterial = (): Buffer => randomBytes(32);

export function seal(versionNumber: number, material: Buffer, plaintext: Buffer, aad: Buffer): Buffer {
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt8(FORMAT, 0);
  header.writeUInt32BE(versionNumber, 1);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', material, iv);
  cipher.setAAD(Buffer.concat([header, aad]));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([header, iv, cipher.getAuthTag(), body]);
}

/** The key version a ciphertext names, or undefined when it is not ours. */
export function versionOf(ciphertext: Buffer): number | undefined {
  if (ciphertext.length < HEADER_BYTES + IV_BYTES + TAG_BYTES || ciphertext[0] !== FORMAT) return undefined;
  return ciphertext.readUInt32BE(1);
}

/** undefined when authentication fails (wrong key, tampered bytes or different AAD). */
export function open(material: Buffer, ciphertext: Buffer, aad: Buffer): Buffer | undefined {
  const header = ciphertext.subarray(0, HEADER_BYTES);
  const iv = ciphertext.subarray(HEADER_BYTES, HEADER_BYTES + IV_BYTES);
  const tag = ciphertext.subarray(HEADER_BYTES + IV_BYTES, HEADER_BYTES + IV_BYTES + TAG_BYTES);
  const body = ciphertext.subarray(HEADER_BYTES + IV_BYTES + TAG_BYTES);
  try {
    const decipher = createDecipheriv('aes-256-gcm', material, iv);
    decipher.setAAD(Buffer.concat([header, aad]));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(body), decipher.final()]);
  } catch {
    return undefined;
  }
}
