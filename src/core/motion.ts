// What counts as "in motion" for each area of the fleet: worth the fast pace while it lasts.
import type { FleetArea, FleetStore } from './fleet-store';
import { pipelineStatus, vmStatus } from './status-table';

export function areaInMotion(store: FleetStore, area: FleetArea): boolean {
  switch (area) {
    case 'workers': // a VM starting, stopping, being repaired
      return (store.workers.value ?? []).some((vm) => vmStatus(vm.status).transitional);
    case 'runners': // a pause or resume on its way to GitLab
      return [...store.busy.keys()].some((key) => key.startsWith('runner:'));
    case 'pipelines': // a pipeline created, pending or running
      return [...store.pipelines.values()].some((list) =>
        (list.value?.pipelines ?? []).some((p) => pipelineStatus(p.status).transitional),
      );
  }
}
