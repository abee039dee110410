// Key rotation of 200 secrets against the sandbox with 20 ms added to every request: the plan
// (one decrypt check per secret) and the run (create + primary, then per secret download,
// decrypt, encrypt, upload, read back; the final check), a few secrets at a time against one at
// a time. Through src/core/rotation.ts and the real KMS and Storage clients (src/gcp).
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { RunnerOpsSettings } from '../src/config/settings';
import { Journals, runOperation, type Journal } from '../src/core/operation';
import { PACE } from '../src/core/pace';
import { planRotation, rotationSteps, ROTATION_KIND, type RotationState } from '../src/core/rotation';
import { rotationPort } from '../src/gcp/secrets-bundle';
import type { GoogleSandbox } from '../test/sandbox/google/index';
import { startSandbox } from '../test/sandbox/server';
import { summarize, type Summary } from './stats';

export const SECRETS = 200;
export const LATENCY_MS = 20;

export interface RotationResult {
  parallel: number;
  planMs: Summary;
  runMs: Summary;
  totalMs: Summary;
  /** The totals behind totalMs, for the budget. */
  totalSamples: number[];
  requests: number;
}

export async function measureRotation(
  parallels: number[],
  reps: number,
  progress: (m: string) => void,
): Promise<RotationResult[]> {
  const sandbox = await startSandbox({ seed: 'small', latencyMs: LATENCY_MS });
  const s = sandbox.settings;
  const settings = {
    gcpProject: s['runnerOps.gcp.project'],
    credentials: 'none',
    endpoints: s['runnerOps.gcp.endpoints'],
    secretsBucket: s['runnerOps.secrets.bucket'],
    kmsKey: s['runnerOps.secrets.kmsKey'],
  } as RunnerOpsSettings;
  const google = sandbox.world.google as GoogleSandbox;
  const bucket = google.state.storage.bucket(settings.secretsBucket);
  const samples = new Map(parallels.map((p) => [p, { plan: [] as number[], run: [] as number[], requests: 0 }]));
  let round = 0;
  try {
    for (let rep = 0; rep < reps; rep++) {
      for (const parallel of parallels) {
        progress(`rotation: ${SECRETS} secrets, ${parallel} at a time (${rep + 1}/${reps})`);
        const prefix = `bench-${round++}/`;
        for (let i = 0; i < SECRETS; i++) {
          const value = Buffer.from(`secret ${i} ${randomBytes(32).toString('base64')}`);
          google.state.storage.write(
            bucket,
            `${prefix}${i}.enc`,
            google.state.kms.encrypt(settings.kmsKey, value).ciphertext,
          );
        }
        const port = rotationPort(settings);
        try {
          const mark = sandbox.requests.mark();
          const started = performance.now();
          const where = { key: settings.kmsKey, bucket: settings.secretsBucket, prefix };
          const { state } = await planRotation(port, where, parallel);
          const planned = performance.now();
          const journal: Journal<RotationState> = {
            kind: ROTATION_KIND,
            target: settings.kmsKey,
            command: 'bench',
            title: 'bench',
            startedAt: 0,
            done: [],
            state,
          };
          const memory = new Map<string, unknown>();
          const journals = new Journals({
            get: (k) => memory.get(k),
            update: async (k, v) => void memory.set(k, structuredClone(v)),
            keys: () => [...memory.keys()],
          });
          const outcome = await runOperation(
            journals,
            journal,
            rotationSteps(async () => port, state, parallel),
            new AbortController().signal,
            { log: () => undefined, report: () => undefined, now: Date.now },
          );
          if (outcome.outcome !== 'done') throw new Error(`rotation ${outcome.outcome}`);
          const sample = samples.get(parallel)!;
          sample.plan.push(planned - started);
          sample.run.push(performance.now() - planned);
          sample.requests = sandbox.requests.since(mark).length;
        } finally {
          await port.close();
        }
      }
    }
  } finally {
    await sandbox.close();
  }
  return parallels.map((parallel) => {
    const { plan, run, requests } = samples.get(parallel)!;
    return {
      parallel,
      planMs: summarize(plan),
      runMs: summarize(run),
      totalMs: summarize(plan.map((p, i) => p + run[i])),
      totalSamples: plan.map((p, i) => p + run[i]),
      requests,
    };
  });
}

export const ROTATION_PARALLELS = [1, PACE.secrets.rotateParallel, 16];
