// The checklist as others read it: the summary counts (the view's first row) and the Markdown
// export (every row with its outcome, detail and fix), with anything shaped like a token or a
// key blanked out, although no check ever puts a value into its text.
import type { CheckOutcome, CheckResult } from './checklist';
import { plural } from './names';

export interface ChecklistRun {
  results: CheckResult[];
  /** How long the run took. */
  ms: number;
  at: number;
  /** Set when one check was run again alone: its title. */
  only?: string;
}

const LABELS: Record<CheckOutcome, string> = { pass: 'passed', warn: 'warning', fail: 'failed', skipped: 'skipped' };

/** "7 passed, 1 warning, 1 failed". */
export function checklistCounts(results: CheckResult[]): string {
  const count = (o: CheckOutcome) => results.filter((r) => r.outcome === o).length;
  return [
    `${count('pass')} passed`,
    count('warn') ? plural(count('warn'), 'warning') : '',
    count('fail') ? `${count('fail')} failed` : '',
    count('skipped') ? `${count('skipped')} skipped` : '',
  ]
    .filter(Boolean)
    .join(', ');
}

/** "1.8 s" / "320 ms". */
export const formatDuration = (ms: number) => (ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`);

/** Tokens and private keys, should one ever reach a detail: GitLab tokens, PEM blocks, JSON private keys. */
const SECRET_SHAPES: RegExp[] = [
  /\b(glrt|glpat|gldt|glptt|glcbt|glft|glimt|glagent|glsoat|GR1348941)-[\w-]{8,}/g,
  /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g,
  /"private_key"\s*:\s*"[^"]*"/g,
];
export const redact = (text: string) => SECRET_SHAPES.reduce((t, shape) => t.replace(shape, '[redacted]'), text);

const cell = (text: string) => redact(text).replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>');
const ICONS: Record<CheckOutcome, string> = { pass: '✅', warn: '⚠️', fail: '❌', skipped: '⏭️' };

export function checklistMarkdown(run: ChecklistRun, where: { gitlab: string; project: string }): string {
  const { results } = run;
  const fixes = results.filter((r) => r.fix?.text || r.fix?.command);
  return [
    '# Runner Ops bootstrap checklist',
    `${new Date(run.at).toISOString()} · GitLab ${where.gitlab || '(not set)'} · Google Cloud project ${where.project || '(not set)'}`,
    `**${checklistCounts(results)}** · checked in ${formatDuration(run.ms)}`,
    [
      '| | Check | Outcome | Detail |',
      '| --- | --- | --- | --- |',
      ...results.map((r) => `| ${ICONS[r.outcome]} | ${r.title} | ${LABELS[r.outcome]} | ${cell(r.detail)} |`),
    ].join('\n'),
    fixes.length ? '## Fixes' : '',
    ...fixes.map((r) =>
      [
        `### ${r.title}`,
        r.fix?.command ? `In Runner Ops: ${r.fix.command.title}` : '',
        r.fix?.text ? `\`\`\`sh\n${redact(r.fix.text)}\n\`\`\`` : '',
      ]
        .filter(Boolean)
        .join('\n\n'),
    ),
  ]
    .filter(Boolean)
    .join('\n\n')
    .concat('\n');
}
