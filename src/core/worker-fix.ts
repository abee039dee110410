// The worker fix as an operation (src/core/operation.ts): the instance template, then the VM
// from it, the journal saved after each, so a crash or a reload between the two resumes where it
// stopped. The VM's insert carries a requestId kept in the journal: Compute answers an insert
// sent again with the same id with the first one's operation, so a crash after sending it never
// makes a second VM (or a 409).
import { DEFAULT_BOOTSTRAP, parseKmsKeyName } from './checklist';
import { workerTemplate, type BootstrapPorts, type FixContext, type WorkerTemplateSpec } from './bootstrap-fixes';
import type { Journal, Step } from './operation';

export const WORKER_FIX_KIND = 'bootstrap-worker';

/** What the journal keeps: plain settings and the reviewed script, never a secret value. */
export interface WorkerFixState {
  project: string;
  zone: string;
  vm: string;
  template: WorkerTemplateSpec;
  /** Compute's requestId for the VM insert (a UUID). */
  requestId: string;
}

export function workerFixJournal(
  ctx: FixContext,
  command: string,
  title: string,
  requestId: string,
  now: number,
): Journal<WorkerFixState> {
  const b = ctx.input.bootstrap ?? DEFAULT_BOOTSTRAP;
  const project = parseKmsKeyName(ctx.input.kmsKey)?.project ?? ctx.input.gcpProject.trim();
  const state: WorkerFixState = { project, zone: b.zone, vm: b.workerName, template: workerTemplate(ctx), requestId };
  return { kind: WORKER_FIX_KIND, target: workerTarget(state), command, title, startedAt: now, done: [], state };
}

export const workerTarget = (s: Pick<WorkerFixState, 'project' | 'zone' | 'vm'>) => `${s.project}/${s.zone}/${s.vm}`;

type WorkerPorts = Pick<BootstrapPorts, 'template' | 'createTemplate' | 'createVm'>;

export function workerFixSteps(ports: WorkerPorts): Step<WorkerFixState>[] {
  return [
    {
      id: 'template',
      title: 'Create the instance template',
      run: async ({ journal, log }) => {
        const { project, template } = journal.state;
        // A template left by an earlier run (or sent just before a crash) is used as it is.
        if (await ports.template(project, template.name)) return log(`template ${template.name} already exists.`);
        await ports.createTemplate(project, template);
        log(`created template ${template.name}.`);
      },
    },
    {
      id: 'vm',
      title: 'Create the VM from it',
      run: async ({ journal, log }) => {
        const { project, zone, vm, template, requestId } = journal.state;
        await ports.createVm(project, zone, vm, template.name, requestId);
        log(`VM ${vm} is running in ${zone}.`);
      },
    },
  ];
}

export const workerFixSentence = (s: WorkerFixState) =>
  `Template ${s.template.name} and VM ${s.vm} exist in ${s.zone}: its runner checks in once the startup script finishes.`;
