// multipart/related bodies (Cloud Storage `uploadType=multipart`): a JSON metadata part, then the media.
export interface MultipartPart {
  headers: Record<string, string>;
  body: Buffer;
}

export function boundaryOf(contentType: string): string | undefined {
  const match = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return match?.[1] ?? match?.[2];
}

/** Splits a multipart body; binary-safe (the media part may be any bytes). */
export function parseMultipart(body: Buffer, boundary: string): MultipartPart[] {
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: MultipartPart[] = [];
  let cursor = body.indexOf(delimiter);
  while (cursor !== -1) {
    cursor += delimiter.length;
    if (body.subarray(cursor, cursor + 2).toString() === '--') break; // closing delimiter
    cursor = skipLineBreak(body, cursor);
    const next = body.indexOf(delimiter, cursor);
    if (next === -1) break;
    let end = next;
    if (body[end - 1] === 0x0a) end--;
    if (body[end - 1] === 0x0d) end--;
    parts.push(parsePart(body.subarray(cursor, end)));
    cursor = next;
  }
  return parts;
}

function parsePart(raw: Buffer): MultipartPart {
  let split = raw.indexOf('\r\n\r\n');
  let gap = 4;
  if (split === -1) {
    split = raw.indexOf('\n\n');
    gap = 2;
  }
  if (split === -1) return { headers: {}, body: raw };
  const headers: Record<string, string> = {};
  for (const line of raw.subarray(0, split).toString('utf8').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { headers, body: raw.subarray(split + gap) };
}

function skipLineBreak(body: Buffer, at: number): number {
  if (body[at] === 0x0d) at++;
  if (body[at] === 0x0a) at++;
  return at;
}
