// The bootstrap checklist: what a runner fleet needs, checked in order against the real
// services, each outcome with a one-line detail and the fix (a command, or the exact gcloud
// command that creates what is missing). Pure: the probes fetch, this judges and explains.
import { ignoreFailures, type FailureSink } from './failures';
import type { FleetStore } from './fleet-store';
import type { Runner } from './model';
import { Priority, type StatusPresentation } from './status-table';
import { judgeToken, type TokenIdentity } from './token-check';

export type CheckOutcome = 'pass' | 'warn' | 'fail' | 'skipped';
export type CheckId = 'gitlab' | 'gcp' | 'keyRing' | 'key' | 'bucket' | 'secrets' | 'runner';

export interface CheckFix {
  /** A command that fixes it or takes the user there. */
  command?: { id: string; title: string; args?: unknown[] };
  /** What to do, e.g. the exact gcloud command. */
  text?: string;
}

export interface CheckResult {
  id: CheckId;
  title: string;
  outcome: CheckOutcome;
  detail: string;
  fix?: CheckFix;
}

export const CHECKS: ReadonlyArray<{ id: CheckId; title: string; needs?: CheckId }> = [
  { id: 'gitlab', title: 'GitLab access' },
  { id: 'gcp', title: 'Google Cloud credentials' },
  { id: 'keyRing', title: 'KMS key ring', needs: 'gcp' },
  { id: 'key', title: 'KMS key', needs: 'keyRing' },
  { id: 'bucket', title: 'Secrets bucket', needs: 'gcp' },
  { id: 'secrets', title: 'Encrypted secrets', needs: 'bucket' },
  { id: 'runner', title: 'Registered runner', needs: 'gitlab' },
];

export interface KmsKeyName {
  project: string;
  location: string;
  ring: string;
  key: string;
  ringName: string;
  keyName: string;
}

export const KMS_KEY_FORMAT = 'projects/PROJECT/locations/LOCATION/keyRings/RING/cryptoKeys/KEY';

/** Parses runnerOps.secrets.kmsKey; undefined when it is not a full key resource name. */
export function parseKmsKeyName(name: string): KmsKeyName | undefined {
  const m = name
    .trim()
    .match(/^projects\/([^/\s]+)\/locations\/([^/\s]+)\/keyRings\/([^/\s]+)\/cryptoKeys\/([^/\s]+)$/);
  if (!m) return undefined;
  const [, project, location, ring, key] = m;
  const ringName = `projects/${project}/locations/${location}/keyRings/${ring}`;
  return { project, location, ring, key, ringName, keyName: `${ringName}/cryptoKeys/${key}` };
}

export interface KeyFacts {
  /** ENCRYPT_DECRYPT for a symmetric key. */
  purpose: string;
  rotationPeriodSec?: number;
  nextRotationTime?: number;
  primary?: { name: string; state: string };
}

export interface GitLabFacts {
  configured: boolean;
  signedIn: boolean;
  host: string;
  projects: Array<string | number>;
  /** What GitLab says about the token; an Error when asking failed. */
  identity?: TokenIdentity | Error;
  /** Undefined: not read. An Error: a project could not be read. */
  projectsError?: Error;
  runners?: Runner[] | Error;
}

export interface GitLabReadOptions {
  configured: boolean;
  host: string;
  projects: Array<string | number>;
  session?: { url: string; token: string };
  /** GET /user and /personal_access_tokens/self (the GitLab adapter's fetchTokenIdentity). */
  identity: (url: string, token: string) => Promise<TokenIdentity>;
  store: FleetStore;
  /** Where a failure to read the token is reported (the store reports its own). */
  onFailure?: FailureSink;
}

/** What GitLab says: the token, the configured projects and their runners (through the fleet store). */
export async function readGitLabFacts(o: GitLabReadOptions): Promise<GitLabFacts> {
  const facts: GitLabFacts = {
    configured: o.configured,
    signedIn: o.session !== undefined,
    host: o.session?.url ?? o.host,
    projects: o.projects,
  };
  if (!o.configured || !o.session) return facts;
  const { url, token } = o.session;
  const [identity] = await Promise.all([
    o.identity(url, token).catch((e: unknown) => {
      const error = e instanceof Error ? e : new Error(String(e));
      (o.onFailure ?? ignoreFailures)(error);
      return error;
    }),
    o.store.refresh('runners'),
  ]);
  facts.identity = identity;
  facts.projectsError = o.store.projects.error;
  if (!facts.projectsError) facts.runners = o.store.runners.error ?? o.store.runners.value;
  return facts;
}

export interface ChecklistInput {
  gcpProject: string;
  kmsKey: string;
  bucket: string;
  prefix: string;
  now: number;
}

/** The Google side, read-only; each returns undefined for "not found" and throws on anything else. */
export interface GoogleProbes {
  keyRing(name: string): Promise<boolean>;
  /** A cheap call to prove credentials and endpoint when there is no key ring to get. */
  ping(project: string): Promise<void>;
  key(name: string): Promise<KeyFacts | undefined>;
  bucket(name: string): Promise<{ versioning: boolean } | undefined>;
  objects(bucket: string, prefix: string): Promise<string[]>;
}

const settingsFix = (section: string, title = 'Open Settings'): CheckFix => ({
  command: { id: 'runnerOps.openSettings', title, args: [section] },
});
const SIGN_IN: CheckFix = { command: { id: 'runnerOps.signIn', title: 'Sign in to GitLab' } };
const RERUN: CheckFix = { command: { id: 'runnerOps.runChecklist', title: 'Run the checklist again' } };
const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e)).replace(/\s+/g, ' ');

const DAY_SEC = 86_400;
const formatPeriod = (sec: number) => (sec % DAY_SEC === 0 ? `${sec / DAY_SEC} days` : `${Math.round(sec / 3600)} h`);

/** `gcloud kms keys create` with a 90-day rotation starting a day from `now`. */
export function createKeyCommand(k: KmsKeyName, now: number): string {
  const next = new Date(now + DAY_SEC * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return `gcloud kms keys create ${k.key} --keyring ${k.ring} --location ${k.location} --project ${k.project} --purpose encryption --rotation-period 90d --next-rotation-time ${next}`;
}

/** The outcome of each check, in CHECKS order, for what the probes found. */
export async function runChecklist(
  input: ChecklistInput,
  gitlab: GitLabFacts,
  probes: GoogleProbes,
  onFailure: FailureSink = ignoreFailures,
): Promise<CheckResult[]> {
  const google = reporting(probes, onFailure);
  const results = new Map<CheckId, CheckResult>();
  const set = (id: CheckId, outcome: CheckOutcome, detail: string, fix?: CheckFix) => {
    results.set(id, { id, title: CHECKS.find((c) => c.id === id)!.title, outcome, detail, fix });
  };
  /** Skipped when what it needs did not pass (a warning still lets it run). */
  const blocked = (id: CheckId): boolean => {
    const needs = CHECKS.find((c) => c.id === id)?.needs;
    if (!needs) return false;
    const prior = results.get(needs);
    if (!prior || prior.outcome === 'pass' || prior.outcome === 'warn') return false;
    set(id, 'skipped', `Skipped because ${prior.title} ${prior.outcome === 'skipped' ? 'was skipped' : 'failed'}.`);
    return true;
  };

  judgeGitLab(gitlab, set);
  await judgeGoogle(input, google, set, blocked);
  if (!blocked('runner')) judgeRunners(gitlab, set);
  return CHECKS.map((c) => results.get(c.id)!);
}

/** The probes, each failure reported as it happens ("not found" is an answer, not a failure). */
function reporting(probes: GoogleProbes, onFailure: FailureSink): GoogleProbes {
  const report =
    <A extends unknown[], R>(probe: (...args: A) => Promise<R>) =>
    (...args: A) =>
      probe.apply(probes, args).catch((e: unknown) => {
        onFailure(e instanceof Error ? e : new Error(String(e)));
        throw e;
      });
  return {
    keyRing: report(probes.keyRing),
    ping: report(probes.ping),
    key: report(probes.key),
    bucket: report(probes.bucket),
    objects: report(probes.objects),
  };
}

type Setter = (id: CheckId, outcome: CheckOutcome, detail: string, fix?: CheckFix) => void;

function judgeGitLab(g: GitLabFacts, set: Setter): void {
  if (!g.configured)
    return set(
      'gitlab',
      'fail',
      'No GitLab server or project is configured (runnerOps.gitlab.url, runnerOps.gitlab.projects).',
      settingsFix('runnerOps.gitlab', 'Configure GitLab'),
    );
  if (!g.signedIn) return set('gitlab', 'fail', `Not signed in to GitLab at ${g.host}.`, SIGN_IN);
  if (g.identity instanceof Error)
    return set('gitlab', 'fail', `GitLab at ${g.host} refused the token: ${messageOf(g.identity)}`, SIGN_IN);
  let notes: string[] = [];
  let readOnly = false;
  if (g.identity) {
    try {
      const verdict = judgeToken(g.identity, new Date());
      notes = verdict.notes;
      readOnly = verdict.access === 'read-only';
    } catch (e) {
      return set('gitlab', 'fail', messageOf(e), SIGN_IN);
    }
  }
  if (g.projectsError)
    return set(
      'gitlab',
      'fail',
      `Signed in, but the configured projects cannot be read: ${messageOf(g.projectsError)}`,
      settingsFix('runnerOps.gitlab.projects', 'Check the projects'),
    );
  const who = g.identity && !(g.identity instanceof Error) ? ` as @${g.identity.username}` : '';
  const scope = g.identity?.scopes ? ` · scopes ${g.identity.scopes.join(', ')}` : '';
  const detail = `Signed in to ${g.host}${who}${scope} · ${g.projects.length} project${g.projects.length === 1 ? '' : 's'} reachable`;
  if (readOnly || notes.length)
    return set('gitlab', 'warn', `${detail}. ${notes.join(' ')}`, {
      ...SIGN_IN,
      text: 'Sign in with a token that has the api scope.',
    });
  set('gitlab', 'pass', detail);
}

async function judgeGoogle(
  input: ChecklistInput,
  google: GoogleProbes,
  set: Setter,
  blocked: (id: CheckId) => boolean,
): Promise<void> {
  const keyName = parseKmsKeyName(input.kmsKey);
  const keyFix = settingsFix('runnerOps.secrets.kmsKey', 'Set the KMS key');
  const badKey = input.kmsKey.trim()
    ? `runnerOps.secrets.kmsKey "${input.kmsKey.trim()}" is not a key resource name: expected ${KMS_KEY_FORMAT}.`
    : `runnerOps.secrets.kmsKey is not set: expected ${KMS_KEY_FORMAT}.`;
  const project = keyName?.project ?? input.gcpProject.trim();

  // (2) Credentials and endpoint: the key ring get doubles as the cheap call.
  let ringExists = false;
  if (!project) {
    set(
      'gcp',
      'fail',
      'No Google Cloud project is configured (runnerOps.gcp.project).',
      settingsFix('runnerOps.gcp', 'Configure Google Cloud'),
    );
  } else {
    try {
      if (keyName) ringExists = await google.keyRing(keyName.ringName);
      else await google.ping(project);
      set('gcp', 'pass', `Google Cloud answers for project ${project}.`);
    } catch (e) {
      set('gcp', 'fail', `Google Cloud did not answer for project ${project}: ${messageOf(e)}`, {
        ...settingsFix('runnerOps.gcp', 'Check credentials and endpoints'),
        text: 'Run "gcloud auth application-default login", or check runnerOps.gcp.credentials and runnerOps.gcp.endpoints.',
      });
    }
  }

  // (3) Key ring, (4) key.
  if (!blocked('keyRing')) {
    if (!keyName) set('keyRing', 'fail', badKey, keyFix);
    else if (!ringExists) {
      set('keyRing', 'fail', `Key ring ${keyName.ring} does not exist in ${keyName.location}.`, {
        text: `Create it: gcloud kms keyrings create ${keyName.ring} --location ${keyName.location} --project ${keyName.project}`,
      });
    } else set('keyRing', 'pass', `Key ring ${keyName.ring} exists in ${keyName.location}.`);
  }
  if (!blocked('key') && keyName) await judgeKey(keyName, input.now, google, set);

  // (5) Bucket, (6) secrets.
  const bucket = input.bucket.trim();
  let bucketOk = false;
  if (!blocked('bucket')) {
    if (!bucket)
      set(
        'bucket',
        'fail',
        'runnerOps.secrets.bucket is not set.',
        settingsFix('runnerOps.secrets.bucket', 'Set the bucket'),
      );
    else {
      try {
        const found = await google.bucket(bucket);
        const location = keyName?.location && keyName.location !== 'global' ? ` --location ${keyName.location}` : '';
        if (!found) {
          set('bucket', 'fail', `Bucket gs://${bucket} does not exist.`, {
            text: `Create it with versioning: gcloud storage buckets create gs://${bucket} --project ${project}${location} --uniform-bucket-level-access && gcloud storage buckets update gs://${bucket} --versioning`,
          });
        } else if (!found.versioning) {
          bucketOk = true;
          set(
            'bucket',
            'warn',
            `Bucket gs://${bucket} exists but versioning is off: a rotation cannot be rolled back.`,
            { text: `Turn versioning on: gcloud storage buckets update gs://${bucket} --versioning` },
          );
        } else {
          bucketOk = true;
          set('bucket', 'pass', `Bucket gs://${bucket} exists, versioning on.`);
        }
      } catch (e) {
        set('bucket', 'fail', `Cannot read bucket gs://${bucket}: ${messageOf(e)}`, RERUN);
      }
    }
  }
  if (!blocked('secrets') && bucketOk) await judgeSecrets(bucket, input.prefix, keyName, google, set);
}

async function judgeKey(k: KmsKeyName, now: number, google: GoogleProbes, set: Setter): Promise<void> {
  let facts: KeyFacts | undefined;
  try {
    facts = await google.key(k.keyName);
  } catch (e) {
    return set('key', 'fail', `Cannot read key ${k.key}: ${messageOf(e)}`, RERUN);
  }
  if (!facts)
    return set('key', 'fail', `Key ${k.key} does not exist in key ring ${k.ring}.`, {
      text: `Create it: ${createKeyCommand(k, now)}`,
    });
  if (facts.purpose !== 'ENCRYPT_DECRYPT') {
    return set(
      'key',
      'fail',
      `Key ${k.key} has purpose ${facts.purpose}; secrets need a symmetric ENCRYPT_DECRYPT key.`,
      {
        text: `Create a symmetric key: ${createKeyCommand(k, now)} (under a new name), then set runnerOps.secrets.kmsKey to it.`,
      },
    );
  }
  if (!facts.primary) {
    return set('key', 'fail', `Key ${k.key} has no primary version, so nothing can be encrypted.`, {
      text: `Create one: gcloud kms keys versions create --key ${k.key} --keyring ${k.ring} --location ${k.location} --project ${k.project} --primary`,
    });
  }
  const version = facts.primary.name.split('/').pop();
  if (facts.primary.state !== 'ENABLED') {
    return set('key', 'fail', `Key ${k.key}'s primary version ${version} is ${facts.primary.state}, not ENABLED.`, {
      text: `Enable it: gcloud kms keys versions enable ${version} --key ${k.key} --keyring ${k.ring} --location ${k.location} --project ${k.project}`,
    });
  }
  if (!facts.rotationPeriodSec) {
    const next = new Date(now + DAY_SEC * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    return set(
      'key',
      'warn',
      `Key ${k.key} is usable (primary version ${version} ENABLED) but has no rotation period.`,
      {
        text: `Set one: gcloud kms keys update ${k.key} --keyring ${k.ring} --location ${k.location} --project ${k.project} --rotation-period 90d --next-rotation-time ${next}`,
      },
    );
  }
  set(
    'key',
    'pass',
    `Key ${k.key}: ENCRYPT_DECRYPT, primary version ${version} ENABLED, rotates every ${formatPeriod(facts.rotationPeriodSec)}.`,
  );
}

const MAX_LISTED = 4;

async function judgeSecrets(
  bucket: string,
  rawPrefix: string,
  k: KmsKeyName | undefined,
  google: GoogleProbes,
  set: Setter,
): Promise<void> {
  const prefix = rawPrefix.trim();
  const where = `gs://${bucket}/${prefix}`;
  let names: string[];
  try {
    names = await google.objects(bucket, prefix);
  } catch (e) {
    return set('secrets', 'fail', `Cannot list ${where}: ${messageOf(e)}`, RERUN);
  }
  const shown = names.map((n) => n.slice(prefix.length));
  const listed =
    shown.slice(0, MAX_LISTED).join(', ') +
    (shown.length > MAX_LISTED ? `, … (${shown.length - MAX_LISTED} more)` : '');
  const keyFlags = k
    ? `--key ${k.key} --keyring ${k.ring} --location ${k.location} --project ${k.project}`
    : '--key KEY --keyring RING --location LOCATION';
  const upload = `gcloud kms encrypt ${keyFlags} --plaintext-file config.toml --ciphertext-file config.toml.enc && gcloud storage cp config.toml.enc ${where}RUNNER/config.toml.enc`;
  if (names.length === 0)
    return set('secrets', 'fail', `No secrets under ${where}.`, {
      text: `Encrypt and upload the runner's config.toml: ${upload}`,
    });
  if (!names.some((n) => /config\.toml/.test(n))) {
    return set('secrets', 'fail', `No config.toml under ${where} (found ${names.length}: ${listed}).`, {
      text: `Encrypt and upload the runner's config.toml: ${upload}`,
    });
  }
  set('secrets', 'pass', `${names.length} object${names.length === 1 ? '' : 's'} under ${where}: ${listed}`);
}

const REGISTER =
  'Create a project runner in GitLab (Settings → CI/CD → Runners → New project runner), then on the VM: gitlab-runner register --url GITLAB_URL --token glrt-…';

function judgeRunners(g: GitLabFacts, set: Setter): void {
  const runners = g.runners;
  if (runners === undefined) return set('runner', 'skipped', 'Skipped: the runners were not read.');
  if (runners instanceof Error) return set('runner', 'fail', `Cannot list the runners: ${messageOf(runners)}`, RERUN);
  const register = { text: REGISTER.replace('GITLAB_URL', g.host) };
  if (runners.length === 0)
    return set('runner', 'fail', 'No runner is registered for the configured projects.', register);
  const name = (r: Runner) => `#${r.id} ${r.description || '(no description)'}`;
  const online = runners.filter((r) => r.status === 'online' && !r.paused);
  const paused = runners.filter((r) => r.paused);
  const others = runners.filter((r) => r.status !== 'online' && !r.paused);
  const rest = [
    paused.length ? `paused: ${paused.map(name).join(', ')}` : '',
    others.length ? `not online: ${others.map((r) => `${name(r)} (${r.status})`).join(', ')}` : '',
  ]
    .filter(Boolean)
    .join('; ');
  if (online.length === 0) {
    return set(
      'runner',
      'fail',
      `${runners.length} runner${runners.length === 1 ? '' : 's'} registered, none online and active${rest ? ` (${rest})` : ''}.`,
      {
        text: 'Start the runner VM or its gitlab-runner container, or resume a paused runner; see the Runner VMs view.',
      },
    );
  }
  set(
    'runner',
    'pass',
    `${online.length} of ${runners.length} runners online: ${online.map(name).join(', ')}${rest ? ` · ${rest}` : ''}`,
  );
}

const outcomeRow = (label: string, icon: string, color: string | undefined, priority: number): StatusPresentation =>
  Object.freeze({ label, icon, color, priority, transitional: false });

/** How each outcome reads, in the style of status-table: codicon id and theme colour id. */
const CHECK_STATUSES: Record<CheckOutcome, StatusPresentation> = {
  pass: outcomeRow('Passed', 'pass-filled', 'testing.iconPassed', Priority.settled),
  warn: outcomeRow('Warning', 'warning', 'list.warningForeground', Priority.warning),
  fail: outcomeRow('Failed', 'error', 'testing.iconFailed', Priority.failure),
  skipped: outcomeRow('Skipped', 'circle-slash', 'disabledForeground', Priority.inactive),
};

export function checkStatus(outcome: CheckOutcome): StatusPresentation {
  return CHECK_STATUSES[outcome];
}

/** Whether the checklist is green: nothing failed (warnings and skips of passed prerequisites allowed). */
export function checklistGreen(results: CheckResult[]): boolean {
  return results.length > 0 && results.every((r) => r.outcome === 'pass' || r.outcome === 'warn');
}
