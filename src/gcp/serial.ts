// The serial-port adapter: getSerialPortOutput through the Compute adapter's Instances client
// (one client, one pruned descriptor in the Compute bundle). Loaded lazily (src/lazy.ts).
import { PACE } from '../core/pace';
import type { SerialRead, SerialSource } from '../core/tail/ports';
import { ComputeAdapter, instancesClient, type ComputeSettings } from './compute';
import { toTailFailure } from './tail-failure';

export interface VmRef {
  project: string;
  zone: string;
  name: string;
}

export type SerialSettings = ComputeSettings;

export function serialSource(settings: SerialSettings, vm: VmRef): SerialSource {
  return {
    async read(port: number, start: number): Promise<SerialRead> {
      try {
        const [output] = await instancesClient(settings).getSerialPortOutput(
          { project: vm.project, zone: vm.zone, instance: vm.name, port, start },
          PACE.google.serial,
        );
        // int64 fields arrive as strings.
        return { contents: output.contents ?? '', start: Number(output.start ?? 0), next: Number(output.next ?? 0) };
      } catch (error) {
        throw toTailFailure(error, `Serial port ${port} of ${vm.name}`);
      }
    },
  };
}

/** The runner VMs the settings select, for the palette's picker: the sidebar's own listing. */
export async function listVms(settings: SerialSettings): Promise<Array<VmRef & { status: string; id: string }>> {
  const vms = await new ComputeAdapter(settings).listWorkers();
  return vms.map((vm) => ({
    project: settings.gcpProject,
    zone: vm.zone,
    name: vm.name,
    status: vm.status,
    id: vm.id,
  }));
}
