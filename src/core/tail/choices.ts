// What the tail commands' pickers list, in the tree's words: statuses through the status table,
// pipelines as "pipeline #7", runners as "runner #1 'gitlab-runner-a'", ages as "3 min ago".
import { runnerRef } from '../names';
import type { Job, WorkerVm } from '../model';
import { byPriority, jobStatus, Priority, vmStatus } from '../status-table';
import { formatAgo } from '../time-format';

export interface Choice<T> {
  label: string;
  description: string;
  detail?: string;
  value: T;
}

export interface ProjectJobs {
  /** As configured (runnerOps.gitlab.projects): a path or an id. */
  project: string | number;
  jobs: Job[];
}

/** Jobs in motion first (the ones worth following), then failed ones, then the rest; newest first within. */
function jobRank(job: Job): number {
  const status = jobStatus(job);
  if (status.transitional) return 0;
  return status.priority <= Priority.warning ? 1 : 2;
}

function jobWhen(job: Job, now: number): string | undefined {
  if (job.finishedAt) return formatAgo(job.finishedAt, now);
  if (job.startedAt) return `started ${formatAgo(job.startedAt, now)}`;
  return job.createdAt ? `queued ${formatAgo(job.createdAt, now)}` : undefined;
}

/** "Failed · pipeline #7 · main · runner #1 'gitlab-runner-a' · 3 min ago"; the project as detail when several. */
export function jobChoices(lists: ProjectJobs[], now: number): Array<Choice<Job>> {
  const several = lists.length > 1;
  return lists
    .flatMap(({ project, jobs }) => jobs.map((job) => ({ job, project })))
    .sort((a, b) => jobRank(a.job) - jobRank(b.job) || b.job.id - a.job.id)
    .map(({ job, project }) => ({
      label: job.name,
      description: [
        jobStatus(job).label,
        `pipeline #${job.pipelineId}`,
        job.ref,
        job.runner ? runnerRef(job.runner) : undefined,
        jobWhen(job, now),
      ]
        .filter(Boolean)
        .join(' · '),
      detail: several ? String(project) : undefined,
      value: job,
    }));
}

/** Why the job picker is empty. */
export function noJobsReason(projects: Array<string | number>): string {
  return projects.length === 0
    ? 'No project to list jobs from: add one to runnerOps.gitlab.projects'
    : `No job yet in ${projects.join(', ')}`;
}

/** "Running · europe-west1-b · e2-standard-2", VMs with a problem or in motion first. */
export function vmChoices(vms: WorkerVm[]): Array<Choice<WorkerVm>> {
  return [...vms]
    .sort((a, b) => byPriority(vmStatus(a.status), vmStatus(b.status)) || a.name.localeCompare(b.name))
    .map((vm) => ({
      label: vm.name,
      description: [vmStatus(vm.status).label, vm.zone, vm.machineType].filter(Boolean).join(' · '),
      value: vm,
    }));
}

/** Why the VM picker is empty, naming the settings that select the VMs. */
export function noVmReason(settings: { gcpProject: string; gcpZones: string[]; instanceFilter: string }): string {
  const where = `project ${settings.gcpProject}${settings.gcpZones.length ? ` (zones ${settings.gcpZones.join(', ')})` : ''}`;
  const filter = settings.instanceFilter.trim();
  return filter
    ? `No VM in ${where} matches runnerOps.gcp.instanceFilter: ${filter}`
    : `No VM in ${where}: check runnerOps.gcp.project and runnerOps.gcp.zones`;
}

/** What each serial port usually carries on a Compute Engine VM; port 1 is what Tail Worker Console shows. */
export const SERIAL_PORTS: ReadonlyArray<Choice<number>> = [
  {
    label: 'Port 1: console',
    description: 'boot, kernel, systemd, startup script, guest agent',
    value: 1,
  },
  {
    label: 'Port 2',
    description: "Windows' Special Administration Console; on Linux only what the image writes to /dev/ttyS1",
    value: 2,
  },
  { label: 'Port 3', description: 'empty unless the image or startup script writes to /dev/ttyS2', value: 3 },
  { label: 'Port 4', description: 'empty unless the image or startup script writes to /dev/ttyS3', value: 4 },
];

/** Tab titles in the view's words: "gitlab-runner-a console", "… serial port 2", "… runner logs". */
export function serialTitle(vmName: string, port: number): string {
  return port === 1 ? `${vmName} console` : `${vmName} serial port ${port}`;
}
