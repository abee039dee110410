// The checklist's order, skips and wording, with probes that answer from a table.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import {
  checklistGreen,
  checklistSummary,
  CHECKS,
  DEFAULT_BOOTSTRAP,
  MAX_VERIFIED_SECRETS,
  parseKmsKeyName,
  requiredSecrets,
  runChecklist,
  type CheckResult,
  type GitLabFacts,
  type GoogleProbes,
  type KeyFacts,
} from '../../../src/core/checklist';
import { correlate } from '../../../src/core/correlate';
import type { Runner, WorkerVm } from '../../../src/core/model';
import type { VerifyResult } from '../../../src/core/secrets';
import { workerScript } from '../../../src/core/worker-script';

const KEY = 'projects/p/locations/europe-west1/keyRings/ring/cryptoKeys/key';
const input = {
  gcpProject: 'p',
  kmsKey: KEY,
  bucket: 'b',
  prefix: 'runners/',
  now: Date.parse('2026-01-01T00:00:00Z'),
  bootstrap: { ...DEFAULT_BOOTSTRAP, requiredSecrets: ['deploy-key.enc'] },
  instanceFilter: 'labels.role = gitlab-runner',
};
const HOUR = 3_600_000;
const runner = (id: number, status: string, paused = false, tags: string[] = []): Runner => ({
  id,
  description: `r${id}`,
  status,
  paused,
  type: 'project_type',
  tags,
  contactedAt: status === 'online' ? input.now - 60_000 : input.now - 3 * HOUR,
});
const vm = (name: string, status = 'RUNNING', startedHoursAgo = 5): WorkerVm => ({
  id: `id-${name}`,
  name,
  zone: 'europe-west1-b',
  status,
  machineType: 'e2-medium',
  labels: {},
  lastStartedAt: input.now - startedHoursAgo * HOUR,
});
const signedIn: GitLabFacts = {
  configured: true,
  signedIn: true,
  host: 'https://gitlab.example.com',
  projects: ['infra/fleet'],
  identity: { username: 'ops', name: 'Ops', isAdmin: false, scopes: ['api'] },
  runners: [runner(1, 'online'), runner(2, 'offline')],
  vms: [vm('r1')],
};
const goodKey: KeyFacts = {
  purpose: 'ENCRYPT_DECRYPT',
  rotationPeriodSec: 90 * 86_400,
  primary: { name: `${KEY}/cryptoKeyVersions/3`, state: 'ENABLED' },
};

function probes(over: Partial<GoogleProbes> = {}): GoogleProbes & { calls: string[] } {
  const calls: string[] = [];
  const log = <T>(name: string, value: T) => {
    calls.push(name);
    return Promise.resolve(value);
  };
  return {
    calls,
    keyRing: (n) => log(`keyRing ${n}`, true),
    ping: (p) => log(`ping ${p}`, undefined),
    key: (n) => log(`key ${n}`, goodKey),
    bucket: (n) => log(`bucket ${n}`, { versioning: true }),
    objects: (b, p) =>
      log(
        `objects ${b} ${p}`,
        ['runners/a/config.toml.enc', 'runners/deploy-key.enc'].map((name) => ({ name, generation: '1' })),
      ),
    verify: (_k, b, o) => log<VerifyResult>(`verify ${b} ${o.name}#${o.generation}`, { outcome: 'primary' }),
    template: (p, n) =>
      log(`template ${p} ${n}`, {
        name: n,
        labels: { role: 'gitlab-runner' },
        metadata: {
          'startup-script': workerScript({
            bucket: 'b',
            prefix: 'runners/',
            kmsKey: KEY,
            secrets: [{ object: 'deploy-key.enc', destination: '/root/.ssh/id_ed25519' }],
          }),
        },
      }),
    ...over,
  };
}
const outcomes = (results: Array<{ outcome: string }>) => results.map((r) => r.outcome).join(' ');

test('all nine checks, in order, pass for a healthy setup', async () => {
  const results = await runChecklist(input, signedIn, probes());
  assert.deepEqual(
    results.map((r) => r.id),
    CHECKS.map((c) => c.id),
  );
  assert.deepEqual(
    results.map((r) => r.id),
    ['gitlab', 'gcp', 'keyRing', 'key', 'bucket', 'secrets', 'runner', 'worker', 'schedules'],
  );
  assert.equal(outcomes(results), 'pass pass pass pass pass pass pass pass pass');
  assert.equal(results[0].detail, 'Signed in to https://gitlab.example.com as @ops · scopes api · 1 project reachable');
  assert.equal(results[3].detail, 'Key key: ENCRYPT_DECRYPT, primary version 3 ENABLED, rotates every 90 days.');
  assert.equal(
    results[5].detail,
    '2 objects under gs://b/runners/, each decrypts with the primary key version: a/config.toml.enc, deploy-key.enc',
  );
  assert.equal(results[6].detail, '1 of 2 runners online: #1 r1 · not online: #2 r2 (offline)');
  assert.equal(checklistGreen(results), true);
});

test('each result is handed over as its check settles: GitLab shows while a slow decrypt is still under way', async () => {
  let releaseVerify!: () => void;
  const verifyHeld = new Promise<void>((resolve) => (releaseVerify = resolve));
  const seen: string[] = [];
  const running = runChecklist(
    input,
    signedIn,
    probes({ verify: () => verifyHeld.then(() => ({ outcome: 'primary' }) as VerifyResult) }),
    undefined,
    undefined,
    (result) => seen.push(`${result.id} ${result.outcome}`),
  );
  await new Promise((resolve) => setImmediate(resolve));
  assert.ok(seen.includes('gitlab pass'), `GitLab settled before the decrypt: ${seen.join(', ')}`);
  assert.ok(!seen.some((s) => s.startsWith('secrets')), 'the secrets check waits for its decrypts');
  releaseVerify();
  const results = await running;
  assert.equal(seen.length, 9, 'each check once');
  assert.deepEqual([...seen].sort(), results.map((r) => `${r.id} ${r.outcome}`).sort());
});

test('staged facts: the Google checks settle on the VM list while GitLab’s runners are still being read', async () => {
  let releaseRunners!: () => void;
  const all = new Promise<GitLabFacts>((resolve) => (releaseRunners = () => resolve(signedIn)));
  const { runners: _runners, identity: _identity, ...vmsOnly } = signedIn;
  const seen: string[] = [];
  const running = runChecklist(
    input,
    { vms: Promise.resolve(vmsOnly), all },
    probes(),
    undefined,
    undefined,
    (result) => seen.push(`${result.id} ${result.outcome}`),
  );
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(seen.sort(), ['bucket pass', 'gcp pass', 'key pass', 'keyRing pass', 'secrets pass']);
  releaseRunners();
  const staged = await running;
  const whole = await runChecklist(input, signedIn, probes());
  assert.deepEqual(staged, whole, 'the same results as with every fact at once');
});

test('signed out: GitLab fails with Sign in, the runner check is skipped, the Google checks still run', async () => {
  const results = await runChecklist(
    input,
    { configured: true, signedIn: false, host: 'https://gitlab.example.com', projects: ['x'] },
    probes(),
  );
  assert.equal(outcomes(results), 'fail pass pass pass pass pass skipped warn skipped');
  assert.equal(results[0].detail, 'Not signed in to GitLab at https://gitlab.example.com.');
  assert.deepEqual(results[0].fix?.command, { id: 'runnerOps.signIn', title: 'Sign in to GitLab' });
  assert.equal(results[6].detail, 'Skipped because GitLab access failed.');
  assert.equal(checklistGreen(results), false);
});

test('a workspace-chosen server awaiting consent says why and offers to allow, not to sign in', async () => {
  const results = await runChecklist(
    input,
    { configured: true, signedIn: false, awaitingConsent: true, host: 'https://gitlab.example.com', projects: ['x'] },
    probes(),
  );
  assert.equal(outcomes(results), 'fail pass pass pass pass pass skipped warn skipped');
  assert.equal(
    results[0].detail,
    "This workspace's settings point Runner Ops at https://gitlab.example.com; your saved token is not sent there until you allow it.",
  );
  assert.equal(results[0].fix?.command?.id, 'runnerOps.allowWorkspaceGitLab');
});

test('a read_api token warns; a token without api scopes fails', async () => {
  const readOnly = await runChecklist(
    input,
    { ...signedIn, identity: { username: 'ops', name: 'Ops', isAdmin: false, scopes: ['read_api'] } },
    probes(),
  );
  assert.equal(readOnly[0].outcome, 'warn');
  assert.match(readOnly[0].detail, /Read-only: the token has read_api but not api/);
  assert.equal(readOnly[6].outcome, 'pass', 'a warning does not skip the runner check');
  const none = await runChecklist(
    input,
    { ...signedIn, identity: { username: 'ops', name: 'Ops', isAdmin: false, scopes: ['read_user'] } },
    probes(),
  );
  assert.equal(none[0].outcome, 'fail');
  assert.match(none[0].detail, /scopes \(read_user\) do not include api/);
  assert.equal(none[6].outcome, 'skipped');
});

test('unreadable projects fail GitLab with a settings fix', async () => {
  const results = await runChecklist(
    input,
    { ...signedIn, projectsError: new Error('Project infra/nope not found.') },
    probes(),
  );
  assert.equal(results[0].outcome, 'fail');
  assert.equal(
    results[0].detail,
    'Signed in, but the configured projects cannot be read: Project infra/nope not found.',
  );
  assert.deepEqual(results[0].fix?.command?.args, ['runnerOps.gitlab.projects']);
});

test('Google failing skips ring, key, bucket and secrets, saying which prerequisite', async () => {
  const p = probes({ keyRing: () => Promise.reject(new Error('Google Cloud rejected the credentials.')) });
  const results = await runChecklist(input, signedIn, p);
  assert.equal(outcomes(results), 'pass fail skipped skipped skipped skipped pass skipped pass');
  assert.equal(results[2].detail, 'Skipped because Google Cloud credentials failed.');
  assert.equal(results[3].detail, 'Skipped because KMS key ring was skipped.');
  assert.equal(results[5].detail, 'Skipped because Secrets bucket was skipped.');
  assert.deepEqual(p.calls, [], 'nothing else was asked after the failed key ring get');
});

test('a missing ring names the gcloud command and skips the key', async () => {
  const results = await runChecklist(input, signedIn, probes({ keyRing: () => Promise.resolve(false) }));
  assert.equal(
    results[2].fix?.text,
    'gcloud kms keyrings create ring --location europe-west1 --project p\ngcloud kms keys create key --keyring ring --location europe-west1 --project p --purpose encryption --rotation-period 90d --next-rotation-time 2026-01-02T00:00:00Z',
  );
  assert.deepEqual(results[2].fix?.command, {
    id: 'runnerOps.applyCheckFix',
    title: 'Create the Key Ring and Key…',
    args: [{ kind: 'keyRing' }],
  });
  assert.equal(results[3].outcome, 'skipped');
});

test('the key: no rotation warns, wrong purpose and a disabled primary fail, each with its gcloud command', async () => {
  const noRotation = await runChecklist(
    input,
    signedIn,
    probes({ key: () => Promise.resolve({ ...goodKey, rotationPeriodSec: undefined }) }),
  );
  assert.equal(noRotation[3].outcome, 'warn');
  assert.equal(
    noRotation[3].fix?.text,
    'Set one: gcloud kms keys update key --keyring ring --location europe-west1 --project p --rotation-period 90d --next-rotation-time 2026-01-02T00:00:00Z',
  );
  assert.equal(checklistGreen(noRotation), true, 'warnings keep the checklist green');
  const missing = await runChecklist(input, signedIn, probes({ key: () => Promise.resolve(undefined) }));
  assert.equal(
    missing[3].fix?.text,
    'Create it: gcloud kms keys create key --keyring ring --location europe-west1 --project p --purpose encryption --rotation-period 90d --next-rotation-time 2026-01-02T00:00:00Z',
  );
  const sign = await runChecklist(
    input,
    signedIn,
    probes({ key: () => Promise.resolve({ ...goodKey, purpose: 'ASYMMETRIC_SIGN' }) }),
  );
  assert.match(sign[3].detail, /purpose ASYMMETRIC_SIGN; secrets need a symmetric ENCRYPT_DECRYPT key/);
  const disabled = await runChecklist(
    input,
    signedIn,
    probes({
      key: () => Promise.resolve({ ...goodKey, primary: { name: `${KEY}/cryptoKeyVersions/3`, state: 'DISABLED' } }),
    }),
  );
  assert.equal(
    disabled[3].fix?.text,
    'Enable it: gcloud kms keys versions enable 3 --key key --keyring ring --location europe-west1 --project p',
  );
});

test('a kmsKey that is not a resource name fails with the format; empty settings point at the settings', async () => {
  assert.equal(parseKmsKeyName('key'), undefined);
  assert.deepEqual(parseKmsKeyName(KEY), {
    project: 'p',
    location: 'europe-west1',
    ring: 'ring',
    key: 'key',
    ringName: 'projects/p/locations/europe-west1/keyRings/ring',
    keyName: KEY,
  });
  const p = probes();
  const bad = await runChecklist({ ...input, kmsKey: 'projects/p/keyRings/ring' }, signedIn, p);
  assert.equal(outcomes(bad), 'pass pass fail skipped pass pass pass fail pass');
  assert.equal(
    bad[2].detail,
    'runnerOps.secrets.kmsKey "projects/p/keyRings/ring" is not a key resource name: expected projects/PROJECT/locations/LOCATION/keyRings/RING/cryptoKeys/KEY.',
  );
  assert.ok(p.calls.includes('ping p'), 'credentials checked with a cheap list instead');
  const empty = await runChecklist(
    { gcpProject: '', kmsKey: '', bucket: '', prefix: '', now: input.now },
    signedIn,
    probes(),
  );
  assert.equal(outcomes(empty), 'pass fail skipped skipped skipped skipped pass skipped pass');
  assert.deepEqual(empty[1].fix?.command, {
    id: 'runnerOps.openSettings',
    title: 'Configure Google Cloud',
    args: ['runnerOps.gcp'],
  });
});

test('bucket without versioning warns; secrets without a config.toml fail and list what is there', async () => {
  const results = await runChecklist(
    input,
    signedIn,
    probes({
      bucket: () => Promise.resolve({ versioning: false }),
      objects: () => Promise.resolve(['a', 'b', 'c', 'd', 'e'].map((n) => ({ name: `runners/${n}`, generation: '1' }))),
    }),
  );
  assert.equal(results[4].outcome, 'warn');
  assert.equal(results[4].detail, 'Bucket gs://b exists but versioning is off: a rotation cannot be rolled back.');
  assert.equal(
    results[4].fix?.text,
    'gcloud storage buckets update gs://b --versioning --uniform-bucket-level-access --public-access-prevention',
  );
  assert.equal(results[5].detail, 'Missing under gs://b/runners/: deploy-key.enc (found 5: a, b, c, d, … (1 more)).');
  assert.deepEqual(results[5].fix?.command?.args, [{ kind: 'uploadSecret', object: 'deploy-key.enc' }]);
});

test('runners: none registered or none online fail; paused ones do not count as online', async () => {
  const none = await runChecklist(input, { ...signedIn, runners: [] }, probes());
  assert.match(none[6].fix!.text!, /gitlab-runner register --url https:\/\/gitlab\.example\.com --token glrt-/);
  const paused = await runChecklist(
    input,
    { ...signedIn, runners: [runner(1, 'online', true), runner(2, 'stale')] },
    probes(),
  );
  assert.equal(paused[6].outcome, 'fail');
  assert.equal(
    paused[6].detail,
    '2 runners registered, none online and active (paused: #1 r1; not online: #2 r2 (stale)).',
  );
});

const runnerRow = (results: CheckResult[]) => results.find((r) => r.id === 'runner')!;
const secretsRow = (results: CheckResult[]) => results.find((r) => r.id === 'secrets')!;

test('a runner offline on a RUNNING VM warns with the sentence the Runner VMs view shows, and the fix', async () => {
  const runners = [runner(1, 'online'), runner(2, 'offline')];
  const vms = [vm('r1'), vm('r2')];
  const results = await runChecklist(input, { ...signedIn, runners, vms }, probes());
  const row = runnerRow(results);
  assert.equal(row.outcome, 'warn');
  assert.equal(
    row.detail,
    "Runner #2 'r2' has not contacted GitLab for 3 h although its VM r2 is running. 1 of 2 runners online: #1 r1 · not online: #2 r2 (offline)",
  );
  assert.deepEqual(row.fix?.command, {
    id: 'runnerOps.tailWorkerLog',
    title: "Tail r2's Console",
    args: [{ vm: vms[1] }],
  });
  assert.equal(
    row.fix?.text,
    'r2: tail its console to see why the runner does not check in, or restart the runner container: gcloud compute ssh r2 --zone europe-west1-b --project p --command "sudo docker restart gitlab-runner"',
  );
  assert.equal(checklistGreen(results), true, 'a warning keeps the walkthrough step green');
});

test('the runner check warns exactly when the views warn about a VM (same correlation)', async () => {
  const cases: Array<{ vms: WorkerVm[]; runners: Runner[] }> = [
    { vms: [vm('r1'), vm('r2')], runners: [runner(1, 'online'), runner(2, 'offline')] },
    // Stopped on purpose, or still booting: the view does not warn, neither does the checklist.
    { vms: [vm('r1'), vm('r2', 'TERMINATED')], runners: [runner(1, 'online'), runner(2, 'offline')] },
    { vms: [vm('r1'), vm('r2', 'RUNNING', 0.01)], runners: [runner(1, 'online'), runner(2, 'offline')] },
    // A running VM that hosts no registered runner.
    { vms: [vm('r1'), vm('spare')], runners: [runner(1, 'online')] },
    { vms: [vm('r1')], runners: [runner(1, 'online'), runner(2, 'offline')] },
  ];
  for (const { vms, runners } of cases) {
    const viewWarnings = vms.flatMap((v) => correlate({ vms, runners }).vmWarnings(v, input.now));
    const row = runnerRow(await runChecklist(input, { ...signedIn, runners, vms }, probes()));
    assert.equal(row.outcome, viewWarnings.length ? 'warn' : 'pass', `${viewWarnings.join(' ')} / ${row.detail}`);
  }
  const spare = runnerRow(
    await runChecklist(input, { ...signedIn, runners: [runner(1, 'online')], vms: [vm('r1'), vm('spare')] }, probes()),
  );
  assert.match(spare.detail, /^VM spare is running but no registered runner is linked to it\. /);
  const unread = runnerRow(
    await runChecklist(
      input,
      { ...signedIn, runners: [runner(1, 'online')], vmsError: new Error('Permission denied to list instances.') },
      probes(),
    ),
  );
  assert.equal(
    unread.detail,
    '1 of 1 runners online: #1 r1 · runner VMs not checked: Permission denied to list instances.',
  );
});

test('a paused runner and a tag no online runner serves warn, naming them, with Resume as the fix', async () => {
  const runners = [
    runner(1, 'online', false, ['gcp']),
    runner(2, 'online', true, ['gcp', 'terraform']),
    runner(3, 'offline', false, ['docker']),
  ];
  const row = runnerRow(await runChecklist(input, { ...signedIn, runners }, probes()));
  assert.equal(row.outcome, 'warn');
  assert.equal(
    row.detail,
    "Runner #2 'r2' is paused: it takes no new jobs. No online runner takes jobs tagged docker, terraform: they wait. 1 of 3 runners online: #1 r1 · paused: #2 r2; not online: #3 r3 (offline)",
  );
  assert.deepEqual(row.fix?.command, {
    id: 'runnerOps.resumeRunner',
    title: 'Resume Runner #2',
    args: [{ runner: runners[1] }],
  });
  assert.match(row.fix!.text!, /Bring a runner with those tags back online/);
});

test('secrets under an older key version warn, naming them, with the re-encrypt commands', async () => {
  const p = probes({
    verify: (_k, _b, o) =>
      Promise.resolve<VerifyResult>(o.name.includes('deploy') ? { outcome: 'older-version' } : { outcome: 'primary' }),
  });
  const row = secretsRow(await runChecklist(input, signedIn, p));
  assert.equal(row.outcome, 'warn');
  assert.equal(
    row.detail,
    'deploy-key.enc is under an older key version, not the primary. 2 objects under gs://b/runners/.',
  );
  assert.deepEqual(row.fix?.command, { id: 'runnerOps.verifyAllSecrets', title: 'Verify All Secrets' });
  const flags = '--key key --keyring ring --location europe-west1 --project p';
  assert.equal(
    row.fix?.text,
    `Re-encrypt with the primary version, then Verify All Secrets:\ngcloud storage cat gs://b/runners/deploy-key.enc | gcloud kms decrypt ${flags} --ciphertext-file - --plaintext-file - | gcloud kms encrypt ${flags} --plaintext-file - --ciphertext-file - | gcloud storage cp - gs://b/runners/deploy-key.enc`,
  );
});

test('a secret that cannot be decrypted fails, naming it and why', async () => {
  const p = probes({
    verify: (_k, _b, o) =>
      Promise.resolve<VerifyResult>(
        o.name.includes('config')
          ? { outcome: 'failed', reason: 'key version 1 is disabled (enable or restore it to read this secret)' }
          : { outcome: 'older-version' },
      ),
  });
  const results = await runChecklist(input, signedIn, p);
  const row = secretsRow(results);
  assert.equal(row.outcome, 'fail');
  assert.equal(
    row.detail,
    'a/config.toml.enc cannot be decrypted: key version 1 is disabled (enable or restore it to read this secret). deploy-key.enc is under an older key version, not the primary. 2 objects under gs://b/runners/.',
  );
  assert.equal(checklistGreen(results), false);
});

test('config.toml checks share the decrypt budget: a fleet of 30 workers reads at most MAX_VERIFIED_SECRETS, 4 at a time', async () => {
  const workers = Array.from({ length: 30 }, (_, i) => `w${String(i).padStart(2, '0')}`);
  let inFlight = 0;
  let most = 0;
  const read: string[] = [];
  const p = probes({
    objects: () => Promise.resolve(workers.map((w) => ({ name: `runners/${w}/config.toml.enc`, generation: '1' }))),
    runnerConfig: async (_k, _b, o) => {
      read.push(o.name);
      most = Math.max(most, ++inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      inFlight--;
      return { runners: [{ name: o.name, url: signedIn.host, token: 'accepted' }] };
    },
  });
  const fleet = { ...signedIn, vms: workers.map((w) => vm(w)) };
  const row = secretsRow(
    await runChecklist(
      { ...input, bootstrap: { ...DEFAULT_BOOTSTRAP, requiredSecrets: ['{worker}/config.toml.enc'] } },
      fleet,
      p,
    ),
  );
  assert.equal(read.length, MAX_VERIFIED_SECRETS);
  assert.ok(most > 1 && most <= 4, `at most 4 at once, saw ${most}`);
  assert.equal(row.outcome, 'pass', row.detail);
  assert.match(row.detail, /the first 20 of 30 decrypt-checked/);
});

test('decrypt checks are bounded: at most MAX_VERIFIED_SECRETS, a few at a time, none with an unusable key', async () => {
  let inFlight = 0;
  let most = 0;
  const verified: string[] = [];
  const many = Array.from({ length: MAX_VERIFIED_SECRETS + 5 }, (_, i) => ({
    name:
      i === MAX_VERIFIED_SECRETS + 4
        ? 'runners/deploy-key.enc'
        : `runners/s${String(i).padStart(2, '0')}/config.toml.enc`,
    generation: '7',
  }));
  const p = probes({
    objects: () => Promise.resolve(many),
    verify: async (k, b, o) => {
      verified.push(`${k} ${b} ${o.name}#${o.generation}`);
      most = Math.max(most, ++inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      inFlight--;
      return { outcome: 'primary' };
    },
  });
  const row = secretsRow(await runChecklist(input, signedIn, p));
  assert.equal(verified.length, MAX_VERIFIED_SECRETS);
  assert.equal(verified[0], `${KEY} b runners/s00/config.toml.enc#7`);
  assert.ok(most > 1 && most <= 4, `at most 4 at once, saw ${most}`);
  assert.equal(row.outcome, 'pass');
  assert.match(row.detail, /\(the first 20 of 25 decrypt-checked; Verify All Secrets checks every one\)/);

  const noKey = probes({ key: () => Promise.resolve(undefined) });
  const skipped = secretsRow(await runChecklist(input, signedIn, noKey));
  assert.ok(!noKey.calls.some((c) => c.startsWith('verify')), noKey.calls.join('\n'));
  assert.match(skipped.detail, /not decrypt-checked: the KMS key is not usable/);
});

test('the summary a run from the palette ends with: counts, then each failure and warning with its detail', () => {
  const r = (id: string, title: string, outcome: CheckResult['outcome'], detail: string) =>
    ({ id, title, outcome, detail }) as CheckResult;
  const green = [r('gitlab', 'GitLab access', 'pass', 'ok'), r('gcp', 'Google Cloud credentials', 'pass', 'ok')];
  assert.deepEqual(checklistSummary(green), { tone: 'ok', text: 'Bootstrap checklist: 2 passed' });
  const warned = [...green, r('runner', 'Registered runner', 'warn', 'Runner #3 is offline.')];
  assert.deepEqual(checklistSummary(warned), {
    tone: 'warning',
    text: 'Bootstrap checklist: 2 passed, 1 warning — Registered runner: Runner #3 is offline.',
  });
  const failed = [
    r('key', 'KMS key', 'fail', 'Key k does not exist.'),
    r('secrets', 'Encrypted secrets', 'skipped', 'Skipped.'),
    ...warned,
  ];
  assert.deepEqual(checklistSummary(failed), {
    tone: 'error',
    text: 'Bootstrap checklist: 2 passed, 1 warning, 1 failed, 1 skipped — KMS key: Key k does not exist. — Registered runner: Runner #3 is offline.',
  });
  assert.equal(checklistSummary([]).tone, 'warning');
});

test('the required secrets name the workers in name order, whatever order the zones answered in', () => {
  const vm = (name: string) => ({ name }) as WorkerVm;
  assert.deepEqual(
    requiredSecrets(DEFAULT_BOOTSTRAP, [vm('runner-10'), vm('runner-2'), vm('runner-1')]).filter((n) =>
      n.endsWith('/config.toml.enc'),
    ),
    ['runner-1/config.toml.enc', 'runner-2/config.toml.enc', 'runner-10/config.toml.enc'],
  );
});
