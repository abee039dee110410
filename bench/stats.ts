// Medians and spreads of repeated measurements, and plain-text tables.

export interface Summary {
  n: number;
  median: number;
  min: number;
  max: number;
}

export function summarize(values: number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { n: sorted.length, median, min: sorted[0], max: sorted[sorted.length - 1] };
}

const round = (v: number, digits: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(digits));

/** "254 ms (241–270, n=7)". */
export function fmt(s: Summary | undefined, unit = 'ms', digits = 1): string {
  if (!s) return '–';
  return `${round(s.median, digits)} ${unit} (${round(s.min, digits)}–${round(s.max, digits)}, n=${s.n})`;
}

export function table(headers: string[], rows: Array<Array<string | number>>): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(cells[0]), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...cells.slice(1).map(line)].join(
    '\n',
  );
}

export const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(2)} MB`;
