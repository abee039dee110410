// The fake world the re-provision tests run against, on an injected clock: worker-b (instance
// 100) hosting runner #2, runner #1 on another VM serving the same tag, a template whose insert
// boots in 8 s and checks in from 10.0.0.9; and the journal, store and run loop around it.
import assert from 'node:assert/strict';
import type { Job, Runner, RunnerManager } from '../../../src/core/model';
import { Journals, runOperation, type Journal, type OperationOutcome } from '../../../src/core/operation';
import {
  CLAIM_LABEL,
  type ReprovisionCompute,
  type ReprovisionGitLab,
  type WorkerInstance,
  type WorkerSecrets,
} from '../../../src/core/ports';
import { defaultOptions } from '../../../src/core/reprovision/options';
import {
  reprovisionSteps,
  type DrainChoice,
  type ReprovisionDeps,
  type ReprovisionState,
} from '../../../src/core/reprovision/steps';
import { impliedVersion } from '../../../src/core/reprovision/version';
import { FakeClock, settle } from './fake-clock';

export const METADATA = [
  { key: 'kms-key', value: 'projects/p/locations/l/keyRings/r/cryptoKeys/k' },
  { key: 'deploy-key-object', value: 'gs://b/runners/deploy-key.enc' },
  { key: 'runner-config-prefix', value: 'gs://b/runners' },
];

export function world(
  clock: FakeClock,
  /** `newIp`: the recreated VM's internal IP (10.0.0.9 unless said: the old one may come back). */
  opts: { bootLine?: string; runningJobs?: Job[]; checkIn?: boolean; newIp?: string } = {},
) {
  const calls: string[] = [];
  let vm: WorkerInstance | undefined = {
    id: '100',
    name: 'worker-b',
    zone: 'z-b',
    status: 'RUNNING',
    internalIp: '10.0.0.3',
    labels: { role: 'gitlab-runner' },
    metadata: METADATA,
  };
  let console = '';
  let nextId = 200;
  const runners = new Map<number, Runner>([
    [2, { id: 2, description: 'worker-b', status: 'online', paused: false, type: 'group_type', tags: ['gcp'] }],
    [1, { id: 1, description: 'worker-a', status: 'online', paused: false, type: 'project_type', tags: ['gcp'] }],
  ]);
  const managers: RunnerManager[] = [{ systemId: 's_old', ipAddress: '10.0.0.3', contactedAt: clock.now() }];
  let running = [...(opts.runningJobs ?? [])];
  const compute: ReprovisionCompute = {
    instance: async () => (vm ? { ...vm } : undefined),
    templates: async () => ['tmpl'],
    templateMetadata: async () => METADATA,
    groupTemplate: async () => 'tmpl',
    deleteInstance: async (zone, name) => {
      calls.push(`delete ${zone}/${name}`);
      vm = undefined;
    },
    insertFromTemplate: async (zone, name, template, keep) => {
      calls.push(`insert ${zone}/${name} from ${template} labels=${JSON.stringify(keep.labels)}`);
      // Like the sandbox's startup script: the metadata's image tag decides the runner's version.
      const tag = keep.metadata.find((m) => m.key === 'runner-image-tag')?.value;
      const id = String(nextId++);
      vm = {
        id,
        name,
        zone,
        status: 'STAGING',
        internalIp: opts.newIp ?? '10.0.0.9',
        labels: keep.labels,
        metadata: keep.metadata,
      };
      clock.setTimeout(() => {
        vm!.status = 'RUNNING';
        console = 'SeaBIOS\r\nstartup-script: Fetching gs://b/runners/deploy-key.enc\r\n';
      }, 5_000);
      clock.setTimeout(() => {
        console += `${opts.bootLine ?? 'google_metadata_script_runner[812]: startup-script exit status 0'}\r\n`;
        if (opts.checkIn !== false)
          managers.push({
            systemId: `s_${id}`,
            ipAddress: opts.newIp ?? '10.0.0.9',
            contactedAt: clock.now() + 1_000,
            version: impliedVersion(tag) ?? '17.11.0',
          });
      }, 8_000);
    },
    recreateInGroup: async () => undefined,
    // Like Compute's setLabels under the fingerprint read just before: atomic here, so one of two claims wins.
    claim: async (_zone, _name, instanceId, runId) => {
      if (!vm || vm.id !== instanceId) return { kind: 'replaced', instanceId: vm?.id };
      const holder = vm.labels[CLAIM_LABEL];
      if (holder && holder !== runId) return { kind: 'held', by: holder };
      if (!holder) calls.push(`claim ${vm.name}`);
      vm = { ...vm, labels: { ...vm.labels, [CLAIM_LABEL]: runId } };
      return { kind: 'claimed' };
    },
    release: async (_zone, _name, runId) => {
      if (!vm || vm.labels[CLAIM_LABEL] !== runId) return;
      calls.push(`release ${vm.name}`);
      const { [CLAIM_LABEL]: _gone, ...labels } = vm.labels;
      vm = { ...vm, labels };
    },
    serial: async (_z, _n, start) => ({ contents: console.slice(start), next: console.length }),
  };
  const gitlab: ReprovisionGitLab = {
    runner: async (id) => ({ ...runners.get(id)! }),
    setRunnerPaused: async (id, paused) => {
      calls.push(`${paused ? 'pause' : 'resume'} #${id}`);
      runners.get(id)!.paused = paused;
      return runners.get(id)!;
    },
    runningJobs: async (id) => (id === 2 ? running : []),
    cancelJob: async (_p, jobId) => {
      calls.push(`cancel job #${jobId}`);
      running = running.filter((j) => j.id !== jobId);
    },
    managers: async () => managers.map((m) => ({ ...m })),
    verifyRunnerToken: async (token) => token === 'glrt-good',
    username: async () => 'root',
    createPipeline: async () => {
      throw new Error('no smoke test here');
    },
    pipeline: async () => {
      throw new Error('no smoke test here');
    },
    pipelineJobs: async () => [],
  };
  const secrets: WorkerSecrets = {
    verify: async (url) => {
      calls.push(`verify ${url}`);
      return { outcome: 'primary' };
    },
    runnerTokens: async () => ['glrt-good'],
  };
  return {
    calls,
    runners,
    compute,
    gitlab,
    secrets,
    finishJobs: () => (running = []),
    running: () => running,
    vm: () => vm,
  };
}

export function depsFor(
  clock: FakeClock,
  w: ReturnType<typeof world>,
  drainChoices: DrainChoice[] = [],
): ReprovisionDeps {
  return {
    compute: w.compute,
    gitlab: w.gitlab,
    secrets: w.secrets,
    clock,
    options: { ...defaultOptions(), drainTimeoutMs: 60_000 },
    allRunners: async () => [...w.runners.values()].map((r) => ({ ...r })),
    onDrainTimeout: async () => drainChoices.shift() ?? 'stop',
  };
}

export function journalFor(
  runners: Array<Pick<Runner, 'id' | 'description' | 'tags'>>,
  acceptOutage = false,
): Journal<ReprovisionState> {
  return {
    kind: 'reprovision',
    target: 'worker-b',
    command: 'runnerOps.reprovisionWorker',
    title: 'Re-provision worker-b',
    startedAt: 0,
    done: [],
    state: {
      vm: {
        id: '100',
        name: 'worker-b',
        zone: 'z-b',
        internalIp: '10.0.0.3',
        labels: { role: 'gitlab-runner' },
        metadata: METADATA,
      },
      via: { kind: 'template', template: 'tmpl' },
      runners,
      acceptOutage,
      pausedBefore: [],
      times: {},
    },
  };
}

export function memoryJournals() {
  const map = new Map<string, unknown>();
  return new Journals({
    get: (k) => structuredClone(map.get(k)),
    update: async (k, v) => void (v === undefined ? map.delete(k) : map.set(k, structuredClone(v))),
    keys: () => [...map.keys()],
  });
}

/** Runs the operation while the fake clock moves a second at a time. */
export async function run(
  clock: FakeClock,
  deps: ReprovisionDeps,
  journal: Journal<ReprovisionState>,
  journals = memoryJournals(),
  signal = new AbortController().signal,
): Promise<{ outcome: OperationOutcome; log: string[] }> {
  const log: string[] = [];
  let outcome: OperationOutcome | undefined;
  void runOperation(journals, journal, reprovisionSteps(deps), signal, {
    log: (line) => log.push(line),
    report: () => undefined,
    now: () => clock.now(),
  }).then((o) => (outcome = o));
  for (let i = 0; i < 3_600 && !outcome; i++) await clock.advance(1_000);
  await settle();
  assert.ok(outcome, `the run ended; log:\n${log.join('\n')}`);
  return { outcome, log };
}

export const B = { id: 2, description: 'worker-b', tags: ['gcp'] };

export const job = (id: number): Job => ({
  id,
  name: 'plan',
  stage: 'plan',
  status: 'running',
  allowFailure: false,
  tags: ['gcp'],
  pipelineId: 9,
  projectId: 5,
  projectPath: 'infra/fleet',
});
