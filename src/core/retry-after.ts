// The one reading of an HTTP Retry-After header: delay-seconds or an HTTP date (RFC 9110 §10.2.3).

/** Milliseconds to wait from `now`; undefined when the header is absent or not understood. */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // HTTP dates start with the day's name ("Wed, 01 Jan 2025 …"); Date.parse alone takes "-5" for a year.
  if (!/^[A-Za-z]{3}/.test(text)) return undefined;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
