// The checklist's order, skips and wording, with probes that answer from a table.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import {
  checklistGreen,
  checkStatus,
  CHECKS,
  parseKmsKeyName,
  runChecklist,
  type GitLabFacts,
  type GoogleProbes,
  type KeyFacts,
} from '../../../src/core/checklist';
import type { Runner } from '../../../src/core/model';

const KEY = 'projects/p/locations/europe-west1/keyRings/ring/cryptoKeys/key';
const input = {
  gcpProject: 'p',
  kmsKey: KEY,
  bucket: 'b',
  prefix: 'runners/',
  now: Date.parse('2026-01-01T00:00:00Z'),
};
const runner = (id: number, status: string, paused = false): Runner => ({
  id,
  description: `r${id}`,
  status,
  paused,
  type: 'project_type',
  tags: [],
});
const signedIn: GitLabFacts = {
  configured: true,
  signedIn: true,
  host: 'https://gitlab.example.com',
  projects: ['infra/fleet'],
  identity: { username: 'ops', name: 'Ops', isAdmin: false, scopes: ['api'] },
  runners: [runner(1, 'online'), runner(2, 'offline')],
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
    objects: (b, p) => log(`objects ${b} ${p}`, ['runners/a/config.toml.enc', 'runners/deploy-key.enc']),
    ...over,
  };
}
const outcomes = (results: Array<{ outcome: string }>) => results.map((r) => r.outcome).join(' ');

test('all seven checks, in order, pass for a healthy setup', async () => {
  const results = await runChecklist(input, signedIn, probes());
  assert.deepEqual(
    results.map((r) => r.id),
    CHECKS.map((c) => c.id),
  );
  assert.deepEqual(
    results.map((r) => r.id),
    ['gitlab', 'gcp', 'keyRing', 'key', 'bucket', 'secrets', 'runner'],
  );
  assert.equal(outcomes(results), 'pass pass pass pass pass pass pass');
  assert.equal(results[0].detail, 'Signed in to https://gitlab.example.com as @ops · scopes api · 1 project reachable');
  assert.equal(results[3].detail, 'Key key: ENCRYPT_DECRYPT, primary version 3 ENABLED, rotates every 90 days.');
  assert.equal(results[5].detail, '2 objects under gs://b/runners/: a/config.toml.enc, deploy-key.enc');
  assert.equal(results[6].detail, '1 of 2 runners online: #1 r1 · not online: #2 r2 (offline)');
  assert.equal(checklistGreen(results), true);
});

test('signed out: GitLab fails with Sign in, the runner check is skipped, the Google checks still run', async () => {
  const results = await runChecklist(
    input,
    { configured: true, signedIn: false, host: 'https://gitlab.example.com', projects: ['x'] },
    probes(),
  );
  assert.equal(outcomes(results), 'fail pass pass pass pass pass skipped');
  assert.equal(results[0].detail, 'Not signed in to GitLab at https://gitlab.example.com.');
  assert.deepEqual(results[0].fix?.command, { id: 'runnerOps.signIn', title: 'Sign in to GitLab' });
  assert.equal(results[6].detail, 'Skipped because GitLab access failed.');
  assert.equal(checklistGreen(results), false);
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
  assert.equal(outcomes(results), 'pass fail skipped skipped skipped skipped pass');
  assert.equal(results[2].detail, 'Skipped because Google Cloud credentials failed.');
  assert.equal(results[3].detail, 'Skipped because KMS key ring was skipped.');
  assert.equal(results[5].detail, 'Skipped because Secrets bucket was skipped.');
  assert.deepEqual(p.calls, [], 'nothing else was asked after the failed key ring get');
});

test('a missing ring names the gcloud command and skips the key', async () => {
  const results = await runChecklist(input, signedIn, probes({ keyRing: () => Promise.resolve(false) }));
  assert.equal(results[2].fix?.text, 'Create it: gcloud kms keyrings create ring --location europe-west1 --project p');
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
  assert.equal(outcomes(bad), 'pass pass fail skipped pass pass pass');
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
  assert.equal(outcomes(empty), 'pass fail skipped skipped skipped skipped pass');
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
      objects: () => Promise.resolve(['runners/a', 'runners/b', 'runners/c', 'runners/d', 'runners/e']),
    }),
  );
  assert.equal(results[4].outcome, 'warn');
  assert.equal(results[4].fix?.text, 'Turn versioning on: gcloud storage buckets update gs://b --versioning');
  assert.equal(results[5].detail, 'No config.toml under gs://b/runners/ (found 5: a, b, c, d, … (1 more)).');
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

test('outcomes read with codicons and theme colours', () => {
  assert.deepEqual(
    [checkStatus('pass').icon, checkStatus('warn').icon, checkStatus('fail').icon, checkStatus('skipped').icon],
    ['pass-filled', 'warning', 'error', 'circle-slash'],
  );
  assert.deepEqual(
    [checkStatus('pass').color, checkStatus('warn').color, checkStatus('fail').color],
    ['testing.iconPassed', 'list.warningForeground', 'testing.iconFailed'],
  );
});
