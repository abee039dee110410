// What a worker VM says about itself from inside, without SSH: the guest attributes its startup
// script publishes under `runner-ops/` (docs/guest-attributes.md), read back with Compute's
// instances.getGuestAttributes. Parses the values and decides the warnings: containers left
// running by jobs that have finished, and a disk over the threshold.
import { plural } from './names';
import { formatWhen } from './time-format';

export const GUEST_NAMESPACE = 'runner-ops';

/** The keys under `runner-ops/`; the generated startup script writes every one (worker-script.ts). */
export const GUEST_KEYS = {
  /** The gitlab-runner container's state: running, restarting, exited, or missing. */
  runnerState: 'runner-state',
  imageTag: 'image-tag',
  /** One line per running container but gitlab-runner: `NAME JOB_ID`, the job id from its `com.gitlab.gitlab-runner.job.id` label (absent: not a job's). */
  containers: 'containers',
  /** Ids of the jobs running on the VM now, space-separated; empty when idle. */
  jobs: 'jobs',
  diskUsedPercent: 'disk-used-percent',
  configSha256: 'config-sha256',
  /** When the startup script started gitlab-runner (RFC 3339). */
  lastStart: 'last-start',
  /** When the values were last published (RFC 3339). */
  updated: 'updated',
} as const;

/** Instance (or project) metadata that lets the guest write guest attributes. */
export const ENABLE_GUEST_ATTRIBUTES = { key: 'enable-guest-attributes', value: 'TRUE' } as const;

/** The setting `runnerOps.insights.diskWarnPercent`: package.json declares the same bounds. */
export const DISK_WARN_PERCENT = { default: 90, minimum: 50, maximum: 100 };

/** The label gitlab-runner's Docker executor puts on a job's containers; shell jobs can add it to theirs. */
export const JOB_ID_LABEL = 'com.gitlab.gitlab-runner.job.id';

export interface GuestAttribute {
  namespace: string;
  key: string;
  value: string;
}

export interface GuestContainer {
  name: string;
  jobId?: number;
}

/** What the VM published, each value parsed; undefined where absent or unreadable. */
export interface GuestReport {
  runnerState?: string;
  imageTag?: string;
  containers?: GuestContainer[];
  jobs?: number[];
  diskUsedPercent?: number;
  configSha256?: string;
  lastStart?: number;
  updated?: number;
}

/** The runner-ops/ values of a getGuestAttributes answer; undefined when it holds none. */
export function parseGuestReport(entries: readonly GuestAttribute[]): GuestReport | undefined {
  const values = new Map(entries.filter((e) => e.namespace === GUEST_NAMESPACE).map((e) => [e.key, e.value]));
  if (values.size === 0) return undefined;
  const text = (key: string) => values.get(key)?.trim() || undefined;
  const time = (key: string) => {
    const at = Date.parse(text(key) ?? '');
    return Number.isNaN(at) ? undefined : at;
  };
  const percent = /^\d{1,3}$/.exec(text(GUEST_KEYS.diskUsedPercent) ?? '')?.[0];
  const jobs = values.get(GUEST_KEYS.jobs);
  const containers = values.get(GUEST_KEYS.containers);
  return {
    runnerState: text(GUEST_KEYS.runnerState),
    imageTag: text(GUEST_KEYS.imageTag),
    containers: containers === undefined ? undefined : parseContainers(containers),
    jobs: jobs === undefined ? undefined : (jobs.match(/\d+/g) ?? []).map(Number),
    diskUsedPercent: percent === undefined ? undefined : Number(percent),
    configSha256: text(GUEST_KEYS.configSha256),
    lastStart: time(GUEST_KEYS.lastStart),
    updated: time(GUEST_KEYS.updated),
  };
}

/** `docker ps --format '{{.Names}} {{.Label "…job.id"}}'`, one container a line. */
function parseContainers(text: string): GuestContainer[] {
  return text
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([name]) => name)
    .map(([name, job]) => (/^\d+$/.test(job ?? '') ? { name, jobId: Number(job) } : { name }));
}

/** Containers started for a job that is no longer running on the VM. */
export function leakedContainers(report: GuestReport): GuestContainer[] {
  const running = new Set(report.jobs ?? []);
  // Without the list of running jobs nothing can be called leaked.
  if (report.jobs === undefined) return [];
  return (report.containers ?? []).filter((c) => c.jobId !== undefined && !running.has(c.jobId));
}

export interface GuestHealth {
  /** Whole sentences, with the reason and the numbers, for the tooltip. */
  warnings: string[];
  /** Short causes for the row's description, e.g. "3 leaked containers". */
  marks: string[];
  /** Tooltip lines: what the VM reports, or that it reports nothing and how to change that. */
  facts: string[];
}

export const NO_GUEST_ATTRIBUTES =
  `The VM publishes no guest attributes under ${GUEST_NAMESPACE}/, so its health from inside (runner state, containers, disk) is unknown. ` +
  `Set the metadata ${ENABLE_GUEST_ATTRIBUTES.key}=${ENABLE_GUEST_ATTRIBUTES.value} on the VM or its template and publish them from the startup script: the bootstrap's generated script does; for a hand-written one see docs/guest-attributes.md.`;

/**
 * The health a VM reports: `null` means the VM has no guest attributes under runner-ops/ (none
 * published, or guest attributes disabled), which is said plainly rather than warned.
 */
export function guestHealth(
  entries: readonly GuestAttribute[] | null,
  options: { diskWarnPercent: number; now: number },
): GuestHealth {
  const report = entries && parseGuestReport(entries);
  if (!report) return { warnings: [], marks: [], facts: [NO_GUEST_ATTRIBUTES] };
  const warnings: string[] = [];
  const marks: string[] = [];
  const leaked = leakedContainers(report);
  if (leaked.length > 0) {
    const jobs = [...new Set(leaked.map((c) => `#${c.jobId}`))];
    const running = report.jobs?.length ? `only ${report.jobs.map((j) => `#${j}`).join(', ')} running` : 'none running';
    warnings.push(
      `Leaked containers: ${plural(leaked.length, 'container')} still running for finished ${jobs.length === 1 ? 'job' : 'jobs'} ${jobs.join(', ')} (${running}): ${leaked.map((c) => c.name).join(', ')}. Remove them with docker rm -f.`,
    );
    marks.push(plural(leaked.length, 'leaked container'));
  }
  const disk = report.diskUsedPercent;
  if (disk !== undefined && disk >= options.diskWarnPercent) {
    warnings.push(
      `Disk ${disk}% full, at or over the ${options.diskWarnPercent}% threshold (runnerOps.insights.diskWarnPercent): jobs fail when it fills. Prune unused images and build caches (docker system prune).`,
    );
    marks.push(`disk ${disk}%`);
  }
  if (report.runnerState && report.runnerState !== 'running') {
    warnings.push(`The gitlab-runner container is ${report.runnerState}, not running.`);
    marks.push(`runner ${report.runnerState}`);
  }
  const others = (report.containers ?? []).filter((c) => !leaked.includes(c));
  const facts = [
    report.runnerState &&
      `gitlab-runner container: ${report.runnerState}${report.imageTag ? ` (${report.imageTag})` : ''}`,
    report.jobs && `Jobs running: ${report.jobs.length ? report.jobs.map((j) => `#${j}`).join(', ') : 'none'}`,
    report.containers &&
      `Other containers: ${others.length ? others.map((c) => (c.jobId ? `${c.name} (job #${c.jobId})` : c.name)).join(', ') : 'none'}`,
    disk !== undefined && `Disk used: ${disk}%`,
    report.configSha256 && `config.toml SHA-256: ${report.configSha256.slice(0, 12)}…`,
    report.lastStart !== undefined && `Runner started: ${formatWhen(report.lastStart, options.now)}`,
    report.updated !== undefined && `Reported: ${formatWhen(report.updated, options.now)}`,
  ].filter((f): f is string => typeof f === 'string');
  return { warnings, marks, facts };
}
