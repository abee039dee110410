// Short human times for tree items and tooltips. Every function takes `now` explicitly, so the
// output is the same in tests and in the views for one render.

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const UNITS: ReadonlyArray<readonly [string, number]> = [
  ['d', DAY],
  ['h', HOUR],
  ['min', MINUTE],
  ['s', SECOND],
];

/** Below this an age reads "just now": the data cannot be fresher than a poll anyway. */
const JUST_NOW_MS = 10 * SECOND;

/** "just now", "42 s ago", "3 min ago", "5 h ago", "2 d ago". A time in the future (clock skew) is "just now". */
export function formatAgo(then: number, now: number): string {
  return now - then >= JUST_NOW_MS ? `${formatElapsed(then, now)} ago` : 'just now';
}

/** The largest whole unit elapsed, for sentences: "has not contacted GitLab for 3 h". */
export function formatElapsed(then: number, now: number): string {
  const age = Math.max(0, now - then);
  const [unit, size] = UNITS.find(([, size]) => age >= size) ?? UNITS[UNITS.length - 1];
  return `${Math.floor(age / size)} ${unit}`;
}

/** The two largest non-zero units, truncated: "3 d 4 h", "1 min 12 s", "17 min". */
function twoUnits(ms: number, smallest: number): string {
  let rest = Math.max(0, ms);
  const parts: string[] = [];
  for (const [unit, size] of UNITS) {
    if (size < smallest) break;
    const count = Math.floor(rest / size);
    rest -= count * size;
    if (count > 0 || parts.length > 0) parts.push(`${count} ${unit}`);
    if (parts.length === 2) break;
  }
  return parts.filter((part) => !part.startsWith('0 ')).join(' ');
}

/** How long a VM has been up: "3 d 4 h", "5 h 3 min", "17 min"; seconds are noise here. */
export function formatUptime(startedAt: number, now: number): string {
  const up = now - startedAt;
  return up < MINUTE ? 'less than 1 min' : twoUnits(up, MINUTE);
}

/** A job or pipeline duration as GitLab sends it (seconds, possibly fractional): "1 min 12 s", "45 s". */
export function formatDuration(seconds: number): string {
  const ms = Number.isFinite(seconds) ? Math.round(Math.max(0, seconds)) * SECOND : 0;
  return ms === 0 ? '0 s' : twoUnits(ms, SECOND);
}

const LOCAL_TIME = new Intl.DateTimeFormat(undefined, {
  weekday: 'short',
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  timeZoneName: 'short',
});

/** For tooltips: relative and absolute in the operator's local time, "3 min ago (Wed, 2 Dec 2026, 14:03:12 CET)". */
export function formatWhen(then: number, now: number): string {
  if (!Number.isFinite(then)) return 'unknown';
  return `${formatRelative(then, now)} (${LOCAL_TIME.format(new Date(then))})`;
}

/** "3 min ago", or "in 3 h" for a time ahead (a schedule's next run). */
export function formatRelative(then: number, now: number): string {
  return then > now + JUST_NOW_MS ? `in ${formatElapsed(now, then)}` : formatAgo(then, now);
}
