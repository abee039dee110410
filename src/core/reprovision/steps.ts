// The eight steps of a re-provision, as steps of runOperation (src/core/operation.ts): each one
// reads what it needs from the journal's state and records what the next ones (or a resumed run)
// must know, so running a step again after an interruption does no harm.
import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock';
import type { Job, Runner } from '../model';
import { runnerRef, plural } from '../names';
import type { Step, StepContext } from '../operation';
import {
  CLAIM_LABEL,
  type Claim,
  type ReprovisionCompute,
  type ReprovisionGitLab,
  type WorkerInstance,
  type WorkerSecrets,
} from '../ports';
import type { ReprovisionOptions } from './options';
import { orphanedTags, STEP_TITLES, type Recreation, type StepId } from './plan';
import { pause } from './wait';
import type { MetadataItem, VersionChange } from './version';
import { workerSecrets } from './worker-secrets';

/** The journal's state: plain JSON, never a secret value (metadata names objects, not their contents). */
export interface ReprovisionState {
  vm: Pick<WorkerInstance, 'id' | 'name' | 'zone' | 'internalIp' | 'labels' | 'metadata'>;
  via: Recreation;
  runners: Array<Pick<Runner, 'id' | 'description' | 'tags'>>;
  /** The operator accepted that some tags go unserved meanwhile. */
  acceptOutage: boolean;
  /** The metadata a standalone VM is inserted with when it changes (an upgrade); else the old VM's. */
  metadata?: MetadataItem[];
  /** The runner image tag before and after; absent in journals from before upgrades existed. */
  version?: VersionChange;
  /** Runners that were already paused when the run began: they stay paused at the end. */
  pausedBefore: number[];
  /** This run's id: the value of the label that claims the VM (CLAIM_LABEL) from the pause to the recreate. */
  runId?: string;
  /** Set once this run holds the claim on the VM it is about to recreate. */
  claimed?: boolean;
  /** Set when the recreate began: check-ins before it are the old VM's. */
  recreatedAt?: number;
  /** Managers (system ids) each runner had before the recreate. */
  managersBefore?: Record<string, string[]>;
  newVm?: { id: string; internalIp?: string };
  /** Manager that checked in from the new VM, per runner. */
  checkedIn?: Record<string, { systemId: string; ipAddress?: string; version?: string }>;
  smokePipeline?: {
    projectId: number;
    id: number;
    webUrl: string;
    status?: string;
    /** How many of its jobs ran on the re-provisioned runner(s): 0 proves the fleet, not this runner. */
    jobsOnRunner?: number;
  };
  /** When each step started and ended (epoch ms), for the audit record. */
  times: Partial<Record<StepId, { startedAt: number; endedAt?: number }>>;
}

export type DrainChoice = 'wait' | 'cancel' | 'stop';

export interface ReprovisionDeps {
  compute: ReprovisionCompute;
  gitlab: ReprovisionGitLab;
  /** undefined when the secrets are not configured: the preflight says it skipped them. */
  secrets?: WorkerSecrets;
  clock: Clock;
  options: ReprovisionOptions;
  /** All runners as GitLab sees them now, for the last-online check. */
  allRunners(): Promise<Runner[]>;
  /** Asked when the drain times out with jobs still running. */
  onDrainTimeout(jobs: Job[]): Promise<DrainChoice>;
}

/** A stop the operator chose, or a refusal: not a crash, but the run ends here with the state said. */
export class StoppedHere extends Error {}

type Ctx = StepContext<ReprovisionState>;

export function reprovisionSteps(deps: ReprovisionDeps): Step<ReprovisionState>[] {
  const steps: Array<[StepId, (c: Ctx) => Promise<void>]> = [
    ['preflight', (c) => preflight(deps, c)],
    ['pause', (c) => pauseRunners(deps, c)],
    ['drain', (c) => drain(deps, c)],
    ['recreate', (c) => recreate(deps, c)],
    ['boot', (c) => watchBoot(deps, c)],
    ['checkIn', (c) => waitForCheckIn(deps, c)],
    ['resume', (c) => resumeRunners(deps, c)],
    ['smoke', (c) => smokeTest(deps, c)],
  ];
  return steps.map(([id, run]) => ({
    id,
    title: STEP_TITLES[id],
    run: async (c: Ctx) => {
      c.journal.state.times[id] = { startedAt: deps.clock.now() };
      await run(c);
      c.journal.state.times[id]!.endedAt = deps.clock.now();
    },
  }));
}

const vmOf = (s: ReprovisionState) => s.vm.name;

async function preflight(deps: ReprovisionDeps, c: Ctx): Promise<void> {
  const s = c.journal.state;
  if (s.via.kind === 'template') {
    const templates = await deps.compute.templates();
    if (!templates.includes(s.via.template))
      throw new Error(
        `The instance template ${s.via.template} does not exist (there are: ${templates.join(', ') || 'none'}).`,
      );
    c.log(`instance template ${s.via.template} exists.`);
  } else {
    const template = await deps.compute.groupTemplate(s.vm.zone, s.via.group);
    if (template === undefined)
      throw new Error(`The managed instance group ${s.via.group} does not exist in ${s.vm.zone}.`);
    c.log(`managed instance group ${s.via.group} exists (template ${template}).`);
  }
  await checkSecrets(deps, c);
  const all = await deps.allRunners();
  const hosted = s.runners.map(
    (r) => all.find((x) => x.id === r.id) ?? ({ ...r, status: 'unknown', paused: false } as Runner),
  );
  // A runner paused since the plan was made: another window (or person) is at work on it.
  const pausedSince = hosted.filter((r) => r.paused && !s.pausedBefore.includes(r.id));
  if (pausedSince.length)
    throw new StoppedHere(
      `Refused: ${pausedSince.map(runnerRef).join(', ')} was paused by someone else after this plan was made (another window re-provisioning ${vmOf(s)}, or a person). Nothing was changed. Let that finish, then run the command again: the new plan starts from what is there now.`,
    );
  const orphaned = orphanedTags(hosted, all);
  if (orphaned.length && !s.acceptOutage) {
    throw new StoppedHere(
      `Refused: no other online runner serves ${orphaned.join(', ')}, so re-provisioning ${vmOf(s)} would leave those jobs waiting. Bring another runner for them online, or run the command again and accept the outage. Nothing was changed.`,
    );
  }
  c.log(
    orphaned.length
      ? `the operator accepted that nobody serves ${orphaned.join(', ')} meanwhile.`
      : 'another online runner serves every tag meanwhile.',
    orphaned.length ? 'warn' : 'info',
  );
  // Last: a run refused here changed nothing, so its journal is not kept for resumption.
  await claimVm(deps, c);
}

async function checkSecrets(deps: ReprovisionDeps, c: Ctx): Promise<void> {
  const s = c.journal.state;
  const refs = workerSecrets(s.vm.metadata, s.vm.name);
  if (refs.urls.length === 0) return c.log(`the VM's metadata names no secrets: nothing to check.`);
  if (!deps.secrets || !refs.kmsKey)
    return c.log(
      `secrets not checked: ${!deps.secrets ? 'runnerOps.secrets.* is not configured' : 'the VM names no kms-key'}.`,
      'warn',
    );
  for (const url of refs.urls) {
    const result = await deps.secrets.verify(url, refs.kmsKey);
    if (result.outcome === 'failed')
      throw new Error(
        `${url} does not decrypt (${result.reason}): the new VM's startup script would fail. Fix the secret first (Secrets view), then run again.`,
      );
    c.log(`${url} decrypts${result.outcome === 'older-version' ? ' (under an older key version)' : ''}.`);
  }
  if (!refs.config) return;
  const tokens = await deps.secrets.runnerTokens(refs.config, refs.kmsKey);
  if (tokens.length === 0)
    throw new Error(`${refs.config} holds no runner token: the new VM's runner could not check in.`);
  for (const [i, token] of tokens.entries()) {
    if (!(await deps.gitlab.verifyRunnerToken(token)))
      throw new Error(
        `GitLab refuses runner token ${i + 1} of ${tokens.length} in ${refs.config} (POST /runners/verify answered 403): the new VM's runner would never check in. Put the runner's current token into config.toml first, then run again.`,
      );
  }
  c.log(`GitLab accepts the runner ${tokens.length === 1 ? 'token' : 'tokens'} in ${refs.config}.`);
}

async function pauseRunners(deps: ReprovisionDeps, c: Ctx): Promise<void> {
  for (const r of c.journal.state.runners) {
    if (!(await deps.gitlab.runner(r.id)).paused) await deps.gitlab.setRunnerPaused(r.id, true);
    c.log(`${runnerRef(r)} is paused: it finishes its running jobs but takes no new one.`);
  }
}

/**
 * From the end of the preflight to the recreate the VM carries this run's label, set under the labels'
 * fingerprint: a second window (or person) re-provisioning the same VM meanwhile is refused
 * before it pauses anything, and exactly one of two runs started at once goes on.
 */
async function claimVm(deps: ReprovisionDeps, c: Ctx): Promise<void> {
  const s = c.journal.state;
  if (s.claimed) return;
  if (!s.runId) {
    s.runId = randomBytes(8).toString('hex');
    await c.save();
  }
  const claim = await deps.compute.claim(s.vm.zone, s.vm.name, s.vm.id, s.runId);
  if (claim.kind !== 'claimed') throw new StoppedHere(claimRefusal(s, claim));
  s.claimed = true;
  await c.save();
  c.log(`${vmOf(s)} is marked as being re-provisioned by this run (label ${CLAIM_LABEL}=${s.runId}).`);
}

function claimRefusal(s: ReprovisionState, claim: Exclude<Claim, { kind: 'claimed' }>): string {
  if (claim.kind === 'replaced')
    return `Refused: ${vmOf(s)} is no longer instance ${s.vm.id} (${claim.instanceId ? `it is instance ${claim.instanceId} now` : 'it is gone'}): someone else deleted or recreated it after this plan was made. Nothing was changed by this run. Run the command again for a plan of what is there now.`;
  return `Refused: ${vmOf(s)} is being re-provisioned by another run (label ${CLAIM_LABEL}=${claim.by} on the VM, from another window or person). Nothing was changed by this run. Let that run finish; if it is over (its window was closed mid-run), resume it there, or remove the label (gcloud compute instances remove-labels ${vmOf(s)} --zone ${s.vm.zone} --labels=${CLAIM_LABEL}) and run again.`;
}

/** A run that stops before the recreate gives the VM back, so the next run (from any window) may go. */
export async function releaseVm(deps: Pick<ReprovisionDeps, 'compute'>, s: ReprovisionState): Promise<void> {
  if (!s.claimed || !s.runId) return;
  await deps.compute.release(s.vm.zone, s.vm.name, s.runId);
  s.claimed = false;
}

/**
 * A run stopped in the preflight changed nothing, but its claim may be on the VM even when the
 * answer to setting it was lost. True once given back (the run may be forgotten); false when
 * that failed too: keep the journal, whose resumption holds the same claim.
 */
export async function claimGivenBack(deps: Pick<ReprovisionDeps, 'compute'>, s: ReprovisionState): Promise<boolean> {
  if (!s.runId) return true;
  try {
    await deps.compute.release(s.vm.zone, s.vm.name, s.runId);
    s.claimed = false;
    return true;
  } catch {
    return false;
  }
}

async function runningJobs(deps: ReprovisionDeps, s: ReprovisionState): Promise<Job[]> {
  return (await Promise.all(s.runners.map((r) => deps.gitlab.runningJobs(r.id)))).flat();
}

const jobNames = (jobs: Job[]) =>
  jobs.map((j) => `#${j.id} ${j.name}${j.projectPath ? ` (${j.projectPath})` : ''}`).join(', ');

async function drain(deps: ReprovisionDeps, c: Ctx): Promise<void> {
  const s = c.journal.state;
  let deadline = deps.clock.now() + deps.options.drainTimeoutMs;
  let shown = '';
  for (;;) {
    const jobs = await runningJobs(deps, s);
    if (jobs.length === 0) return c.log(shown ? 'every running job finished.' : 'no job was running.');
    const names = jobNames(jobs);
    if (names !== shown) c.log(`waiting for ${plural(jobs.length, 'running job')}: ${names}.`);
    shown = names;
    c.report(`waiting for ${plural(jobs.length, 'job')}: ${names}`);
    if (deps.clock.now() >= deadline) {
      const choice = await deps.onDrainTimeout(jobs);
      if (choice === 'stop') {
        await releaseVm(deps, s);
        throw new StoppedHere(
          `stopped by the operator with ${plural(jobs.length, 'job')} still running (${names}). ${capitalized(s.runners.map(runnerRef).join(', '))} stays paused; resume it, or run the command again to keep draining.`,
        );
      }
      if (choice === 'cancel') {
        for (const job of jobs) {
          await deps.gitlab.cancelJob(job.projectId, job.id);
          c.log(`job #${job.id} ${job.name} cancelled by the operator.`, 'warn');
        }
      } else c.log('the operator chose to wait longer.');
      deadline = deps.clock.now() + deps.options.drainTimeoutMs;
    }
    await pause(deps.clock, deps.options.pollMs, c.signal);
  }
}

async function recreate(deps: ReprovisionDeps, c: Ctx): Promise<void> {
  const s = c.journal.state;
  const { zone, name } = s.vm;
  if (s.recreatedAt === undefined) {
    const recreatedAt = deps.clock.now();
    // Recorded together, once all are read: a failed read must not leave a partial list to resume with.
    const managersBefore: Record<string, string[]> = {};
    for (const r of s.runners) managersBefore[r.id] = (await deps.gitlab.managers(r.id)).map((m) => m.systemId);
    Object.assign(s, { recreatedAt, managersBefore });
    await c.save();
  }
  const current = await deps.compute.instance(zone, name);
  // Not ours to recreate: the claim is this run's only while the claimed instance is there.
  if (current?.id === s.vm.id && !s.claimed) await claimVm(deps, c);
  if (s.via.kind === 'group') {
    if (current?.id === s.vm.id) {
      c.log(`asking group ${s.via.group} to recreate ${name}…`);
      await deps.compute.recreateInGroup(zone, s.via.group, name);
    }
    return c.log(`group ${s.via.group} is recreating ${name}.`);
  }
  if (current?.id === s.vm.id) {
    c.log(`deleting ${name} (instance ${s.vm.id})…`);
    await deps.compute.deleteInstance(zone, name);
    c.log(`${name} deleted.`);
  }
  if (!current || current.id === s.vm.id) {
    c.log(`inserting ${name} from template ${s.via.template}, keeping its labels and metadata…`);
    const metadata = s.metadata ?? s.vm.metadata;
    await deps.compute.insertFromTemplate(zone, name, s.via.template, { labels: s.vm.labels, metadata });
  }
  const fresh = await deps.compute.instance(zone, name);
  if (fresh) s.newVm = { id: fresh.id, internalIp: fresh.internalIp };
  c.log(
    `${name} exists again${fresh ? ` as instance ${fresh.id}${fresh.internalIp ? ` (${fresh.internalIp})` : ''}` : ''}.`,
  );
}

async function watchBoot(deps: ReprovisionDeps, c: Ctx): Promise<void> {
  const s = c.journal.state;
  const { zone, name } = s.vm;
  const o = deps.options;
  const deadline = deps.clock.now() + o.bootTimeoutMs;
  const late = () =>
    new Error(
      `${name} did not finish booting within ${Math.round(o.bootTimeoutMs / 60_000)} min. ${stateSentence(c.journal.state, 'boot')} Look at its serial console (Runner Ops: Tail Serial Console).`,
    );
  let status = '';
  for (;;) {
    const vm = await deps.compute.instance(zone, name);
    if (vm && vm.id !== s.vm.id) {
      s.newVm = { id: vm.id, internalIp: vm.internalIp };
      if (vm.status !== status) c.log(`${name} (instance ${vm.id}) is ${vm.status}.`);
      status = vm.status;
      if (vm.status === 'RUNNING') break;
    }
    if (deps.clock.now() >= deadline) throw late();
    await pause(deps.clock, o.pollMs, c.signal);
  }
  await c.save();
  let offset = 0;
  let partial = '';
  for (;;) {
    const read = await deps.compute.serial(zone, name, offset);
    offset = read.next;
    const lines = (partial + read.contents).split(/\r?\n/);
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (o.bootFailed.test(line)) {
        c.log(line, 'error');
        const sentence = stateSentence(s, 'boot');
        // A retry must boot a new instance: this one is the one to replace now.
        c.journal.done = c.journal.done.filter((id) => id !== 'recreate');
        Object.assign(s, {
          vm: { ...s.vm, id: s.newVm?.id ?? s.vm.id },
          newVm: undefined,
          recreatedAt: undefined,
          claimed: false,
        });
        throw new Error(
          `the startup script failed on ${name}: "${line.trim()}". ${sentence} Fix the cause (a secret, the template), then run again: it recreates the VM and watches the boot again.`,
        );
      }
      if (o.bootProgress.test(line) || o.bootCompleted.test(line)) c.log(line);
      if (o.bootCompleted.test(line)) return;
    }
    if (deps.clock.now() >= deadline) throw late();
    await pause(deps.clock, o.pollMs, c.signal);
  }
}

async function waitForCheckIn(deps: ReprovisionDeps, c: Ctx): Promise<void> {
  const s = c.journal.state;
  const o = deps.options;
  const ip = s.newVm?.internalIp;
  const deadline = deps.clock.now() + o.checkInTimeoutMs;
  s.checkedIn ??= {};
  for (;;) {
    for (const r of s.runners) {
      if (s.checkedIn[r.id]) continue;
      const before = new Set(s.managersBefore?.[r.id] ?? []);
      const fresh = (await deps.gitlab.managers(r.id)).find(
        (m) =>
          (ip === undefined || m.ipAddress === ip) &&
          m.contactedAt !== undefined &&
          (!before.has(m.systemId) || m.contactedAt >= (s.recreatedAt ?? 0)),
      );
      if (!fresh) continue;
      const expected = s.version?.expected;
      if (expected && fresh.version !== expected)
        throw new Error(
          `${runnerRef(r)} checked in from ${s.vm.name} as gitlab-runner ${fresh.version ?? '(no version)'}, but image tag ${s.version?.after} means ${expected}. ${stateSentence(s, 'checkIn')} Check the ${s.version?.key} metadata the startup script reads and the image it ran (Runner Ops: Tail Serial Console).`,
        );
      s.checkedIn[r.id] = { systemId: fresh.systemId, ipAddress: fresh.ipAddress, version: fresh.version };
      c.log(
        `${runnerRef(r)} checked in from ${fresh.ipAddress ?? 'the new VM'} as manager ${fresh.systemId}${fresh.version ? ` (gitlab-runner ${fresh.version}${expected ? `, as ${s.version?.after} implies` : ''})` : ''}.`,
      );
      await c.save();
    }
    if (s.runners.every((r) => s.checkedIn?.[r.id])) return;
    if (deps.clock.now() >= deadline) {
      const missing = s.runners.filter((r) => !s.checkedIn?.[r.id]);
      throw new Error(
        `${missing.map(runnerRef).join(', ')} did not check in from ${s.vm.name}${ip ? ` (${ip})` : ''} within ${Math.round(o.checkInTimeoutMs / 60_000)} min. ${stateSentence(s, 'checkIn')} Look at the VM's serial console (Runner Ops: Tail Serial Console) for the startup script, then at the runner container's logs (Runner Ops: Tail Runner Logs) for a refused token or a wrong URL.`,
      );
    }
    await pause(deps.clock, o.pollMs, c.signal);
  }
}

async function resumeRunners(deps: ReprovisionDeps, c: Ctx): Promise<void> {
  const s = c.journal.state;
  for (const r of s.runners) {
    if (s.pausedBefore.includes(r.id)) {
      c.log(`${runnerRef(r)} was paused before the re-provision: it stays paused.`, 'warn');
      continue;
    }
    await deps.gitlab.setRunnerPaused(r.id, false);
    c.log(`${runnerRef(r)} resumed: it takes jobs again.`);
  }
}

const FINISHED = new Set(['success', 'failed', 'canceled', 'skipped']);

async function smokeTest(deps: ReprovisionDeps, c: Ctx): Promise<void> {
  const s = c.journal.state;
  const o = deps.options;
  if (!o.smokeProject) return c.log('no smoke test configured (runnerOps.reprovision.smokeTest.project): skipped.');
  if (!s.smokePipeline) {
    const created = await deps.gitlab.createPipeline(o.smokeProject, o.smokeRef);
    s.smokePipeline = { projectId: created.projectId, id: created.id, webUrl: created.webUrl };
    await c.save();
    c.log(`pipeline #${created.id} started on ${o.smokeRef} in ${o.smokeProject}: ${created.webUrl}`);
  }
  const { projectId, id } = s.smokePipeline;
  const deadline = deps.clock.now() + o.smokeTimeoutMs;
  for (;;) {
    const pipeline = await deps.gitlab.pipeline(projectId, id);
    s.smokePipeline.status = pipeline.status;
    c.report(`pipeline #${id} ${pipeline.status}`);
    if (FINISHED.has(pipeline.status)) {
      if (pipeline.status !== 'success')
        throw new Error(
          `the smoke pipeline #${id} ${pipeline.status}: ${s.smokePipeline.webUrl}. The runner is resumed.`,
        );
      const jobs = await deps.gitlab.pipelineJobs(projectId, id);
      const ours = jobs.filter((j) => j.runner && s.runners.some((r) => r.id === j.runner!.id));
      s.smokePipeline.jobsOnRunner = ours.length;
      c.log(
        ours.length
          ? `pipeline #${id} passed; ${plural(ours.length, 'job')} ran on ${s.runners.map(runnerRef).join(', ')}.`
          : `pipeline #${id} passed, but another runner took its jobs: it proves the fleet, not this runner.`,
        ours.length ? 'info' : 'warn',
      );
      return;
    }
    if (deps.clock.now() >= deadline)
      throw new Error(
        `the smoke pipeline #${id} is still ${pipeline.status} after ${Math.round(o.smokeTimeoutMs / 60_000)} min: ${s.smokePipeline.webUrl}`,
      );
    await pause(deps.clock, o.pollMs, c.signal);
  }
}

/**
 * Where everything stands when a run stops at `step`: "runner #12 is paused; VM gitlab-runner-b
 * is being recreated." Said with every failure, so the operator knows what is left as it is.
 */
export function stateSentence(s: ReprovisionState, step: StepId | string | undefined): string {
  const runners = s.runners.map(runnerRef).join(', ') || 'no runner';
  const vm = `VM ${s.vm.name}`;
  const recreated = `${vm} has been recreated${s.newVm ? ` (instance ${s.newVm.id}${s.newVm.internalIp ? `, ${s.newVm.internalIp})` : ')'}` : ''}`;
  switch (step) {
    case 'preflight':
    case undefined:
      return `Nothing was changed: ${runners} and ${vm} are as they were.`;
    // A stop inside the pause or the resume may come before or after GitLab applied it.
    case 'pause':
      return `${capitalized(runners)} may already be paused; ${vm} is untouched.`;
    case 'drain':
      return `${capitalized(runners)} ${s.runners.length === 1 ? 'is' : 'are'} paused; ${vm} is untouched.`;
    case 'recreate':
      return `${capitalized(runners)} ${s.runners.length === 1 ? 'is' : 'are'} paused; ${vm} is being recreated.`;
    case 'boot':
    case 'checkIn':
      return `${capitalized(runners)} ${s.runners.length === 1 ? 'is' : 'are'} paused; ${recreated}.`;
    case 'resume':
      return `${capitalized(recreated)} and ${runners} checked in from it; resuming did not finish: ${runners} may still be paused.`;
    default:
      return `${capitalized(runners)} ${s.runners.length === 1 ? 'is' : 'are'} back on the new ${vm}.`;
  }
}

/** The smoke test's result for the final message, or '' when none ran. */
export function smokeSentence(s: ReprovisionState): string {
  const smoke = s.smokePipeline;
  if (!smoke?.status) return '';
  const where =
    smoke.jobsOnRunner === undefined
      ? ''
      : smoke.jobsOnRunner > 0
        ? ` with ${plural(smoke.jobsOnRunner, 'job')} on ${s.runners.map(runnerRef).join(', ')}`
        : ', but on another runner';
  return `Smoke pipeline #${smoke.id} ${smoke.status === 'success' ? 'passed' : smoke.status}${where}: ${smoke.webUrl}.`;
}

const capitalized = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** Resuming the runner is a safe roll back only while the old VM is still there. */
export function canRollBack(step: string | undefined): boolean {
  return step === 'pause' || step === 'drain';
}
