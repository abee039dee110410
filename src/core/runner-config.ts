// gitlab-runner's config.toml as Runner Ops touches it: the [[runners]] entries (url, token, id)
// and one targeted edit, a token replaced in the entry whose url and current token match. The
// edit changes only the bytes of that token's value, so comments, order and formatting survive;
// the text is parsed before and after to prove nothing else changed. Pure: no I/O, no logging.
import { isDeepStrictEqual } from 'node:util';
import { parse } from 'smol-toml';

export interface RunnerEntry {
  /** Position among the [[runners]] entries, 0-based. */
  index: number;
  name: string;
  url: string;
  token: string;
  /** The runner's id, which gitlab-runner 16+ writes next to the token. */
  id?: number;
}

export type TokenEdit = { ok: true; text: string } | { ok: false; reason: string };

type Table = Record<string, unknown>;

/** The [[runners]] entries; throws when the text is not TOML (the caller says so, without quoting it). */
export function runnerEntries(text: string): RunnerEntry[] {
  return entriesOf(parse(text) as Table);
}

function entriesOf(config: Table): RunnerEntry[] {
  const runners = Array.isArray(config.runners) ? (config.runners as Table[]) : [];
  return runners.map((r, index) => ({
    index,
    name: typeof r.name === 'string' ? r.name : '',
    url: typeof r.url === 'string' ? r.url : '',
    token: typeof r.token === 'string' ? r.token : '',
    id: typeof r.id === 'number' ? r.id : undefined,
  }));
}

/** GitLab URLs compare without a trailing slash and without case in the host. */
export function sameGitLabUrl(a: string, b: string): boolean {
  const norm = (u: string) => {
    try {
      const url = new URL(u.trim());
      return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
    } catch {
      return u.trim().replace(/\/+$/, '');
    }
  };
  return norm(a) === norm(b);
}

/** Runner tokens are URL-safe; anything else would need TOML escaping and is refused instead. */
const TOKEN_SHAPE = /^[A-Za-z0-9._~-]{8,256}$/;

const HEADER = /^\s*\[/;
const RUNNERS_HEADER = /^\s*\[\[\s*runners\s*\]\]\s*(#.*)?$/;
const TOKEN_LINE = /^(\s*(?:token|"token"|'token')\s*=\s*)(["'])([^"'\\]*)\2\s*(#.*)?$/;

/**
 * Replaces `current` by `next` as the token of the one [[runners]] entry whose url is `url` and
 * whose token is `current`. Every other byte stays as it was. Refuses (with a reason that names
 * no token) when no entry or several match, when the entry is not written as a [[runners]]
 * table with a plain `token = "…"` line, or when the result would parse to anything but the
 * same configuration with that one token changed.
 */
export function replaceRunnerToken(text: string, url: string, current: string, next: string): TokenEdit {
  if (!TOKEN_SHAPE.test(next)) return refuse('the new token has an unexpected shape');
  let before: Table;
  try {
    before = parse(text) as Table;
  } catch {
    return refuse('config.toml is not valid TOML');
  }
  const entries = entriesOf(before);
  const matching = entries.filter((e) => sameGitLabUrl(e.url, url) && e.token === current);
  if (matching.length === 0) {
    const sameUrl = entries.filter((e) => sameGitLabUrl(e.url, url)).length;
    return refuse(
      sameUrl
        ? `none of its ${sameUrl} [[runners]] entries for ${url} holds the runner's current token`
        : `it has no [[runners]] entry for ${url}`,
    );
  }
  if (matching.length > 1)
    return refuse(`${matching.length} [[runners]] entries for ${url} hold the same token; fix it by hand`);
  const span = tokenSpan(text, matching[0].index, current);
  if (typeof span === 'string') return refuse(span);
  const edited = text.slice(0, span.start) + next + text.slice(span.end);
  let after: Table;
  try {
    after = parse(edited) as Table;
  } catch {
    return refuse('the edit would break the TOML');
  }
  (before.runners as Table[])[matching[0].index].token = next;
  if (!isDeepStrictEqual(before, after)) return refuse('the edit would change more than the token');
  return { ok: true, text: edited };
}

function refuse(reason: string): TokenEdit {
  return { ok: false, reason: `config.toml was not changed: ${reason}.` };
}

/** Where the value of `token = "…"` of the index-th [[runners]] table is in the text. */
function tokenSpan(text: string, index: number, current: string): { start: number; end: number } | string {
  let offset = 0;
  let seen = -1;
  let inEntry = false;
  const found: Array<{ start: number; end: number }> = [];
  for (const raw of text.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (HEADER.test(line)) {
      // A sub-table ([runners.docker]) ends the entry's own keys, and so does the next entry.
      inEntry = RUNNERS_HEADER.test(line) && ++seen === index;
    } else if (inEntry) {
      const m = TOKEN_LINE.exec(line);
      if (m && m[3] === current) {
        const start = offset + m[1].length + 1;
        found.push({ start, end: start + m[3].length });
      }
    }
    offset += raw.length + 1;
  }
  if (seen < index) return 'the matching entry is not written as a [[runners]] table';
  if (found.length !== 1) return 'the matching entry has no plain token = "…" line to edit';
  return found[0];
}
