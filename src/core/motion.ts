// What counts as "in motion" for each area of the fleet: worth the fast pace while it lasts.
import type { FleetArea, FleetStore } from './fleet-store';
import type { Pipeline } from './model';
import { pipelineStatus, vmStatus } from './status-table';
import { runnerCanTake } from './why-pending';

export function areaInMotion(store: FleetStore, area: FleetArea): boolean {
  switch (area) {
    case 'workers': // a VM starting, stopping, being repaired
      return (store.workers.value ?? []).some((vm) => vmStatus(vm.status).transitional);
    case 'runners': // a pause or resume on its way to GitLab
      return [...store.busy.keys()].some((key) => key.startsWith('runner:'));
    case 'pipelines': // a pipeline created, pending or running
      return [...store.pipelines.values()].some((list) =>
        (list.value?.pipelines ?? []).some((p) => pipelineMoving(store, p)),
      );
  }
}

/**
 * A pipeline that changes on its own: transitional, unless its jobs have been read and all it
 * waits for are pending jobs no runner can take (tags nobody online serves). Those wait until
 * someone resumes or repairs a runner, which refreshes the views by itself.
 */
export function pipelineMoving(store: FleetStore, pipeline: Pipeline): boolean {
  if (!pipelineStatus(pipeline.status).transitional) return false;
  const jobs = store.pipelineJobs.get(pipeline.id)?.value;
  const runners = store.runners.value;
  if (!jobs || !runners) return true;
  const project = store.projects.value?.find((p) => p.id === pipeline.projectId);
  const pending = jobs.filter((job) => job.status === 'pending');
  if (pending.length === 0) return true; // not waiting for a runner: GitLab moves it along
  return (
    pending.some((job) => runnerCanTake(job, runners, project)) ||
    jobs.some((job) => !['pending', 'created'].includes(job.status) && pipelineStatus(job.status).transitional)
  );
}
