// The bootstrap from the `empty` seed through the real clients: each fix the checklist offers,
// applied in order, until every check passes; the new VM boots from the generated startup
// script, decrypts its config.toml and its runner comes online in GitLab.
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { applyFix, planFix, type BootstrapPorts, type FixContext } from '../../../src/core/bootstrap-fixes';
import {
  DEFAULT_BOOTSTRAP,
  readGitLabFacts,
  runChecklist,
  type ChecklistInput,
  type CheckResult,
  type FixRequest,
} from '../../../src/core/checklist';
import { FleetStore } from '../../../src/core/fleet-store';
import { GoogleBootstrap } from '../../../src/gcp/bootstrap';
import { ChecklistAdapter, type ChecklistSettings } from '../../../src/gcp/checklist';
import { ComputeAdapter } from '../../../src/gcp/compute';
import { secretsPort } from '../../../src/gcp/secrets-port';
import { WorkerCompute } from '../../../src/gcp/worker';
import { Journals, runOperation } from '../../../src/core/operation';
import { workerFixJournal, workerFixSteps } from '../../../src/core/worker-fix';
import { randomUUID } from 'node:crypto';
import { fetchTokenIdentity, GitLabBootstrap, GitLabFleet, verifyRunnerToken } from '../../../src/gitlab/index';
import type { GoogleSandbox } from '../../sandbox/google/index';
import { startSandbox, type Sandbox } from '../../sandbox/server';

let sandbox: Sandbox;
let settings: ChecklistSettings & { gcpZones: string[]; instanceFilter: string };
let input: ChecklistInput;
let projects: string[];
const closers: Array<() => Promise<unknown>> = [];
const SCHEDULE = { description: 'Nightly runner version check', cron: '0 3 * * *', ref: 'main', timezone: 'UTC' };

before(async () => {
  sandbox = await startSandbox({ seed: 'empty' });
  const s = sandbox.settings as Record<string, never>;
  projects = s['runnerOps.gitlab.projects'];
  settings = {
    gcpProject: s['runnerOps.gcp.project'],
    credentials: 'none',
    endpoints: s['runnerOps.gcp.endpoints'],
    gcpZones: s['runnerOps.gcp.zones'],
    instanceFilter: s['runnerOps.gcp.instanceFilter'],
    gitlabUrl: s['runnerOps.gitlab.url'],
  };
  input = {
    gcpProject: settings.gcpProject,
    kmsKey: s['runnerOps.secrets.kmsKey'],
    bucket: s['runnerOps.secrets.bucket'],
    prefix: s['runnerOps.secrets.prefix'],
    now: Date.now(),
    bootstrap: {
      ...DEFAULT_BOOTSTRAP,
      zone: settings.gcpZones[0],
      schedules: [{ project: projects[0], ...SCHEDULE }],
    },
    instanceFilter: settings.instanceFilter,
  };
});

after(async () => {
  await Promise.all(closers.map((c) => c().catch(() => undefined)));
  await sandbox?.close();
});

async function check(): Promise<CheckResult[]> {
  const compute = new ComputeAdapter(settings);
  const store = new FleetStore({
    projects,
    now: Date.now,
    compute: async () => compute,
    gitlab: async () => new GitLabFleet(sandbox.url, sandbox.gitlabToken),
  });
  const gitlab = await readGitLabFacts({
    configured: true,
    host: sandbox.url,
    projects,
    session: { url: sandbox.url, token: sandbox.gitlabToken },
    identity: fetchTokenIdentity,
    store,
    bootstrap: {
      reads: new GitLabBootstrap(sandbox.url, sandbox.gitlabToken),
      scheduleProjects: input.bootstrap!.schedules.map((x) => x.project),
    },
  });
  const google = new ChecklistAdapter(settings, (token) => verifyRunnerToken(sandbox.url, token));
  const worker = new WorkerCompute(settings);
  closers.push(
    () => google.close(),
    () => compute.close(),
    () => worker.close(),
  );
  return runChecklist({ ...input, now: Date.now() }, gitlab, {
    keyRing: (n) => google.keyRing(n),
    ping: (p) => google.ping(p),
    key: (n) => google.key(n),
    bucket: (n) => google.bucket(n),
    objects: (b, p) => google.objects(b, p),
    verify: (k, b, o) => google.verify(k, b, o),
    runnerConfig: (k, b, o) => google.runnerConfig(k, b, o),
    template: (p, n) => worker.template(p, n),
  });
}

function ports(): BootstrapPorts {
  const google = new GoogleBootstrap(settings);
  const worker = new WorkerCompute(settings);
  const gitlab = new GitLabBootstrap(sandbox.url, sandbox.gitlabToken);
  const port = secretsPort({ ...settings, secretsBucket: input.bucket, kmsKey: input.kmsKey });
  closers.push(
    () => google.close(),
    () => worker.close(),
    async () => port.close?.(),
  );
  return {
    createRingAndKey: (k, r, n) => google.createRingAndKey(k, r, n),
    ensureBucket: (spec) => google.ensureBucket(spec),
    template: (p, n) => worker.template(p, n),
    createTemplate: (p, spec) => worker.createTemplate(p, spec),
    createVm: (p, z, n, t, id) => worker.createVm(p, z, n, t, id),
    createRunner: (p, d, t) => gitlab.createRunner(p, d, t),
    createSchedule: (spec) => gitlab.createSchedule(spec),
    secrets: async () => port,
  };
}

const memoryJournals = () => {
  const map = new Map<string, unknown>();
  return new Journals({
    get: (k) => map.get(k),
    update: async (k, v) => void map.set(k, v),
    keys: () => [...map.keys()],
  });
};
const fixOf = (r: CheckResult) => r.fix?.command?.args?.[0] as FixRequest | undefined;
const outcomes = (results: CheckResult[]) => results.map((r) => `${r.id}:${r.outcome}`).join(' ');

test('from the empty seed, applying the offered fixes in order makes every check pass and the runner online', async () => {
  const first = await check();
  assert.equal(
    outcomes(first),
    'gitlab:pass gcp:pass keyRing:fail key:skipped bucket:fail secrets:skipped runner:fail worker:fail schedules:fail',
  );
  const files: Record<string, string> = {
    'deploy-key.enc': '-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n',
    'sa-key.json.enc': '{"type": "service_account", "project_id": "runner-ops-empty"}\n',
  };
  const applied: string[] = [];
  let results = first;
  for (let round = 0; round < 12; round++) {
    const failing = results.find((r) => r.outcome === 'fail' && fixOf(r));
    if (!failing) break;
    const request = fixOf(failing)!;
    const ctx: FixContext = {
      input: { ...input, now: Date.now() },
      gitlabUrl: sandbox.url,
      projects,
      existingSchedules: [],
    };
    const plan = planFix(request, ctx);
    assert.ok(plan.equivalent.length > 0, `${request.kind} offers its equivalent`);
    const file = request.kind === 'uploadSecret' ? Buffer.from(files[request.object]) : undefined;
    applied.push(`${failing.id}:${request.kind}`);
    if (request.kind === 'worker') {
      const journal = workerFixJournal(ctx, 'runnerOps.applyCheckFix', 'Create the worker', randomUUID(), Date.now());
      const outcome = await runOperation(
        memoryJournals(),
        journal,
        workerFixSteps(ports()),
        new AbortController().signal,
        {
          log: () => undefined,
          report: () => undefined,
          now: Date.now,
        },
      );
      assert.deepEqual(outcome, { outcome: 'done' });
    } else await applyFix(request, ctx, ports(), file);
    results = await check();
  }
  assert.deepEqual(applied, [
    'keyRing:keyRing',
    'bucket:bucket',
    'secrets:uploadSecret',
    'secrets:uploadSecret',
    'secrets:registerRunner',
    'worker:worker',
    'schedules:schedules',
  ]);
  // The VM boots (5 s), its startup script runs (2 s), the runner checks in (1 s).
  for (let i = 0; i < 40 && results.some((r) => r.outcome !== 'pass'); i++) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    results = await check();
  }
  assert.equal(outcomes(results), results.map((r) => `${r.id}:pass`).join(' '), JSON.stringify(results, null, 1));
  assert.match(
    results.find((r) => r.id === 'runner')!.detail,
    /^1 of 1 runners online: #\d+ gitlab-runner-1 · GitLab 17\.11\.3-ee, gitlab-runner 17\.11\.0$/,
  );
  const google = sandbox.world.google as GoogleSandbox;
  const vm = [...google.state.compute.vms.values()].find((v) => v.name === 'gitlab-runner-1')!;
  const console = vm.serial.get(1)!.read(0).contents;
  assert.match(console, /runner-ops: worker ready, gitlab-runner started/);
  assert.match(console, /Fetched gs:\/\/runner-ops-empty-runner-secrets\/runners\/gitlab-runner-1\/config\.toml\.enc#/);
});
