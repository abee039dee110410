// The bootstrap checklist: what a runner fleet needs, checked in order against the real
// services, each outcome with a one-line detail and the fix (a command, or the exact gcloud
// command that creates what is missing). Pure: the probes fetch, this judges and explains.
import { ignoreFailures, type FailureSink } from './failures';
// Runners are judged with the views' own correlation (src/core/correlate.ts), so the checklist
// never passes what the Runner VMs view warns about.
import pLimit from 'p-limit';
import { capitalize, correlate } from './correlate';
import type { FleetStore } from './fleet-store';
import type { Project, Runner, WorkerVm } from './model';
import { ROLE_FIX, roleProblems } from './gitlab-roles';
import { plural, runnerLabel, runnerRef } from './names';
import { PACE } from './pace';
import { tagsWithoutOnlineRunner } from './runner-guard';
import { secretLabel, verifySentence, type VerifyResult } from './secrets';
import { configProblem, type ConfigFacts } from './runner-config-check';
import { judgeToken, type TokenIdentity } from './token-check';
import { applying, type CheckFix } from './check-fix';
import { judgeSchedules, judgeWorker } from './checklist-worker';
import { judgePermissions, permissionsFor, type PermissionAnswer, type PermissionTarget } from './gcp-permissions';

export type CheckOutcome = 'pass' | 'warn' | 'fail' | 'skipped';
export type CheckId = 'gitlab' | 'gcp' | 'keyRing' | 'key' | 'bucket' | 'secrets' | 'runner' | 'worker' | 'schedules';

export { APPLY_FIX_COMMAND, type CheckFix, type FixRequest } from './check-fix';

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
  { id: 'worker', title: 'Worker VM', needs: 'gcp' },
  { id: 'schedules', title: 'Pipeline schedules', needs: 'gitlab' },
];

export const checkTitle = (id: CheckId): string => CHECKS.find((c) => c.id === id)!.title;

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
  /** A token is stored for the host, but this workspace chose the host and the user has not allowed it yet. */
  awaitingConsent?: boolean;
  host: string;
  projects: Array<string | number>;
  /** What GitLab says about the token; an Error when asking failed. */
  identity?: TokenIdentity | Error;
  /** Undefined: not read. An Error: a project could not be read. */
  projectsError?: Error;
  /** The configured projects as GitLab answered them (with the user's role in each). */
  readProjects?: Project[];
  runners?: Runner[] | Error;
  /** The runner VMs as the Runner VMs view read them; undefined when Compute is not configured or failed. */
  vms?: WorkerVm[];
  /** Why the runner VMs could not be read: then no VM is checked, and the detail says so. */
  vmsError?: Error;
  /** GET /version's `version`, e.g. "17.11.2-ee". */
  serverVersion?: string | Error;
  /** The configured projects' pipeline schedules (only read when runnerOps.bootstrap.schedules lists some). */
  schedules?: ExistingSchedule[] | Error;
}

export interface ExistingSchedule {
  project: string | number;
  description: string;
  active: boolean;
}

/** What the bootstrap adds to the GitLab reads (src/gitlab/bootstrap.ts). */
export interface BootstrapGitLabReads {
  version(): Promise<string>;
  schedules(project: string | number): Promise<ExistingSchedule[]>;
}

export interface GitLabReadOptions {
  configured: boolean;
  host: string;
  projects: Array<string | number>;
  /** caFile: runnerOps.gitlab.caFile as the token gate chose it (the views' requests trust it too). */
  session?: { url: string; token: string; caFile?: string };
  awaitingConsent?: boolean;
  /** GET /user and /personal_access_tokens/self (the GitLab adapter's fetchTokenIdentity). */
  identity: (url: string, token: string, caFile?: string) => Promise<TokenIdentity>;
  store: FleetStore;
  /** Where a failure to read the token is reported (the store reports its own). */
  onFailure?: FailureSink;
  bootstrap?: { reads: BootstrapGitLabReads; scheduleProjects: Array<string | number> };
}

const baseFacts = (o: GitLabReadOptions): GitLabFacts => ({
  configured: o.configured,
  signedIn: o.session !== undefined,
  awaitingConsent: o.awaitingConsent,
  host: o.session?.url ?? o.host,
  projects: o.projects,
});

/**
 * The facts the Google checks read (the host, the runner VMs), as soon as the VM list is read:
 * they do not wait for GitLab's runners, which take seconds on a large fleet.
 */
export async function readVmFacts(o: GitLabReadOptions): Promise<GitLabFacts> {
  const facts = baseFacts(o);
  if (!o.configured || !o.session) return facts;
  await o.store.borrow(['workers']);
  if (o.store.workers.error) facts.vmsError = o.store.workers.error;
  else facts.vms = o.store.workers.value;
  return facts;
}

/**
 * The token and the configured projects: all the GitLab access check reads, so its row shows
 * without waiting for the runners and the bootstrap's reads.
 */
export async function readAccessFacts(o: GitLabReadOptions): Promise<GitLabFacts> {
  const facts = baseFacts(o);
  if (!o.configured || !o.session) return facts;
  const { url, token, caFile } = o.session;
  const [identity] = await Promise.all([
    o.identity(url, token, caFile).catch((e: unknown) => {
      const error = e instanceof Error ? e : new Error(String(e));
      (o.onFailure ?? ignoreFailures)(error);
      return error;
    }),
    o.store.readProjects(),
  ]);
  facts.identity = identity;
  facts.projectsError = o.store.projects.error;
  if (!facts.projectsError) facts.readProjects = o.store.projects.value;
  return facts;
}

/**
 * What GitLab says: the token, the configured projects and their runners, and the VMs that host
 * them (through the fleet store). `access`: readAccessFacts' answer when already asked, so the
 * token is read once.
 */
export async function readGitLabFacts(
  o: GitLabReadOptions,
  access: Promise<GitLabFacts> = readAccessFacts(o),
): Promise<GitLabFacts> {
  if (!o.configured || !o.session) return access;
  const [read] = await Promise.all([access, o.store.refresh('runners', ['workers'])]);
  const facts: GitLabFacts = { ...read };
  facts.projectsError = o.store.projects.error;
  facts.readProjects = facts.projectsError ? undefined : o.store.projects.value;
  if (!facts.projectsError) facts.runners = o.store.runners.error ?? o.store.runners.value;
  if (o.store.workers.error) facts.vmsError = o.store.workers.error;
  else facts.vms = o.store.workers.value;
  if (o.bootstrap && !(facts.identity instanceof Error)) await readBootstrapFacts(o.bootstrap, facts, o.onFailure);
  return facts;
}

/** The server's version, the online runners' versions and the listed projects' schedules, in parallel. */
async function readBootstrapFacts(
  b: NonNullable<GitLabReadOptions['bootstrap']>,
  facts: GitLabFacts,
  onFailure: FailureSink = ignoreFailures,
): Promise<void> {
  const caught = (e: unknown) => {
    const error = e instanceof Error ? e : new Error(String(e));
    onFailure(error);
    return error;
  };
  const projects = [...new Set(b.scheduleProjects.map(String))];
  const [version, schedules] = await Promise.all([
    b.reads.version().catch(caught),
    projects.length
      ? Promise.all(projects.map((p) => b.reads.schedules(p)))
          .then((lists) => lists.flat())
          .catch(caught)
      : Promise.resolve(undefined),
  ]);
  facts.serverVersion = version;
  facts.schedules = schedules;
}

export interface ScheduleSpec {
  project: string | number;
  description: string;
  cron: string;
  ref: string;
  timezone: string;
}

/** The runnerOps.bootstrap.* settings: what the bootstrap creates and what the checks require. */
export interface BootstrapSettings {
  /** The first worker's VM name (its config.toml is `<prefix><workerName>/config.toml.enc`). */
  workerName: string;
  zone: string;
  machineType: string;
  templateName: string;
  runnerTags: string[];
  /** Object names under the prefix; `{worker}` stands for each worker VM's name. */
  requiredSecrets: string[];
  schedules: ScheduleSpec[];
  /** How many minor versions a runner may be behind the GitLab server. */
  maxMinorVersionsBehind: number;
}

export const DEFAULT_BOOTSTRAP: BootstrapSettings = {
  workerName: 'gitlab-runner-1',
  zone: 'us-central1-a',
  machineType: 'e2-standard-2',
  templateName: 'gitlab-runner-template',
  runnerTags: ['gcp'],
  requiredSecrets: ['deploy-key.enc', 'sa-key.json.enc', '{worker}/config.toml.enc'],
  schedules: [],
  maxMinorVersionsBehind: 2,
};

export interface ChecklistInput {
  gcpProject: string;
  kmsKey: string;
  bucket: string;
  prefix: string;
  now: number;
  /** Defaults to DEFAULT_BOOTSTRAP. */
  bootstrap?: BootstrapSettings;
  /** runnerOps.gcp.instanceFilter: the VMs that count as workers. */
  instanceFilter?: string;
}

/** The Google side, read-only; each returns undefined for "not found" and throws on anything else. */
export interface GoogleProbes {
  keyRing(name: string): Promise<boolean>;
  /** A cheap call to prove credentials and endpoint when there is no key ring to get. */
  ping(project: string): Promise<void>;
  key(name: string): Promise<KeyFacts | undefined>;
  bucket(name: string): Promise<BucketFacts | undefined>;
  /** The objects under the prefix (their current generations), up to PACE.google.checklistMaxObjects. */
  objects(bucket: string, prefix: string): Promise<StoredObject[]>;
  /** Decrypts one object's generation with the key and says which version could; the plaintext is discarded. Never throws. */
  verify(keyName: string, bucket: string, object: StoredObject): Promise<VerifyResult>;
  /** Decrypts a config.toml, parses it and asks GitLab about its tokens (src/core/runner-config.ts); throws when it cannot decrypt. */
  runnerConfig?(keyName: string, bucket: string, object: StoredObject): Promise<ConfigFacts>;
  /** The instance template (Compute); undefined when it does not exist. */
  template?(project: string, name: string): Promise<TemplateFacts | undefined>;
  /**
   * testIamPermissions on the resource: which of `permissions` the credentials hold; undefined
   * when the resource does not exist. Compute targets only when `template` is given too.
   */
  permissions?(target: PermissionTarget, permissions: string[]): Promise<string[] | undefined>;
}

export interface BucketFacts {
  versioning: boolean;
  /** Undefined: not said (older probes). */
  uniformAccess?: boolean;
  publicAccessPrevention?: string;
}

export interface TemplateFacts {
  name: string;
  metadata: Record<string, string>;
  labels: Record<string, string>;
}

export interface StoredObject {
  name: string;
  generation: string;
}

const settingsFix = (section: string, title = 'Open Settings'): CheckFix => ({
  command: { id: 'runnerOps.openSettings', title, args: [section] },
});
const SIGN_IN: CheckFix = { command: { id: 'runnerOps.signIn', title: 'Sign in to GitLab' } };
const ALLOW_TOKEN: CheckFix = {
  command: { id: 'runnerOps.allowWorkspaceGitLab', title: 'Send the saved token to this server' },
};
const RERUN: CheckFix = { command: { id: 'runnerOps.runChecklist', title: 'Run the checklist again' } };
const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e)).replace(/\s+/g, ' ');

const DAY_SEC = 86_400;
const formatPeriod = (sec: number) => (sec % DAY_SEC === 0 ? `${sec / DAY_SEC} days` : `${Math.round(sec / 3600)} h`);

/** `gcloud kms keys create` with a 90-day rotation starting a day from `now`. */
export function createKeyCommand(k: KmsKeyName, now: number): string {
  const next = new Date(now + DAY_SEC * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return `gcloud kms keys create ${k.key} --keyring ${k.ring} --location ${k.location} --project ${k.project} --purpose encryption --rotation-period 90d --next-rotation-time ${next}`;
}

/**
 * The outcome of each check, in CHECKS order, for what the probes found. Checks run in parallel,
 * each waiting only for the check it needs; `only` runs one check (and what it needs) and
 * returns that one result.
 */
export async function runChecklist(
  input: ChecklistInput,
  gitlab: GitLabFacts | StagedGitLabFacts,
  probes: GoogleProbes,
  onFailure: FailureSink = ignoreFailures,
  only?: CheckId,
  /** Each check's result as soon as it settles, before the others (the view shows them as they come). */
  onResult?: (result: CheckResult) => void,
): Promise<CheckResult[]> {
  const google = memoized(reporting(probes, onFailure));
  const settled = new Map<CheckId, CheckResult>();
  const set: Setter = (id, outcome, detail, fix) => {
    if (!settled.has(id)) settled.set(id, { id, title: checkTitle(id), outcome, detail, fix });
  };
  const staged = 'all' in gitlab ? gitlab : { vms: Promise.resolve(gitlab), all: Promise.resolve(gitlab) };
  const ctx: JudgeContext = {
    input,
    gitlab: staged.all,
    access: staged.access ?? staged.all,
    vms: staged.vms,
    google,
    set,
    result: (id) => run(id),
  };
  const running = new Map<CheckId, Promise<CheckResult>>();
  const run = (id: CheckId): Promise<CheckResult> => {
    let promise = running.get(id);
    if (!promise) {
      promise = (async () => {
        const needs = CHECKS.find((c) => c.id === id)?.needs;
        const prior = needs && (await run(needs));
        if (prior && prior.outcome !== 'pass' && prior.outcome !== 'warn') {
          set(
            id,
            'skipped',
            `Skipped because ${prior.title} ${prior.outcome === 'skipped' ? 'was skipped' : 'failed'}.`,
          );
        } else await JUDGES[id](ctx);
        const result = settled.get(id) ?? {
          id,
          title: checkTitle(id),
          outcome: 'skipped' as const,
          detail: 'Skipped: not checked.',
        };
        onResult?.(result);

        return result;
      })();
      running.set(id, promise);
    }
    return promise;
  };
  return Promise.all((only ? [only] : CHECKS.map((c) => c.id)).map(run));
}

/**
 * The facts in stages: `vms` (readVmFacts) for the Google checks, `access` (readAccessFacts) for
 * the GitLab access check, `all` (readGitLabFacts) for the rest.
 */
export interface StagedGitLabFacts {
  vms: Promise<GitLabFacts>;
  access?: Promise<GitLabFacts>;
  all: Promise<GitLabFacts>;
}

interface JudgeContext {
  input: ChecklistInput;
  /** Everything GitLab said (runners included). */
  gitlab: Promise<GitLabFacts>;
  /** The token and the configured projects. */
  access: Promise<GitLabFacts>;
  /** The host and the runner VMs, without GitLab's runners. */
  vms: Promise<GitLabFacts>;
  google: GoogleProbes;
  set: Setter;
  /** Another check's result (run once per checklist run). */
  result(id: CheckId): Promise<CheckResult>;
}

const JUDGES: Record<CheckId, (ctx: JudgeContext) => void | Promise<void>> = {
  gitlab: async (c) => judgeGitLab(await c.access, c.set),
  gcp: judgeGcp,
  keyRing: judgeKeyRing,
  key: async (c) => {
    const k = parseKmsKeyName(c.input.kmsKey);
    if (k) await judgeKey(k, c.input.now, c.google, c.set);
  },
  bucket: judgeBucket,
  secrets: judgeSecretsCheck,
  runner: async (c) => judgeRunners(await c.gitlab, c.input, c.set),
  worker: async (c) => judgeWorker(c.input, await c.gitlab, c.google, c.set),
  schedules: async (c) => judgeSchedules(c.input, await c.gitlab, c.set),
};

/** The same probe with the same arguments is asked once per run (the gcp check's key ring get doubles as the key ring check). */
function memoized(probes: GoogleProbes): GoogleProbes {
  const cache = new Map<string, Promise<unknown>>();
  const once =
    <A extends unknown[], R>(name: string, probe: ((...args: A) => Promise<R>) | undefined) =>
    (...args: A): Promise<R> => {
      const key = `${name} ${JSON.stringify(args)}`;
      if (!cache.has(key)) cache.set(key, probe!.apply(probes, args));
      return cache.get(key) as Promise<R>;
    };
  return {
    ...probes,
    keyRing: once('keyRing', probes.keyRing),
    ping: once('ping', probes.ping),
    key: once('key', probes.key),
    bucket: once('bucket', probes.bucket),
    objects: once('objects', probes.objects),
  };
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
    runnerConfig: probes.runnerConfig && report(probes.runnerConfig),
    template: probes.template && report(probes.template),
    permissions: probes.permissions && report(probes.permissions),
    // A decrypt check never throws: its failure rides on the result.
    verify: (...args) =>
      probes.verify(...args).then((result) => {
        if (result.outcome === 'failed' && result.failure) onFailure(result.failure);
        return result;
      }),
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
  if (g.awaitingConsent)
    return set(
      'gitlab',
      'fail',
      `This workspace's settings point Runner Ops at ${g.host}; your saved token is not sent there until you allow it.`,
      ALLOW_TOKEN,
    );
  if (!g.signedIn) return set('gitlab', 'fail', `Not signed in to GitLab at ${g.host}.`, SIGN_IN);
  if (g.identity instanceof Error)
    return set('gitlab', 'fail', `GitLab at ${g.host} refused the token: ${messageOf(g.identity)}`, SIGN_IN);
  let notes: string[] = [];
  let readOnly = false;
  let roles: string[] = [];
  if (g.identity) {
    try {
      const verdict = judgeToken(g.identity, new Date());
      notes = verdict.notes;
      readOnly = verdict.access === 'read-only';
      roles = roleProblems(g.readProjects ?? [], g.identity.username, g.identity.isAdmin);
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
  if (readOnly || notes.length || roles.length)
    return set('gitlab', 'warn', `${detail}. ${[...roles, ...notes].join(' ')}`, {
      ...SIGN_IN,
      text: [
        readOnly || notes.length ? 'Sign in with a token that has the api scope.' : '',
        roles.length ? ROLE_FIX : '',
      ]
        .filter(Boolean)
        .join('\n'),
    });
  set('gitlab', 'pass', detail);
}

const KEY_FIX = settingsFix('runnerOps.secrets.kmsKey', 'Set the KMS key');
const projectOf = (input: ChecklistInput) => parseKmsKeyName(input.kmsKey)?.project ?? input.gcpProject.trim();

/** (2) Credentials and endpoint (the key ring get doubles as the cheap call), and the permissions each feature needs. */
async function judgeGcp({ input, vms, google, set }: JudgeContext): Promise<void> {
  const keyName = parseKmsKeyName(input.kmsKey);
  const project = projectOf(input);
  if (!project)
    return set(
      'gcp',
      'fail',
      'No Google Cloud project is configured (runnerOps.gcp.project).',
      settingsFix('runnerOps.gcp', 'Configure Google Cloud'),
    );
  const permissions = vms.then((facts) => testPermissions(input, facts, google));
  try {
    if (keyName) await google.keyRing(keyName.ringName);
    else await google.ping(project);
  } catch (e) {
    set('gcp', 'fail', `Google Cloud did not answer for project ${project}: ${messageOf(e)}`, {
      ...settingsFix('runnerOps.gcp', 'Check credentials and endpoints'),
      text: 'Run "gcloud auth application-default login", or check runnerOps.gcp.credentials and runnerOps.gcp.endpoints.',
    });
  }
  const verdict = judgePermissions(await permissions);
  const notes = [
    verdict.missing.length ? `not tested yet (missing): ${verdict.missing.join(', ')}` : '',
    verdict.failed.length ? `could not test: ${verdict.failed.join('; ')}` : '',
  ].filter(Boolean);
  const after = notes.length ? ` · ${notes.join(' · ')}` : '';
  if (verdict.blocked.length)
    // A warning, not a failure: what reads works, and the rows that need this project still run.
    return set(
      'gcp',
      'warn',
      `Google Cloud answers for project ${project}, but the credentials lack what these need: ${verdict.blocked.join('; ')}.${after}`,
      { text: ['Grant the roles that hold them:', ...verdict.grants].join('\n') },
    );
  const tested = verdict.tested.length ? ` · permissions tested on ${verdict.tested.join(', ')}` : '';
  set('gcp', 'pass', `Google Cloud answers for project ${project}${tested}${after}.`);
}

/** testIamPermissions on each resource the features act on; a worker VM stands for all of them. */
function testPermissions(
  input: ChecklistInput,
  gitlab: GitLabFacts,
  google: GoogleProbes,
): Promise<PermissionAnswer[]> {
  if (!google.permissions) return Promise.resolve([]);
  const key = parseKmsKeyName(input.kmsKey);
  const project = projectOf(input);
  const bucket = input.bucket.trim();
  const vm = gitlab.vms?.[0];
  const targets: PermissionTarget[] = [
    ...(key ? [{ kind: 'key' as const, key }] : []),
    ...(bucket ? [{ kind: 'bucket' as const, bucket }] : []),
    ...(google.template
      ? [{ kind: 'template' as const, project, name: (input.bootstrap ?? DEFAULT_BOOTSTRAP).templateName }]
      : []),
    ...(google.template && vm ? [{ kind: 'vm' as const, project, zone: vm.zone, name: vm.name }] : []),
  ];
  return Promise.all(
    targets.map((target) =>
      google.permissions!(target, permissionsFor(target.kind)).then(
        (held): PermissionAnswer => ({ target, held }),
        (e: unknown): PermissionAnswer => ({ target, held: e instanceof Error ? e : new Error(String(e)) }),
      ),
    ),
  );
}

/** (3) The key ring; its fix creates the ring and the key together. */
async function judgeKeyRing({ input, google, set }: JudgeContext): Promise<void> {
  const keyName = parseKmsKeyName(input.kmsKey);
  if (!keyName) {
    const badKey = input.kmsKey.trim()
      ? `runnerOps.secrets.kmsKey "${input.kmsKey.trim()}" is not a key resource name: expected ${KMS_KEY_FORMAT}.`
      : `runnerOps.secrets.kmsKey is not set: expected ${KMS_KEY_FORMAT}.`;
    return set('keyRing', 'fail', badKey, KEY_FIX);
  }
  if (!(await google.keyRing(keyName.ringName))) {
    return set(
      'keyRing',
      'fail',
      `Key ring ${keyName.ring} does not exist in ${keyName.location}.`,
      applying('Create the Key Ring and Key…', { kind: 'keyRing' }, createRingAndKeyCommands(keyName, input.now)),
    );
  }
  set('keyRing', 'pass', `Key ring ${keyName.ring} exists in ${keyName.location}.`);
}

/** `gcloud` for the key ring and the key with a 90-day rotation. */
export function createRingAndKeyCommands(k: KmsKeyName, now: number): string {
  return [
    `gcloud kms keyrings create ${k.ring} --location ${k.location} --project ${k.project}`,
    createKeyCommand(k, now),
  ].join('\n');
}

/** gcloud for a bucket as the secrets need it: versioning, uniform bucket-level access, public access prevented. */
export function bucketCommands(bucket: string, project: string, location: string | undefined, exists: boolean): string {
  const where = location && location !== 'global' ? ` --location ${location}` : '';
  return exists
    ? `gcloud storage buckets update gs://${bucket} --versioning --uniform-bucket-level-access --public-access-prevention`
    : `gcloud storage buckets create gs://${bucket} --project ${project}${where} --uniform-bucket-level-access --public-access-prevention && gcloud storage buckets update gs://${bucket} --versioning`;
}

/** (5) The bucket: exists, versioning on, uniform bucket-level access, public access prevented. */
async function judgeBucket({ input, google, set }: JudgeContext): Promise<void> {
  const bucket = input.bucket.trim();
  if (!bucket)
    return set(
      'bucket',
      'fail',
      'runnerOps.secrets.bucket is not set.',
      settingsFix('runnerOps.secrets.bucket', 'Set the bucket'),
    );
  const location = parseKmsKeyName(input.kmsKey)?.location;
  let found: BucketFacts | undefined;
  try {
    found = await google.bucket(bucket);
  } catch (e) {
    return set('bucket', 'fail', `Cannot read bucket gs://${bucket}: ${messageOf(e)}`, RERUN);
  }
  if (!found)
    return set(
      'bucket',
      'fail',
      `Bucket gs://${bucket} does not exist.`,
      applying('Create the Bucket…', { kind: 'bucket' }, bucketCommands(bucket, projectOf(input), location, false)),
    );
  const missing = [
    found.versioning ? '' : 'versioning is off: a rotation cannot be rolled back',
    found.uniformAccess === false ? 'uniform bucket-level access is off: object ACLs can grant access' : '',
    found.publicAccessPrevention !== undefined && found.publicAccessPrevention !== 'enforced'
      ? `public access prevention is ${found.publicAccessPrevention}, not enforced`
      : '',
  ].filter(Boolean);
  if (missing.length)
    return set(
      'bucket',
      'warn',
      `Bucket gs://${bucket} exists but ${missing.join('; ')}.`,
      applying('Update the Bucket…', { kind: 'bucket' }, bucketCommands(bucket, projectOf(input), location, true)),
    );
  const extra = found.uniformAccess ? ', uniform access, public access prevented' : '';
  set('bucket', 'pass', `Bucket gs://${bucket} exists, versioning on${extra}.`);
}

/** (6) The secrets: decrypt-checked only with a usable key (a failing key is its own row, not one failure per secret). */
async function judgeSecretsCheck({ input, vms, google, set, result }: JudgeContext): Promise<void> {
  const keyName = parseKmsKeyName(input.kmsKey);
  const key = (await result('key')).outcome;
  const usableKey = keyName && (key === 'pass' || key === 'warn') ? keyName : undefined;
  await judgeSecrets(input, await vms, keyName, usableKey, google, set);
}

async function judgeKey(k: KmsKeyName, now: number, google: GoogleProbes, set: Setter): Promise<void> {
  let facts: KeyFacts | undefined;
  try {
    facts = await google.key(k.keyName);
  } catch (e) {
    return set('key', 'fail', `Cannot read key ${k.key}: ${messageOf(e)}`, RERUN);
  }
  if (!facts)
    return set(
      'key',
      'fail',
      `Key ${k.key} does not exist in key ring ${k.ring}.`,
      applying('Create the Key…', { kind: 'keyRing' }, `Create it: ${createKeyCommand(k, now)}`),
    );
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
/** Secrets decrypt-checked per run (two requests each): Verify All Secrets in the Secrets view checks every one. */
export const MAX_VERIFIED_SECRETS = PACE.google.checklistMaxVerified;

const listOf = (names: string[]) =>
  names.slice(0, MAX_LISTED).join(', ') + (names.length > MAX_LISTED ? `, … (${names.length - MAX_LISTED} more)` : '');
const VERIFY_ALL = { id: 'runnerOps.verifyAllSecrets', title: 'Verify All Secrets' };

/** The required object names (under the prefix), `{worker}` expanded to each worker VM (or the first worker to create). */
export function requiredSecrets(b: BootstrapSettings, vms: WorkerVm[] | undefined): string[] {
  // By name: the VMs come in the order the zones answered, and the row names them in a stable order.
  const workers = vms?.length
    ? vms.map((v) => v.name).sort((x, y) => x.localeCompare(y, 'en', { numeric: true }))
    : [b.workerName];
  return [
    ...new Set(
      b.requiredSecrets.flatMap((r) => (r.includes('{worker}') ? workers.map((w) => r.replace('{worker}', w)) : [r])),
    ),
  ];
}

const workerOf = (object: string) => /^(.+)\/config\.toml(\.enc)?$/.exec(object)?.[1];

async function judgeSecrets(
  input: ChecklistInput,
  gitlab: GitLabFacts,
  k: KmsKeyName | undefined,
  usableKey: KmsKeyName | undefined,
  google: GoogleProbes,
  set: Setter,
): Promise<void> {
  const bucket = input.bucket.trim();
  const prefix = input.prefix.trim();
  const where = `gs://${bucket}/${prefix}`;
  let objects: StoredObject[];
  try {
    objects = await google.objects(bucket, prefix);
  } catch (e) {
    return set('secrets', 'fail', `Cannot list ${where}: ${messageOf(e)}`, RERUN);
  }
  const names = objects.map((o) => o.name);
  const listed = listOf(names.map((n) => n.slice(prefix.length)));
  const keyFlags = k
    ? `--key ${k.key} --keyring ${k.ring} --location ${k.location} --project ${k.project}`
    : '--key KEY --keyring RING --location LOCATION';
  const upload = (file: string, object: string) =>
    `gcloud kms encrypt ${keyFlags} --plaintext-file ${file} --ciphertext-file - | gcloud storage cp - ${where}${object}`;
  const required = requiredSecrets(input.bootstrap ?? DEFAULT_BOOTSTRAP, gitlab.vms);
  const present = new Set(names);
  const missing = required.filter((r) => !present.has(`${prefix}${r}`));
  if (missing.length) {
    const first = missing[0];
    const worker = workerOf(first);
    const fix = worker
      ? applying(
          `Register a Runner for ${worker} and Store Its config.toml…`,
          { kind: 'registerRunner', worker },
          `Create the runner (POST ${gitlab.host.replace(/\/+$/, '')}/api/v4/user/runners with runner_type=project_type), put its glrt- token into config.toml, then: ${upload('config.toml', first)}`,
        )
      : applying(
          `Upload ${first} from a File…`,
          { kind: 'uploadSecret', object: first },
          upload(first.replace(/\.enc$/, ''), first),
        );
    const found = names.length ? ` (found ${names.length}: ${listed})` : '';
    return set('secrets', 'fail', `Missing under ${where}: ${listOf(missing)}${found}.`, fix);
  }
  const found = `${plural(names.length, 'object')} under ${where}`;
  if (!usableKey) return set('secrets', 'pass', `${found}: ${listed} (not decrypt-checked: the KMS key is not usable)`);

  const secrets = objects.filter((o) => !o.name.endsWith('/'));
  const checked = secrets.slice(0, MAX_VERIFIED_SECRETS);
  const limit = pLimit(PACE.secrets.verifyParallel);
  const verified = await Promise.all(
    checked.map((o) =>
      limit(async () => ({
        label: secretLabel(o.name, prefix),
        name: o.name,
        result: await google
          .verify(usableKey.keyName, bucket, o)
          .catch((e: unknown): VerifyResult => ({ outcome: 'failed', reason: messageOf(e) })),
      })),
    ),
  );
  const partly =
    secrets.length > checked.length
      ? ` (the first ${checked.length} of ${secrets.length} decrypt-checked; Verify All Secrets checks every one)`
      : '';
  const failed = verified.filter((v) => v.result.outcome === 'failed');
  const older = verified.filter((v) => v.result.outcome === 'older-version');
  // The names first: at the sidebar's default width only the start of the row shows.
  const olderSentence =
    older.length === 0
      ? ''
      : older.length === 1
        ? `${older[0].label} is under an older key version, not the primary.`
        : `${older.length} secrets are under an older key version, not the primary: ${listOf(older.map((v) => v.label))}.`;
  // A config.toml that cannot work (bad TOML, another server, a refused token) fails before any warning.
  // Within the same budget as the decrypt checks: a config.toml is a download, a decrypt and GitLab calls.
  const decryptable = checked.filter((o) => !failed.some((v) => v.name === o.name));
  const configProblems = await inspectConfigs(input, gitlab, usableKey, google, decryptable, required);
  if (configProblems.length && !failed.length)
    return set('secrets', 'fail', [...configProblems, olderSentence, `${found}${partly}.`].filter(Boolean).join(' '), {
      text: `Register the runner again (or reset its token in GitLab) and store the new config.toml: ${upload('config.toml', 'WORKER/config.toml.enc')}`,
    });
  if (failed.length) {
    return set(
      'secrets',
      'fail',
      [
        ...failed.map((v) => `${v.label} ${verifySentence(v.result)}.`),
        ...configProblems,
        olderSentence,
        `${found}${partly}.`,
      ]
        .filter(Boolean)
        .join(' '),
      {
        command: VERIFY_ALL,
        text: `Enable the key version that encrypted it, or encrypt and upload the secret again: gcloud kms encrypt ${keyFlags} --plaintext-file FILE --ciphertext-file - | gcloud storage cp - ${where}NAME`,
      },
    );
  }
  if (older.length) {
    // The plaintext only passes through the pipe, never a file.
    const reencrypt = (name: string) =>
      `gcloud storage cat gs://${bucket}/${name} | gcloud kms decrypt ${keyFlags} --ciphertext-file - --plaintext-file - | gcloud kms encrypt ${keyFlags} --plaintext-file - --ciphertext-file - | gcloud storage cp - gs://${bucket}/${name}`;
    return set('secrets', 'warn', `${olderSentence} ${found}${partly}.`, {
      command: VERIFY_ALL,
      text: [
        'Re-encrypt with the primary version, then Verify All Secrets:',
        ...older.slice(0, MAX_LISTED).map((v) => reencrypt(v.name)),
      ].join('\n'),
    });
  }
  set('secrets', 'pass', `${found}, each decrypts with the primary key version${partly}: ${listed}`);
}

export const isConfigObject = (name: string) => /config\.toml(\.enc)?$/.test(name);

/** Each required config.toml: parses, points at this GitLab, its tokens accepted (POST /runners/verify). */
async function inspectConfigs(
  input: ChecklistInput,
  gitlab: GitLabFacts,
  key: KmsKeyName,
  google: GoogleProbes,
  objects: StoredObject[],
  required: string[],
): Promise<string[]> {
  if (!google.runnerConfig) return [];
  const prefix = input.prefix.trim();
  const wanted = new Set(required);
  const configs = objects.filter((o) => isConfigObject(o.name) && wanted.has(o.name.slice(prefix.length)));
  const limit = pLimit(PACE.secrets.verifyParallel);
  const problems = await Promise.all(
    configs.map(async (o) =>
      limit(async () => {
        const label = secretLabel(o.name, prefix);
        try {
          return configProblem(label, await google.runnerConfig!(key.keyName, input.bucket.trim(), o), gitlab.host);
        } catch (e) {
          return `${label} could not be read: ${messageOf(e)}`;
        }
      }),
    ),
  );
  return problems.filter((p): p is string => p !== undefined);
}

const REGISTER =
  'Create a project runner in GitLab (Settings → CI/CD → Runners → New project runner), then on the VM: gitlab-runner register --url GITLAB_URL --token glrt-…';

function judgeRunners(g: GitLabFacts, input: ChecklistInput, set: Setter): void {
  const runners = g.runners;
  if (runners === undefined) return set('runner', 'skipped', 'Skipped: the runners were not read.');
  if (runners instanceof Error) return set('runner', 'fail', `Cannot list the runners: ${messageOf(runners)}`, RERUN);
  const worker = (input.bootstrap ?? DEFAULT_BOOTSTRAP).workerName;
  const register = applying(
    `Register a Runner for ${worker} and Store Its config.toml…`,
    { kind: 'registerRunner', worker },
    REGISTER.replace('GITLAB_URL', g.host),
  );
  if (runners.length === 0)
    return set('runner', 'fail', 'No runner is registered for the configured projects.', register);
  const name = runnerLabel;
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
  const unread = g.vmsError ? ` · runner VMs not checked: ${messageOf(g.vmsError)}` : '';
  const summary = `${online.length} of ${runners.length} runners online: ${online.map(name).join(', ')}${rest ? ` · ${rest}` : ''}${unread}`;
  const problems = runnerProblems(runners, g.vms, input);
  const behind = versionProblem(g, online, (input.bootstrap ?? DEFAULT_BOOTSTRAP).maxMinorVersionsBehind);
  if (behind) {
    problems.sentences.push(behind.sentence);
    problems.fixes.push(behind.fix);
  }
  if (problems.sentences.length === 0) return set('runner', 'pass', `${summary}${versionsNote(g, online)}`);
  set('runner', 'warn', `${problems.sentences.join(' ')} ${summary}`, {
    command: problems.command,
    text: problems.fixes.join('\n'),
  });
}

const minorOf = (version: string) => {
  const m = /^(\d+)\.(\d+)/.exec(version);
  return m ? { major: Number(m[1]), minor: Number(m[2]) } : undefined;
};

const versionsNote = (g: GitLabFacts, online: Runner[]) => {
  const versions = [...new Set(online.flatMap((r) => r.version ?? []))];
  return typeof g.serverVersion === 'string' && versions.length
    ? ` · GitLab ${g.serverVersion}, gitlab-runner ${versions.join(', ')}`
    : '';
};

/** A runner more than `maxBehind` minor versions behind the server (or on another major): gitlab-runner should match GitLab. */
function versionProblem(
  g: GitLabFacts,
  online: Runner[],
  maxBehind: number,
): { sentence: string; fix: string } | undefined {
  const server = typeof g.serverVersion === 'string' ? minorOf(g.serverVersion) : undefined;
  if (!server) return undefined;
  const stale = online.filter((r) => {
    const v = minorOf(r.version ?? '');
    return v && (v.major !== server.major || server.minor - v.minor > maxBehind);
  });
  if (!stale.length) return undefined;
  const list = stale.map((r) => `${runnerLabel(r)} (${r.version})`).join(', ');
  return {
    sentence: `${list} ${stale.length === 1 ? 'is' : 'are'} more than ${plural(maxBehind, 'minor version')} behind GitLab ${g.serverVersion}.`,
    fix: `Update gitlab-runner to ${server.major}.${server.minor}.x (the gitlab/gitlab-runner image tag in the startup script), then re-provision the worker.`,
  };
}

/** What the Runner VMs view warns about (a RUNNING VM whose runner GitLab does not see), paused runners, orphaned tags. */
function runnerProblems(
  runners: Runner[],
  vms: WorkerVm[] | undefined,
  input: ChecklistInput,
): { sentences: string[]; fixes: string[]; command?: CheckFix['command'] } {
  const sentences: string[] = [];
  const fixes: string[] = [];
  let command: CheckFix['command'];
  const links = vms && correlate({ vms, runners });
  for (const { vm, runner, problem } of links ? vms.flatMap((v) => links.vmProblems(v, input.now)) : []) {
    const vmName = links!.vmDisplayName(vm);
    sentences.push(
      runner
        ? `${capitalize(runnerRef(runner))} ${problem} although its VM ${vmName} is running.`
        : `VM ${vmName} is running but no registered runner is linked to it.`,
    );
    const project = input.gcpProject.trim() ? ` --project ${input.gcpProject.trim()}` : '';
    fixes.push(
      `${vmName}: tail its console to see why ${runner ? 'the runner does not check in' : 'no runner registers'}, or restart the runner container: gcloud compute ssh ${vm.name} --zone ${vm.zone}${project} --command "sudo docker restart gitlab-runner"`,
    );
    command ??= { id: 'runnerOps.tailWorkerLog', title: `Tail ${vmName}'s Console`, args: [{ vm }] };
  }
  for (const runner of runners.filter((r) => r.paused)) {
    sentences.push(`${capitalize(runnerRef(runner))} is paused: it takes no new jobs.`);
    fixes.push(`Resume ${runnerRef(runner)} when its work is done (Registered Runners → Resume Runner).`);
    command ??= { id: 'runnerOps.resumeRunner', title: `Resume Runner #${runner.id}`, args: [{ runner }] };
  }
  const orphaned = tagsWithoutOnlineRunner(runners);
  if (orphaned.length) {
    sentences.push(`No online runner takes jobs tagged ${orphaned.join(', ')}: they wait.`);
    fixes.push(
      `Bring a runner with ${orphaned.length === 1 ? 'that tag' : 'those tags'} back online, or register another one with ${orphaned.length === 1 ? 'it' : 'them'}.`,
    );
  }
  return { sentences, fixes, command };
}

/** Whether the checklist is green: nothing failed (warnings and skips of passed prerequisites allowed). */
export function checklistGreen(results: CheckResult[]): boolean {
  return results.length > 0 && results.every((r) => r.outcome === 'pass' || r.outcome === 'warn');
}

export type ChecklistTone = 'ok' | 'warning' | 'error';

/** What a run asked for ends with: "Bootstrap checklist: 5 passed, 2 warnings — Registered runner: …". */
export function checklistSummary(results: CheckResult[]): { tone: ChecklistTone; text: string } {
  if (results.length === 0)
    return {
      tone: 'warning',
      text: 'Bootstrap checklist: nothing to check, Runner Ops is not configured yet (runnerOps.gitlab, runnerOps.gcp, runnerOps.secrets).',
    };
  const count = (outcome: CheckOutcome) => results.filter((r) => r.outcome === outcome).length;
  const counts = [
    `${count('pass')} passed`,
    count('warn') ? plural(count('warn'), 'warning') : '',
    count('fail') ? `${count('fail')} failed` : '',
    count('skipped') ? `${count('skipped')} skipped` : '',
  ].filter(Boolean);
  // Failures first, then warnings, each in checklist order; skips follow from a failure already named.
  const named = [...results.filter((r) => r.outcome === 'fail'), ...results.filter((r) => r.outcome === 'warn')];
  return {
    tone: count('fail') ? 'error' : count('warn') ? 'warning' : 'ok',
    text: [`Bootstrap checklist: ${counts.join(', ')}`, ...named.map((r) => `${r.title}: ${r.detail}`)].join(' — '),
  };
}
