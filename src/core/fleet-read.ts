// One fleet view's poll: refresh the areas it shows (its own first), fail when its own area failed
// (its poller backs off; the rows keep showing the last good data with the error), and say whether
// something shown is still moving (the poller goes fast). A borrowed area's failure is its own
// view's to back off from: the Pipelines view keeps its pace when only Compute fails.
import type { FleetArea, FleetStore } from './fleet-store';
import { areaInMotion } from './motion';
import type { RefreshOutcome } from './polling';

export async function readFleetView(store: FleetStore, areas: FleetArea[]): Promise<RefreshOutcome> {
  await store.refresh(areas[0], areas.slice(1));
  const error = store.errorOf(areas.slice(0, 1));
  if (error) throw error;
  return { transitional: areaInMotion(store, areas[0]) };
}
