// The checksums Google's storage and KMS APIs put on the wire.
import { createHash } from 'node:crypto';
import { CRC32C } from '@google-cloud/storage';

/** CRC32C as an unsigned 32-bit number (KMS sends it as an int64 string). */
export function crc32cNumber(data: Buffer): number {
  const crc = new CRC32C();
  crc.update(data);
  return crc.valueOf() >>> 0;
}

/** CRC32C as GCS puts it in object metadata: base64 of the big-endian 4 bytes. */
export function crc32cBase64(data: Buffer): string {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(crc32cNumber(data));
  return out.toString('base64');
}

export function md5Base64(data: Buffer): string {
  return createHash('md5').update(data).digest('base64');
}
