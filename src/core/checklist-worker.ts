// The checks on what runs the runners: the worker (the instance template exists, its startup
// script fetches and decrypts from this bucket with this key, a VM matching the filter is
// RUNNING) and the pipeline schedules runnerOps.bootstrap.schedules lists (exist, active).
import { applying } from './check-fix';
import type { CheckFix } from './check-fix';
import type { ChecklistInput, CheckOutcome, CheckId, GitLabFacts, GoogleProbes, ScheduleSpec } from './checklist';
import { DEFAULT_BOOTSTRAP, parseKmsKeyName } from './checklist';
import { ENABLE_GUEST_ATTRIBUTES } from './guest-health';
import { plural } from './names';
import { scriptProblem } from './worker-script';

type Setter = (id: CheckId, outcome: CheckOutcome, detail: string, fix?: CheckFix) => void;

const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e)).replace(/\s+/g, ' ');

/** `gcloud` that creates the template (the script saved as startup-script.sh) and the VM from it. */
export function workerCommands(input: ChecklistInput, labels: Record<string, string>, templateExists: boolean): string {
  const b = input.bootstrap ?? DEFAULT_BOOTSTRAP;
  const project = input.gcpProject.trim();
  const labelFlag = Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  const vm = `gcloud compute instances create ${b.workerName} --zone ${b.zone} --project ${project} --source-instance-template ${b.templateName}`;
  if (templateExists) return vm;
  return [
    `gcloud compute instance-templates create ${b.templateName} --project ${project} --machine-type ${b.machineType} --image-family debian-12 --image-project debian-cloud --boot-disk-size 50GB${labelFlag ? ` --labels ${labelFlag}` : ''} --scopes cloud-platform --metadata ${ENABLE_GUEST_ATTRIBUTES.key}=${ENABLE_GUEST_ATTRIBUTES.value} --metadata-from-file startup-script=startup-script.sh`,
    vm,
  ].join('\n');
}

/** The labels a new worker gets so the instance filter finds it: each `labels.KEY = VALUE` term of the filter. */
export function labelsFromFilter(filter: string | undefined): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const m of (filter ?? '').matchAll(/labels\.([a-z][\w-]*)\s*[=:]\s*"?([\w-]+)"?/g)) labels[m[1]] = m[2];
  return Object.keys(labels).length ? labels : { role: 'gitlab-runner' };
}

export async function judgeWorker(
  input: ChecklistInput,
  gitlab: GitLabFacts,
  google: GoogleProbes,
  set: Setter,
): Promise<void> {
  const b = input.bootstrap ?? DEFAULT_BOOTSTRAP;
  const project = parseKmsKeyName(input.kmsKey)?.project ?? input.gcpProject.trim();
  if (!google.template) return set('worker', 'skipped', 'Skipped: instance templates are not readable here.');
  const labels = labelsFromFilter(input.instanceFilter);
  let template;
  try {
    template = await google.template(project, b.templateName);
  } catch (e) {
    return set('worker', 'fail', `Cannot read instance template ${b.templateName}: ${messageOf(e)}`);
  }
  if (!template)
    return set(
      'worker',
      'fail',
      `Instance template ${b.templateName} does not exist in ${project}.`,
      applying(
        'Create the Worker: Startup Script, Template and VM…',
        { kind: 'worker' },
        workerCommands(input, labels, false),
      ),
    );
  const problem = scriptProblem(template.metadata['startup-script'], template.metadata, {
    bucket: input.bucket.trim(),
    kmsKey: input.kmsKey.trim(),
  });
  if (problem)
    return set('worker', 'fail', `Template ${b.templateName}'s startup script ${problem}.`, {
      text: `Create a template whose startup script fetches from gs://${input.bucket.trim()} and decrypts with ${input.kmsKey.trim()} (Create the Worker… shows the generated script), then set runnerOps.bootstrap.templateName to it.`,
    });
  if (gitlab.vmsError) return set('worker', 'fail', `Cannot list the runner VMs: ${messageOf(gitlab.vmsError)}`);
  const scriptOk = `Template ${b.templateName} fetches from gs://${input.bucket.trim()} and decrypts with its key`;
  if (!gitlab.vms) return set('worker', 'warn', `${scriptOk}; the runner VMs were not read (sign in to GitLab).`);
  const running = gitlab.vms.filter((v) => v.status === 'RUNNING');
  if (running.length === 0) {
    const others = gitlab.vms.map((v) => `${v.name} (${v.status})`).join(', ');
    const filter = input.instanceFilter?.trim() ? `matching ${input.instanceFilter.trim()} ` : '';
    return set(
      'worker',
      'fail',
      `${scriptOk}, but no VM ${filter}is RUNNING${others ? `: ${others}` : ''}.`,
      applying(`Create the Worker VM ${b.workerName}…`, { kind: 'worker' }, workerCommands(input, labels, true)),
    );
  }
  set(
    'worker',
    'pass',
    `${scriptOk} · ${plural(running.length, 'VM')} RUNNING: ${running.map((v) => v.name).join(', ')}`,
  );
}

const sameSchedule = (spec: ScheduleSpec) => (s: { project: string | number; description: string }) =>
  String(s.project) === String(spec.project) && s.description === spec.description;

/** The API call that creates a schedule, for teams that keep it in Terraform or scripts. */
export function scheduleCommand(host: string, spec: ScheduleSpec): string {
  const q = (v: string) => `'${v.replace(/'/g, "'\\''")}'`;
  return `curl --request POST --header "PRIVATE-TOKEN: $GITLAB_TOKEN" --data-urlencode description=${q(spec.description)} --data ref=${q(spec.ref)} --data-urlencode cron=${q(spec.cron)} --data cron_timezone=${q(spec.timezone)} ${host.replace(/\/+$/, '')}/api/v4/projects/${encodeURIComponent(String(spec.project))}/pipeline_schedules`;
}

export function judgeSchedules(input: ChecklistInput, gitlab: GitLabFacts, set: Setter): void {
  const specs = (input.bootstrap ?? DEFAULT_BOOTSTRAP).schedules;
  if (specs.length === 0)
    return set('schedules', 'pass', 'No schedule is required (runnerOps.bootstrap.schedules lists none).');
  const existing = gitlab.schedules;
  if (existing === undefined) return set('schedules', 'skipped', 'Skipped: the schedules were not read.');
  if (existing instanceof Error) return set('schedules', 'fail', `Cannot list the schedules: ${messageOf(existing)}`);
  const missing = specs.filter((spec) => !existing.some(sameSchedule(spec)));
  const inactive = specs.filter((spec) => existing.find(sameSchedule(spec))?.active === false);
  const name = (spec: ScheduleSpec) => `"${spec.description}" (${spec.project})`;
  if (missing.length)
    return set(
      'schedules',
      'fail',
      `Missing: ${missing.map(name).join(', ')}.${inactive.length ? ` Inactive: ${inactive.map(name).join(', ')}.` : ''}`,
      applying(
        `Create ${plural(missing.length, 'Missing Schedule')}…`,
        { kind: 'schedules' },
        missing.map((spec) => scheduleCommand(gitlab.host, spec)).join('\n'),
      ),
    );
  if (inactive.length)
    return set('schedules', 'fail', `Inactive: ${inactive.map(name).join(', ')}: no pipeline runs on them.`, {
      text: 'Activate them in GitLab (Build → Pipeline schedules → Edit → Active).',
    });
  set('schedules', 'pass', `${plural(specs.length, 'schedule')} exist and are active: ${specs.map(name).join(', ')}`);
}
