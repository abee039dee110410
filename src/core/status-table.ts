// Every status Runner Ops shows is one row of data here; views render a row and never pick an
// icon or colour themselves. Icons are codicon ids, colours theme colour ids, so this file needs
// no `vscode` and the views wrap them in ThemeIcon/ThemeColor.
import type { CheckOutcome } from './checklist';
import type { Job, PipelineStatus, Runner, RunnerStatus, VmStatus } from './model';

export interface StatusPresentation {
  readonly label: string;
  /** Codicon id, e.g. `pass-filled`, `sync~spin`. */
  readonly icon: string;
  /** Theme colour id, e.g. `testing.iconFailed`; undefined keeps the default foreground. */
  readonly color?: string;
  /** Sort key: lower sorts first, so failures and things in motion lead a list. */
  readonly priority: number;
  /** Still changing on its own: worth polling fast. */
  readonly transitional: boolean;
}

/** The sort order shared by all tables, so mixed lists (a VM and its runner) sort consistently. */
export const Priority = {
  failure: 0,
  warning: 10,
  transition: 20,
  unknown: 30,
  needsAction: 40,
  settled: 50,
  inactive: 60,
} as const;

const row = (
  label: string,
  icon: string,
  color: string | undefined,
  priority: number,
  transitional = false,
): StatusPresentation => Object.freeze({ label, icon, color, priority, transitional });

export const UNKNOWN_STATUS: StatusPresentation = row('Unknown', 'question', undefined, Priority.unknown);

const VM_STATUSES: Record<VmStatus, StatusPresentation> = {
  PROVISIONING: row('Provisioning', 'sync~spin', 'charts.blue', Priority.transition, true),
  STAGING: row('Staging', 'sync~spin', 'charts.blue', Priority.transition, true),
  RUNNING: row('Running', 'vm-running', 'testing.iconPassed', Priority.settled),
  STOPPING: row('Stopping', 'sync~spin', 'charts.yellow', Priority.transition, true),
  // Compute reports a stopped VM as TERMINATED; STOPPED is rarely seen. Both read "Stopped".
  STOPPED: row('Stopped', 'vm-outline', 'disabledForeground', Priority.inactive),
  SUSPENDING: row('Suspending', 'sync~spin', 'charts.yellow', Priority.transition, true),
  SUSPENDED: row('Suspended', 'debug-pause', 'disabledForeground', Priority.inactive),
  // Google is repairing the host after a failure: a problem, and it changes on its own.
  REPAIRING: row('Repairing', 'tools', 'testing.iconFailed', Priority.failure, true),
  TERMINATED: row('Stopped', 'vm-outline', 'disabledForeground', Priority.inactive),
};

const RUNNER_STATUSES: Record<RunnerStatus, StatusPresentation> = {
  online: row('Online', 'pass-filled', 'testing.iconPassed', Priority.settled),
  offline: row('Offline', 'error', 'testing.iconFailed', Priority.failure),
  never_contacted: row('Never contacted', 'circle-large-outline', 'charts.yellow', Priority.warning),
  stale: row('Stale', 'warning', 'charts.yellow', Priority.warning),
};

export const PAUSED_RUNNER: StatusPresentation = row('Paused', 'debug-pause', 'charts.yellow', Priority.needsAction);

const PIPELINE_STATUSES: Record<PipelineStatus, StatusPresentation> = {
  created: row('Created', 'circle-outline', 'charts.blue', Priority.transition, true),
  waiting_for_resource: row('Waiting for resource', 'watch', 'charts.yellow', Priority.transition, true),
  preparing: row('Preparing', 'loading~spin', 'charts.blue', Priority.transition, true),
  pending: row('Pending', 'clock', 'charts.yellow', Priority.transition, true),
  running: row('Running', 'sync~spin', 'charts.blue', Priority.transition, true),
  success: row('Passed', 'pass-filled', 'testing.iconPassed', Priority.settled),
  failed: row('Failed', 'error', 'testing.iconFailed', Priority.failure),
  canceled: row('Canceled', 'circle-slash', 'disabledForeground', Priority.inactive),
  canceling: row('Canceling', 'sync~spin', 'disabledForeground', Priority.transition, true),
  skipped: row('Skipped', 'debug-step-over', 'disabledForeground', Priority.inactive),
  manual: row('Manual', 'play-circle', undefined, Priority.needsAction),
  scheduled: row('Scheduled', 'calendar', undefined, Priority.needsAction),
};

export const ALLOWED_FAILURE: StatusPresentation = row(
  'Failed (allowed)',
  'warning',
  'charts.yellow',
  Priority.warning,
);

/** A bootstrap checklist outcome: a warning keeps the checklist green but reads as one. */
const CHECK_STATUSES: Record<CheckOutcome, StatusPresentation> = {
  pass: row('Passed', 'pass-filled', 'testing.iconPassed', Priority.settled),
  warn: row('Warning', 'warning', 'list.warningForeground', Priority.warning),
  fail: row('Failed', 'error', 'testing.iconFailed', Priority.failure),
  skipped: row('Skipped', 'circle-slash', 'disabledForeground', Priority.inactive),
};

/** Looks up own keys only, so a status such as `constructor` is unknown rather than a prototype member. */
function lookup<K extends string>(table: Record<K, StatusPresentation>, status: string): StatusPresentation {
  return Object.hasOwn(table, status) ? table[status as K] : UNKNOWN_STATUS;
}

export function vmStatus(status: string): StatusPresentation {
  return lookup(VM_STATUSES, status);
}

export interface RunnerPresentation extends StatusPresentation {
  /** GitLab's contact status (online/offline/stale/never contacted), whatever the pause state. */
  readonly contact: StatusPresentation;
  readonly paused: boolean;
}

/**
 * A paused runner that is online shows as Paused. A paused runner with a contact problem keeps
 * the problem's icon (it is the thing to fix) and says "paused" in its label.
 */
export function runnerStatus(runner: Pick<Runner, 'status' | 'paused'>): RunnerPresentation {
  // Some GitLab versions put `paused` in `status`; the contact state is then unknown.
  const paused = runner.paused || runner.status === 'paused';
  const contact = runner.status === 'paused' ? UNKNOWN_STATUS : lookup(RUNNER_STATUSES, runner.status);
  if (!paused) return { ...contact, contact, paused };
  if (contact === RUNNER_STATUSES.online || contact === UNKNOWN_STATUS) return { ...PAUSED_RUNNER, contact, paused };
  return { ...contact, label: `${contact.label} (paused)`, contact, paused };
}

/** Runners problems first, then by id: each runner's status worked out once, not once per comparison. */
export function runnersByStatus<R extends Pick<Runner, 'status' | 'paused' | 'id'>>(runners: readonly R[]): R[] {
  return runners
    .map((runner) => ({ runner, status: runnerStatus(runner) }))
    .sort((a, b) => byPriority(a.status, b.status) || a.runner.id - b.runner.id)
    .map((r) => r.runner);
}

export function pipelineStatus(status: string): StatusPresentation {
  return lookup(PIPELINE_STATUSES, status);
}

/** The one special case: a failed job allowed to fail is a warning, not a failure. */
export function jobStatus(job: Pick<Job, 'status' | 'allowFailure'>): StatusPresentation {
  if (job.status === 'failed' && job.allowFailure) return ALLOWED_FAILURE;
  return pipelineStatus(job.status);
}

export function checkStatus(outcome: CheckOutcome): StatusPresentation {
  return lookup(CHECK_STATUSES, outcome);
}

/** Comparator for lists sorted by status: failures and transitions first. */
export function byPriority(a: StatusPresentation, b: StatusPresentation): number {
  return a.priority - b.priority;
}

/** A row's icon when it is not a status (a zone, a project, a message): one table, like the statuses. */
export interface Glyph {
  /** Codicon id. */
  readonly icon: string;
  /** Theme colour id; undefined keeps the default foreground. */
  readonly color?: string;
}

const glyph = (icon: string, color?: string): Glyph => Object.freeze({ icon, color });

export const GLYPHS = {
  zone: glyph('globe'),
  instanceGroup: glyph('layers'),
  project: glyph('repo'),
  schedules: glyph('calendar'),
  checklistSummary: glyph('checklist'),
  scheduleActive: glyph('watch'),
  scheduleInactive: glyph('circle-slash'),
  more: glyph('ellipsis'),
  loading: glyph('loading~spin'),
  /** A row with an action in flight (Pausing…, Retrying…). */
  busy: glyph('loading~spin'),
  info: glyph('info'),
  signIn: glyph('account'),
  unknown: glyph('question'),
  error: glyph('error', 'errorForeground'),
  /** A VM whose runner GitLab does not see, a bucket without versioning. */
  warning: glyph('warning', 'list.warningForeground'),
  bucket: glyph('archive'),
  generationCurrent: glyph('circle-filled'),
  generationNoncurrent: glyph('history'),
} as const;

export type GlyphName = keyof typeof GLYPHS;

/** A secret's row after Verify: not verified yet (a lock), verifying, or what the decrypt said. */
const VERIFY_STATUSES = {
  unverified: row('Not verified', 'lock', undefined, Priority.unknown),
  running: row('Verifying', 'loading~spin', undefined, Priority.transition, true),
  primary: row('Decrypts with the primary version', 'pass', 'testing.iconPassed', Priority.settled),
  'older-version': row('Decrypts with an older key version', 'warning', 'list.warningForeground', Priority.warning),
  failed: row('Cannot be decrypted', 'error', 'errorForeground', Priority.failure),
} as const;

export function verifyStatus(outcome: keyof typeof VERIFY_STATUSES | undefined): StatusPresentation {
  return VERIFY_STATUSES[outcome ?? 'unverified'];
}
