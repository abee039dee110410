// A check's fix: a command (for an applied fix, runnerOps.applyCheckFix with what to create) and
// its gcloud / API equivalent as text, to copy.

/** A fix Runner Ops applies itself, after showing what it will create and a confirmation (src/core/bootstrap-fixes.ts). */
export type FixRequest =
  | { kind: 'keyRing' }
  | { kind: 'bucket' }
  | { kind: 'uploadSecret'; object: string }
  | { kind: 'registerRunner'; worker: string }
  | { kind: 'worker' }
  | { kind: 'schedules' };

export const APPLY_FIX_COMMAND = 'runnerOps.applyCheckFix';

export interface CheckFix {
  /** A command that fixes it or takes the user there (an applied fix: APPLY_FIX_COMMAND with its FixRequest). */
  command?: { id: string; title: string; args?: unknown[] };
  /** What to do, e.g. the exact gcloud command: the equivalent to copy, for teams that keep infrastructure in Terraform. */
  text?: string;
}

export const applying = (title: string, request: FixRequest, text?: string): CheckFix => ({
  command: { id: APPLY_FIX_COMMAND, title, args: [request] },
  text,
});
