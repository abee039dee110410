// Next run of a 5-field cron expression in an IANA time zone (pipeline schedules' next_run_at).
// Walks forward minute by minute but skips whole days/hours that cannot match, so a nightly
// schedule costs a few hundred steps, not thousands.

interface CronFields {
  minute: Set<number>;
  hour: Set<number>;
  dayOfMonth: Set<number>;
  month: Set<number>;
  dayOfWeek: Set<number>;
  dayOfMonthAny: boolean;
  dayOfWeekAny: boolean;
}

function parseField(text: string, min: number, max: number, what: string): Set<number> {
  const values = new Set<number>();
  for (const part of text.split(',')) {
    const m = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part);
    if (!m) throw new Error(`invalid cron ${what}: "${text}"`);
    const from = m[1] === '*' ? min : Number(m[2]);
    const to = m[1] === '*' ? max : m[3] !== undefined ? Number(m[3]) : m[4] ? max : from;
    const step = m[4] ? Number(m[4]) : 1;
    if (from < min || to > max || step < 1) throw new Error(`invalid cron ${what}: "${text}"`);
    for (let v = from; v <= to; v += step) values.add(v === 7 && what === 'day of week' ? 0 : v);
  }
  return values;
}

export function parseCron(expr: string): CronFields {
  const parts = expr.trim().split(/\s+/);
  if (parts.length !== 5) throw new Error(`invalid cron "${expr}": expected 5 fields`);
  return {
    minute: parseField(parts[0], 0, 59, 'minute'),
    hour: parseField(parts[1], 0, 23, 'hour'),
    dayOfMonth: parseField(parts[2], 1, 31, 'day of month'),
    month: parseField(parts[3], 1, 12, 'month'),
    dayOfWeek: parseField(parts[4], 0, 7, 'day of week'),
    dayOfMonthAny: parts[2] === '*',
    dayOfWeekAny: parts[4] === '*',
  };
}

const WEEKDAYS: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

function localParts(ms: number, formatter: Intl.DateTimeFormat) {
  const parts = Object.fromEntries(formatter.formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
  return {
    minute: Number(parts.minute),
    hour: Number(parts.hour) % 24,
    day: Number(parts.day),
    month: Number(parts.month),
    weekday: WEEKDAYS[parts.weekday],
  };
}

/** GitLab stores some zones by their Rails name; map the common ones to IANA. */
const RAILS_ZONES: Record<string, string> = {
  UTC: 'UTC',
  'Etc/UTC': 'UTC',
  Berlin: 'Europe/Berlin',
  London: 'Europe/London',
  'Pacific Time (US & Canada)': 'America/Los_Angeles',
};

export function nextCronRun(expr: string, timeZone: string, after: number): number {
  const cron = parseCron(expr);
  const formatter = new Intl.DateTimeFormat('en-US', {
    timeZone: RAILS_ZONES[timeZone] ?? timeZone,
    hourCycle: 'h23',
    minute: 'numeric',
    hour: 'numeric',
    day: 'numeric',
    month: 'numeric',
    weekday: 'short',
  });
  const MINUTE = 60_000;
  let t = Math.floor(after / MINUTE) * MINUTE + MINUTE;
  const limit = after + 366 * 24 * 60 * MINUTE;
  while (t < limit) {
    const p = localParts(t, formatter);
    const domMatch = cron.dayOfMonth.has(p.day);
    const dowMatch = cron.dayOfWeek.has(p.weekday);
    // Vixie cron: when both day fields are restricted, either may match.
    const dayOk = cron.dayOfMonthAny || cron.dayOfWeekAny ? domMatch && dowMatch : domMatch || dowMatch;
    if (!cron.month.has(p.month) || !dayOk) {
      t += (24 * 60 - (p.hour * 60 + p.minute)) * MINUTE; // next local midnight (DST drift corrected by re-check)
      continue;
    }
    if (!cron.hour.has(p.hour)) {
      t += (60 - p.minute) * MINUTE;
      continue;
    }
    if (!cron.minute.has(p.minute)) {
      t += MINUTE;
      continue;
    }
    return t;
  }
  throw new Error(`cron "${expr}" never fires`);
}
