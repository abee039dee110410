// Partial responses, as every Google JSON API answers them: the `fields` (or `$fields`) query
// parameter or the X-Goog-FieldMask header selects what the answer keeps
// (https://cloud.google.com/apis/docs/system-parameters, and each API's "partial response").
// Syntax: `a,b` several fields; `a/b` b inside a; `a(b,c)` several inside a; `*` every key (for
// maps such as aggregatedList's `items/*/instances`). A selection inside an array applies to
// each element. Errors are answered whole; a malformed mask is a 400.
import type { SandboxRequest, SandboxResponse } from '../http';

/** A field selected whole (`true`) or the selection inside it. */
type Selection = Map<string, Selection | true>;

export class FieldMaskError extends Error {}

/** Parses a mask into a selection; throws FieldMaskError on unbalanced parentheses or empty names. */
export function parseFieldMask(mask: string): Selection {
  let at = 0;
  const fail = (why: string): never => {
    throw new FieldMaskError(`Invalid field selection "${mask}": ${why} at position ${at + 1}`);
  };
  const name = () => {
    const start = at;
    while (at < mask.length && /[\w*$.-]/.test(mask[at])) at++;
    if (at === start) fail('expected a field name');
    return mask.slice(start, at);
  };
  const merge = (into: Selection, key: string, sub: Selection | true) => {
    const had = into.get(key);
    if (had === true || sub === true) into.set(key, true);
    else if (had) for (const [k, v] of sub) merge(had, k, v);
    else into.set(key, sub);
  };
  // One path: a/b/c, optionally ending in (list).
  const path = (into: Selection) => {
    const key = name();
    if (mask[at] === '/') {
      at++;
      const sub: Selection = new Map();
      path(sub);
      return merge(into, key, sub);
    }
    if (mask[at] === '(') {
      at++;
      const sub: Selection = new Map();
      list(sub);
      if (mask[at] !== ')') fail('expected ")"');
      at++;
      return merge(into, key, sub);
    }
    merge(into, key, true);
  };
  const list = (into: Selection) => {
    path(into);
    while (mask[at] === ',') {
      at++;
      path(into);
    }
  };
  mask = mask.replace(/\s+/g, '');
  const root: Selection = new Map();
  list(root);
  if (at !== mask.length) fail(`unexpected "${mask[at]}"`);
  return root;
}

/** What `value` keeps under `selection`. */
export function applyFieldMask(value: unknown, selection: Selection): unknown {
  if (Array.isArray(value)) return value.map((element) => applyFieldMask(element, selection));
  if (value === null || typeof value !== 'object') return value;
  const kept: Record<string, unknown> = {};
  const take = (key: string, sub: Selection | true) => {
    const field = (value as Record<string, unknown>)[key];
    if (field === undefined) return;
    kept[key] = sub === true ? field : applyFieldMask(field, sub);
  };
  for (const [key, sub] of selection) {
    if (key === '*') for (const k of Object.keys(value)) take(k, sub);
    else take(key, sub);
  }
  return kept;
}

/** The request's mask: the `fields` or `$fields` parameter, else the X-Goog-FieldMask header. */
export function requestedMask(req: SandboxRequest): string | undefined {
  const header = req.headers['x-goog-fieldmask'];
  const mask = req.url.searchParams.get('fields') ?? req.url.searchParams.get('$fields') ?? header;
  return (Array.isArray(mask) ? mask.join(',') : mask) || undefined;
}

/** A successful JSON answer trimmed to the request's mask; anything else as it was. */
export function partialResponse(
  req: SandboxRequest,
  response: SandboxResponse,
  badMask: (message: string) => SandboxResponse,
): SandboxResponse {
  const mask = requestedMask(req);
  if (!mask || response.status < 200 || response.status >= 300) return response;
  const body = response.body;
  if (body === null || typeof body !== 'object' || Buffer.isBuffer(body)) return response;
  try {
    return { ...response, body: applyFieldMask(body, parseFieldMask(mask)) };
  } catch (error) {
    if (error instanceof FieldMaskError) return badMask(error.message);
    throw error;
  }
}
