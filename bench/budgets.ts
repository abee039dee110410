// Figures with their budgets: each a median of several runs with its spread, compared with a
// baseline measured in the same run where there is one, and judged against its budget. Any
// failed budget makes `npm run bench` exit non-zero (bench/run.ts).
import { summarize, type Summary } from './stats';

export type Unit = 'ms' | 'MB' | 'requests' | 'modules' | 'lines';

export interface Figure {
  /** Stable key in bench/last-run.json, e.g. "vscode.activation". */
  id: string;
  /** What was measured, as the table says it. */
  what: string;
  unit: Unit;
  samples: number[];
  /** Measured in the same run under the same conditions, e.g. the same package.json with an empty activate(). */
  baseline?: { what: string; samples: number[] };
  /**
   * Budget on the median, on the median above the baseline's median (`above`), or on the median
   * as a multiple of the baseline's (`times`: 0.25 = at least 4× faster). Absent: listed, not judged.
   */
  budget?: { max: number; above?: 'baseline'; times?: 'baseline' };
  note?: string;
}

export interface Verdict {
  figure: Figure;
  measured: Summary;
  baseline?: Summary;
  /** The number the budget applies to. */
  judged: number;
  pass?: boolean;
}

export function judge(figure: Figure): Verdict {
  const measured = summarize(figure.samples);
  const baseline = figure.baseline && summarize(figure.baseline.samples);
  const judged = !baseline
    ? measured.median
    : figure.budget?.above === 'baseline'
      ? measured.median - baseline.median
      : figure.budget?.times === 'baseline'
        ? measured.median / baseline.median
        : measured.median;
  return { figure, measured, baseline, judged, pass: figure.budget ? judged <= figure.budget.max : undefined };
}

const DIGITS: Record<Unit, number> = { ms: 0, MB: 1, requests: 0, modules: 0, lines: 0 };

function value(v: number, unit: Unit): string {
  // A count is whole, unless it is a rate (requests per minute per view).
  if (unit === 'requests' && !Number.isInteger(v)) return `${v.toFixed(2)} ${unit}`;
  const digits =
    Math.abs(v) < 10 && unit !== 'requests' && unit !== 'modules' ? Math.max(DIGITS[unit], 1) : DIGITS[unit];
  return `${v.toFixed(digits)} ${unit}`;
}

function spread(s: Summary, unit: Unit): string {
  if (s.n === 1) return value(s.median, unit);
  return `${value(s.median, unit)} (${value(s.min, unit).split(' ')[0]}–${value(s.max, unit).split(' ')[0]}, n=${s.n})`;
}

/** The Markdown table docs/benchmarks.md embeds. */
export function budgetTable(verdicts: Verdict[]): string {
  const rows = verdicts.map(({ figure, measured, baseline, judged, pass }) => {
    const { unit, budget } = figure;
    return [
      figure.what + (figure.note ? ` (${figure.note})` : ''),
      spread(measured, unit),
      baseline && figure.baseline ? `${figure.baseline.what}: ${spread(baseline, unit)}` : '–',
      budget
        ? budget.times
          ? `${judged.toFixed(2)}× the baseline ≤ ${budget.max}×`
          : `${budget.above ? `${value(judged, unit)} above` : value(judged, unit)} ≤ ${value(budget.max, unit)}`
        : '–',
      pass === undefined ? 'listed' : pass ? 'pass' : '**FAIL**',
    ];
  });
  const head = ['figure', 'measured: median (min–max, n)', 'baseline, same run', 'budget', 'result'];
  return [head, head.map(() => '---'), ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
}

const BEGIN = '<!-- bench:budgets:begin (written by npm run bench) -->';
const END = '<!-- bench:budgets:end -->';

/** Replaces the block between the markers in docs/benchmarks.md with `section`. */
export function embed(doc: string, section: string): string {
  const start = doc.indexOf(BEGIN);
  const end = doc.indexOf(END);
  if (start < 0 || end < start) throw new Error(`docs/benchmarks.md lacks the markers ${BEGIN} … ${END}`);
  return `${doc.slice(0, start + BEGIN.length)}\n${section.trim()}\n${doc.slice(end)}`;
}
