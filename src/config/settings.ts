// Reads the runnerOps.* settings and says which parts of the product they enable. The caller
// passes vscode.workspace.getConfiguration('runnerOps'), so the reading is tested in plain Node.
import { DEFAULT_BOOTSTRAP, type BootstrapSettings, type ScheduleSpec } from '../core/checklist';
import { normalizeGitLabUrl } from '../core/gitlab-host';
import { DISK_WARN_PERCENT } from '../core/guest-health';
import {
  bucketNameProblem,
  endpointProblem,
  instanceFilterProblem,
  kmsKeyNameProblem,
  projectRefProblem,
  zoneProblem,
} from '../core/input-checks';
import { SLOW_SECONDS, TAIL_MAX_LINES, TOKEN_EXPIRY_WARNING_DAYS } from '../core/pace';
import { QUEUE_WARN_SECONDS } from '../core/queue-time';

/** What readSettings needs of a vscode.WorkspaceConfiguration. */
export interface SettingsSource {
  get<T>(key: string, defaultValue: T): T;
}

export interface RunnerOpsSettings {
  gitlabUrl: string;
  gitlabProjects: Array<string | number>;
  gcpProject: string;
  gcpZones: string[];
  instanceFilter: string;
  credentials: 'adc' | 'none';
  endpoints: { compute?: string; kms?: string; storage?: string; logging?: string };
  secretsBucket: string;
  secretsPrefix: string;
  kmsKey: string;
  /** A runner token stored in a config.toml that expires within this many days is flagged. */
  tokenExpiryWarningDays: number;
  /** The slow view pace (core/pace.ts paceFor), within its bounds. */
  refresh: { slowSeconds: number };
  logs: { maxLines: number; runnerLogFilter: string };
  /** Queue times over this p90, and a VM's disk this full (percent), are warned on the rows. */
  insights: { queueWarnSeconds: number; diskWarnPercent: number };
  /** Always set by readSettings; optional so hand-made settings in tests need not spell it out. */
  bootstrap?: BootstrapSettings;
  /** A sentence per setting that was out of range or of the wrong type, saying what is used instead. */
  problems: string[];
}

export function readSettings(c: SettingsSource): RunnerOpsSettings {
  const problems: string[] = [];
  const settings: RunnerOpsSettings = {
    gitlabUrl: c.get<string>('gitlab.url', 'https://gitlab.com'),
    gitlabProjects: c.get<Array<string | number>>('gitlab.projects', []),
    gcpProject: c.get<string>('gcp.project', ''),
    gcpZones: c.get<string[]>('gcp.zones', []),
    instanceFilter: c.get<string>('gcp.instanceFilter', ''),
    credentials: c.get<'adc' | 'none'>('gcp.credentials', 'adc'),
    endpoints: c.get('gcp.endpoints', {}),
    secretsBucket: c.get<string>('secrets.bucket', ''),
    secretsPrefix: c.get<string>('secrets.prefix', ''),
    kmsKey: c.get<string>('secrets.kmsKey', ''),
    tokenExpiryWarningDays: wholeNumber(
      c,
      'secrets.tokenExpiryWarningDays',
      'days',
      TOKEN_EXPIRY_WARNING_DAYS,
      problems,
    ),
    refresh: { slowSeconds: wholeNumber(c, 'refresh.slowSeconds', 'seconds', SLOW_SECONDS, problems) },
    logs: {
      maxLines: wholeNumber(c, 'logs.maxLines', 'lines', TAIL_MAX_LINES, problems),
      runnerLogFilter: c.get<string>('logs.runnerLogFilter', ''),
    },
    insights: {
      queueWarnSeconds: wholeNumber(c, 'insights.queueWarnSeconds', 'seconds', QUEUE_WARN_SECONDS, problems),
      diskWarnPercent: wholeNumber(c, 'insights.diskWarnPercent', 'percent', DISK_WARN_PERCENT, problems),
    },
    bootstrap: readBootstrap(c, problems),
    problems,
  };
  problems.push(...valueProblems(settings));
  return settings;
}

/** Values of the right type that no server would accept: said at once, before any request. */
function valueProblems(s: RunnerOpsSettings): string[] {
  const url = (() => {
    try {
      if (s.gitlabUrl.trim()) normalizeGitLabUrl(s.gitlabUrl);
      return undefined;
    } catch (error) {
      return `runnerOps.gitlab.url: ${(error as Error).message}`;
    }
  })();
  const list = <T>(value: unknown, what: string, check: (v: T) => string | undefined) =>
    Array.isArray(value)
      ? value.map((v) => check(v as T)).filter((p): p is string => p !== undefined)
      : [`${what} should be a list.`];
  return [
    url,
    ...list<unknown>(s.gitlabProjects, 'runnerOps.gitlab.projects', (p) => {
      const problem = projectRefProblem(p);
      return problem && `runnerOps.gitlab.projects: ${problem}`;
    }),
    ...list<unknown>(s.gcpZones, 'runnerOps.gcp.zones', (z) => {
      const problem = typeof z === 'string' ? zoneProblem(z) : `${JSON.stringify(z)} is not a zone name.`;
      return problem && `runnerOps.gcp.zones: ${problem}`;
    }),
    instanceFilterProblem(s.instanceFilter) &&
      `runnerOps.gcp.instanceFilter: ${instanceFilterProblem(s.instanceFilter)}`,
    ...Object.entries(s.endpoints ?? {}).map(([service, value]) => endpointProblem(service, String(value ?? ''))),
    bucketNameProblem(s.secretsBucket) && `runnerOps.secrets.bucket: ${bucketNameProblem(s.secretsBucket)}`,
    kmsKeyNameProblem(s.kmsKey),
  ].filter((p): p is string => typeof p === 'string');
}

function readBootstrap(c: SettingsSource, problems: string[]): BootstrapSettings {
  const d = DEFAULT_BOOTSTRAP;
  // A value of the wrong type falls back to the default: runnerOps.gcp.zones already says what is wrong.
  const text = (key: string, fallback: string) => {
    const value = c.get<unknown>(`bootstrap.${key}`, fallback);
    return (typeof value === 'string' && value.trim()) || fallback;
  };
  const firstZone = c.get<unknown[]>('gcp.zones', [])?.[0];
  const schedules = c.get<unknown[]>('bootstrap.schedules', []).flatMap((raw): ScheduleSpec[] => {
    const s = raw as Partial<ScheduleSpec>;
    if (!s || (typeof s.project !== 'string' && typeof s.project !== 'number') || !s.description || !s.cron) {
      problems.push(
        `runnerOps.bootstrap.schedules: each entry needs project, description and cron; ignoring ${JSON.stringify(raw)?.slice(0, 60)}.`,
      );
      return [];
    }
    return [
      {
        project: s.project,
        description: s.description,
        cron: s.cron,
        ref: s.ref || 'main',
        timezone: s.timezone || 'UTC',
      },
    ];
  });
  const behind = c.get<unknown>('bootstrap.maxMinorVersionsBehind', d.maxMinorVersionsBehind);
  return {
    workerName: text('workerName', d.workerName),
    zone: text('zone', typeof firstZone === 'string' && firstZone ? firstZone : d.zone),
    machineType: text('machineType', d.machineType),
    templateName: text('templateName', d.templateName),
    runnerTags: c.get<string[]>('bootstrap.runnerTags', d.runnerTags),
    requiredSecrets: c.get<string[]>('bootstrap.requiredSecrets', d.requiredSecrets),
    schedules,
    maxMinorVersionsBehind: typeof behind === 'number' && behind >= 0 ? Math.round(behind) : d.maxMinorVersionsBehind,
  };
}

/** A whole number within bounds: a value out of range is clamped, one of the wrong type replaced by the default. */
function wholeNumber(
  c: SettingsSource,
  key: string,
  unit: string,
  bounds: { default: number; minimum: number; maximum: number },
  problems: string[],
): number {
  const raw = c.get<unknown>(key, bounds.default);
  const range = `a whole number of ${unit} from ${bounds.minimum} to ${bounds.maximum}`;
  if (typeof raw !== 'number' || !Number.isFinite(raw)) {
    const shown = JSON.stringify(raw)?.slice(0, 40) ?? String(raw);
    problems.push(
      `runnerOps.${key} should be ${range}, not ${shown}: using ${bounds.default}. Fix it in the settings.`,
    );
    return bounds.default;
  }
  const value = Math.min(bounds.maximum, Math.max(bounds.minimum, Math.round(raw)));
  if (value !== raw)
    problems.push(`runnerOps.${key} is ${raw}, but must be ${range}: using ${value}. Fix it in the settings.`);
  return value;
}

/** Context keys the welcome views use to explain what is missing. */
export function configuredParts(s: RunnerOpsSettings) {
  const gitlab = s.gitlabProjects.length > 0 && s.gitlabUrl.trim() !== '';
  const gcp = s.gcpProject.trim() !== '';
  const secrets = s.secretsBucket.trim() !== '' && s.kmsKey.trim() !== '';
  return { gitlab, gcp, secrets, any: gitlab || gcp || secrets };
}
