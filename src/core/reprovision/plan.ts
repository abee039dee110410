// What a re-provision will do, before it does anything: the VM and how it is recreated, the
// runners it hosts, who serves their tags meanwhile, the jobs to drain, and each step's calls.
import type { Job, Runner } from '../model';
import { runnerLabel } from '../names';
import { CLAIM_LABEL, type WorkerInstance } from '../ports';
import type { ReprovisionOptions } from './options';
import { versionLine, type MetadataItem, type VersionChange } from './version';

export type Recreation = { kind: 'template'; template: string } | { kind: 'group'; group: string; template?: string };

export interface ReprovisionPlan {
  vm: WorkerInstance;
  via: Recreation;
  runners: Runner[];
  /** Online, unpaused runners not on this VM that serve at least one of the hosted runners' tags. */
  others: Runner[];
  runningJobs: Job[];
  /** Tags (and "untagged jobs") nobody serves while this VM is away: refused unless accepted. */
  orphanedTags: string[];
  /** The runner image tag before and after, and the version the new manager must report. */
  version: VersionChange;
  /** The metadata a standalone VM is inserted with, when it differs from the old VM's. */
  metadata?: MetadataItem[];
  /** A standalone VM recreated from another template than its own: that template's metadata wins. */
  templateSwitch?: TemplateSwitch;
}

/** `before` is undefined when Compute does not say which template the VM came from. */
export type TemplateSwitch = { before?: string; after: string };

/**
 * The template a standalone VM switches to: the one chosen (an argument or the instanceTemplate
 * setting) when it is not the VM's own (its `instance-template`, else the project's only template).
 */
export function templateSwitch(
  vm: WorkerInstance,
  via: Recreation,
  chosen: string,
  templates: string[],
): TemplateSwitch | undefined {
  if (via.kind !== 'template' || !chosen) return undefined;
  const own = vm.template ?? (templates.length === 1 ? templates[0] : undefined);
  return chosen === own ? undefined : { before: own, after: chosen };
}

export const STEP_TITLES = {
  preflight: 'Preflight',
  pause: 'Pause the runner',
  drain: 'Drain running jobs',
  recreate: 'Recreate the VM',
  boot: 'Watch it boot',
  checkIn: 'Wait for the runner to check in',
  resume: 'Resume the runner',
  smoke: 'Smoke test',
} as const;

export type StepId = keyof typeof STEP_TITLES;

/** How the VM is recreated: by its group, else from the configured template or the project's only one. */
export function recreationOf(vm: WorkerInstance, configuredTemplate: string, templates: string[]): Recreation {
  if (vm.group) return { kind: 'group', group: vm.group, template: vm.template };
  const template = configuredTemplate || vm.template || (templates.length === 1 ? templates[0] : undefined);
  if (!template) {
    throw new Error(
      templates.length === 0
        ? `There is no instance template in the project to recreate ${vm.name} from. Create one, or set runnerOps.reprovision.instanceTemplate.`
        : `${vm.name} could come from any of ${templates.length} instance templates (${templates.join(', ')}): set runnerOps.reprovision.instanceTemplate to the one to use.`,
    );
  }
  return { kind: 'template', template };
}

/** Tags of `hosted` that no online, unpaused runner elsewhere serves. */
export function orphanedTags(hosted: readonly Runner[], all: readonly Runner[]): string[] {
  const ids = new Set(hosted.map((r) => r.id));
  const serving = all.filter((r) => !ids.has(r.id) && r.status === 'online' && !r.paused);
  const tags = [...new Set(hosted.flatMap((r) => r.tags))].filter((t) => !serving.some((r) => r.tags.includes(t)));
  if (hosted.some((r) => r.runUntagged) && !serving.some((r) => r.runUntagged)) tags.push('untagged jobs');
  return tags;
}

export function othersServing(hosted: readonly Runner[], all: readonly Runner[]): Runner[] {
  const ids = new Set(hosted.map((r) => r.id));
  const tags = new Set(hosted.flatMap((r) => r.tags));
  return all.filter((r) => !ids.has(r.id) && r.status === 'online' && !r.paused && r.tags.some((t) => tags.has(t)));
}

const code = (s: string) => `\`${s.replace(/`/g, "'")}\``;
const minutes = (ms: number) => `${Math.round(ms / 60_000)} min`;

export function planMarkdown(plan: ReprovisionPlan, o: ReprovisionOptions): string {
  const { vm, via } = plan;
  const runnerIds = plan.runners.map((r) => `#${r.id}`).join(', ') || '(none)';
  const lines = [
    `# Plan: re-provision ${vm.name}`,
    '',
    `- **VM**: ${vm.name} in ${vm.zone}, ${vm.status}, id ${vm.id}${vm.internalIp ? `, internal IP ${vm.internalIp}` : ''}`,
    via.kind === 'template'
      ? plan.templateSwitch
        ? `- **Recreated from** a newer instance template: ${plan.templateSwitch.before ? code(plan.templateSwitch.before) : 'its own (not recorded on the VM)'} → ${code(via.template)}: deleted, then inserted from ${code(via.template)} with the same name, zone and labels; the new template's metadata replaces the VM's for every key it defines (a new instance id and IP).`
        : `- **Recreated from** instance template ${code(via.template)}: deleted, then inserted from the template with the same name, zone, labels and metadata (a new instance id and IP).`
      : `- **Recreated by** its managed instance group ${code(via.group)}${via.template ? ` (template ${code(via.template)})` : ''}: ${code('recreateInstances')} keeps its name.`,
    `- **Runner version** (metadata ${code(plan.version.key)}): ${versionLine(plan.version)}`,
    '',
    '## Runners on this VM',
    '',
    ...(plan.runners.length
      ? plan.runners.map(
          (r) => `- ${runnerLabel(r)}: ${r.status}${r.paused ? ', paused' : ''}; tags ${r.tags.join(', ') || '(none)'}`,
        )
      : ['- None found: no registered runner is linked to this VM, so there is nothing to pause or wait for.']),
    '',
    '## Online runners serving the same tags meanwhile',
    '',
    ...(plan.others.length ? plan.others.map((r) => `- ${runnerLabel(r)}: tags ${r.tags.join(', ')}`) : ['- None.']),
    ...(plan.orphanedTags.length
      ? [
          '',
          `> **Outage**: while ${vm.name} is away nobody serves ${plan.orphanedTags.join(', ')}; jobs needing them wait. Refused unless you accept the outage.`,
        ]
      : []),
    '',
    '## Running jobs (drained, not killed)',
    '',
    ...(plan.runningJobs.length
      ? plan.runningJobs.map(
          (j) => `- job #${j.id} ${j.name}${j.projectPath ? ` (${j.projectPath})` : ''}: ${j.status}`,
        )
      : ['- None right now.']),
    '',
    '## Steps',
    '',
    `1. **${STEP_TITLES.preflight}**: the template or group exists (${code(via.kind === 'template' ? 'compute.instanceTemplates.list' : 'compute.instanceGroupManagers.get')}); the worker's secrets download and decrypt (Cloud Storage, ${code('cloudkms.cryptoKeys.decrypt')}); GitLab accepts the runner token in its config.toml (${code('POST /runners/verify')}); another runner serves the tags (${code('GET /runners/:id')}); then the VM is marked as this run's (${code(`compute.instances.setLabels ${CLAIM_LABEL}`)} under its label fingerprint: another window re-provisioning it meanwhile is refused).`,
    `2. **${STEP_TITLES.pause}** ${runnerIds}: ${code('PUT /runners/:id paused=true')}. A paused runner finishes its jobs but takes no new one.`,
    `3. **${STEP_TITLES.drain}**: ${code('GET /runners/:id/jobs?status=running')} every ${o.pollMs / 1000} s, up to ${minutes(o.drainTimeoutMs)}; then you choose: wait longer, cancel those jobs (${code('POST /projects/:id/jobs/:job_id/cancel')}), or stop here (the runner stays paused).`,
    via.kind === 'template'
      ? `4. **${STEP_TITLES.recreate}**: ${code('compute.instances.delete')}, then ${code('compute.instances.insert')} with ${code(`sourceInstanceTemplate=${via.template}`)}; each operation awaited with ${code('compute.zoneOperations.wait')} and its error shown.`
      : `4. **${STEP_TITLES.recreate}**: ${code('compute.instanceGroupManagers.recreateInstances')}, awaited with ${code('compute.zoneOperations.wait')}.`,
    `5. **${STEP_TITLES.boot}**: ${code('compute.instances.get')} until a new instance is RUNNING, then ${code('compute.instances.getSerialPortOutput')} until a line matches ${code(o.bootCompleted.source)} (done) or ${code(o.bootFailed.source)} (failed), up to ${minutes(o.bootTimeoutMs)}.`,
    `6. **${STEP_TITLES.checkIn}**: ${code('GET /runners/:id/managers')} every ${o.pollMs / 1000} s until a manager from the new VM's IP has contacted GitLab after the recreate${plan.version.expected ? `, reporting gitlab-runner ${plan.version.expected}` : ''}, up to ${minutes(o.checkInTimeoutMs)}.`,
    `7. **${STEP_TITLES.resume}** ${runnerIds}: ${code('PUT /runners/:id paused=false')}.`,
    o.smokeProject
      ? `8. **${STEP_TITLES.smoke}**: ${code(`POST /projects/:id/pipeline ref=${o.smokeRef}`)} in ${o.smokeProject}, then ${code('GET /projects/:id/pipelines/:pipeline_id')} until it passes, up to ${minutes(o.smokeTimeoutMs)}.`
      : `8. **${STEP_TITLES.smoke}**: skipped (set runnerOps.reprovision.smokeTest.project to run a pipeline afterwards).`,
    '',
    'Every step is written to the Runner Ops log and saved as it completes: after a reload or a crash the run resumes where it stopped.',
    '',
  ];
  return lines.join('\n');
}
