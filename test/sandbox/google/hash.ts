// A fast, stable, non-cryptographic hash (two FNV-1a 32-bit lanes = 64 bits) for fingerprints
// and derived ids: node's createHash costs tens of microseconds a call, too much for big seeds.
function fnvLanes(text: string): [number, number] {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x01000193 + 2);
  }
  return [a >>> 0, b >>> 0];
}

/** 8 bytes, base64: the shape of Compute's fingerprints. */
export function hashBase64(text: string): string {
  const [a, b] = fnvLanes(text);
  const bytes = Buffer.alloc(8);
  bytes.writeUInt32BE(a, 0);
  bytes.writeUInt32BE(b, 4);
  return bytes.toString('base64');
}

/** `length` hex characters derived from `text`. */
export function hashHex(text: string, length: number): string {
  let out = '';
  for (let round = 0; out.length < length; round++) {
    const [a, b] = fnvLanes(`${round}:${text}`);
    out += a.toString(16).padStart(8, '0') + b.toString(16).padStart(8, '0');
  }
  return out.slice(0, length);
}
