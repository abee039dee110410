// The audit trail of re-provisions: one JSON line per run (who, which VM and runners, each step
// with its times, how it ended), appended to a file the team can keep. Never a token or a secret.
import type { Journal, OperationOutcome } from '../operation';
import { STEP_TITLES, type StepId } from './plan';
import type { ReprovisionState } from './steps';

export interface AuditRecord {
  at: string;
  user: string;
  vm: { name: string; zone: string; oldId: string; newId?: string; newIp?: string };
  via: string;
  runners: Array<{ id: number; description: string; checkedInAs?: string; version?: string }>;
  /** The runner image tag before and after, when the run knew it. */
  imageTag?: { before?: string; after?: string };
  steps: Array<{ id: string; title: string; startedAt?: string; endedAt?: string }>;
  outcome: 'done' | 'cancelled' | 'failed';
  /** Where it stopped and why, when it did not finish. */
  stopped?: { step: string; message: string };
  acceptedOutage: boolean;
  smokePipeline?: string;
}

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

export function auditRecord(
  journal: Journal<ReprovisionState>,
  outcome: OperationOutcome,
  user: string,
  now: number,
): AuditRecord {
  const s = journal.state;
  return {
    at: new Date(now).toISOString(),
    user,
    vm: { name: s.vm.name, zone: s.vm.zone, oldId: s.vm.id, newId: s.newVm?.id, newIp: s.newVm?.internalIp },
    via: s.via.kind === 'template' ? `template ${s.via.template}` : `group ${s.via.group}`,
    runners: s.runners.map((r) => ({
      id: r.id,
      description: r.description,
      checkedInAs: s.checkedIn?.[r.id]?.systemId,
      version: s.checkedIn?.[r.id]?.version,
    })),
    ...(s.version ? { imageTag: { before: s.version.before, after: s.version.after } } : {}),
    steps: (Object.keys(STEP_TITLES) as StepId[])
      .filter((id) => s.times[id])
      .map((id) => ({
        id,
        title: STEP_TITLES[id],
        startedAt: iso(s.times[id]?.startedAt),
        endedAt: iso(s.times[id]?.endedAt),
      })),
    outcome: outcome.outcome,
    ...(outcome.outcome !== 'done' && journal.stopped
      ? { stopped: { step: journal.stopped.step, message: journal.stopped.message } }
      : {}),
    acceptedOutage: s.acceptOutage,
    ...(s.smokePipeline ? { smokePipeline: s.smokePipeline.webUrl } : {}),
  };
}

/** Parses the file's lines, newest first; lines that are not records are skipped. */
export function parseAudit(text: string): AuditRecord[] {
  const records: AuditRecord[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const r = JSON.parse(line) as AuditRecord;
      if (r && typeof r.at === 'string' && r.vm) records.push(r);
    } catch {
      /* a torn or foreign line */
    }
  }
  return records.reverse();
}

export function historyMarkdown(records: AuditRecord[], file: string): string {
  if (records.length === 0) return `# Re-provision history\n\nNo re-provision recorded yet in \`${file}\`.\n`;
  const lines = [`# Re-provision history`, '', `From \`${file}\`, newest first.`, ''];
  for (const r of records) {
    lines.push(`## ${r.at} · ${r.vm.name} · ${r.outcome}`, '');
    lines.push(`- by ${r.user || '(unknown user)'}, ${r.via}${r.acceptedOutage ? ', outage accepted' : ''}`);
    lines.push(
      `- VM instance ${r.vm.oldId}${r.vm.newId ? ` → ${r.vm.newId}${r.vm.newIp ? ` (${r.vm.newIp})` : ''}` : ''}`,
    );
    for (const runner of r.runners)
      lines.push(
        `- runner #${runner.id} ${runner.description}${runner.checkedInAs ? `: checked in as ${runner.checkedInAs}` : ''}`,
      );
    if (r.stopped) lines.push(`- stopped at ${r.stopped.step}: ${r.stopped.message}`);
    if (r.smokePipeline) lines.push(`- smoke pipeline: ${r.smokePipeline}`);
    lines.push(`- steps: ${r.steps.map((s) => s.title).join(' → ')}`, '');
  }
  return lines.join('\n');
}
