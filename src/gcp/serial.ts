// The serial-port adapter: getSerialPortOutput through the Compute adapter's Instances client
// (one client, one pruned descriptor in the Compute bundle). Loaded lazily (src/lazy.ts).
import { PACE } from '../core/pace';
import type { SerialRead, SerialSource } from '../core/tail/ports';
import { instancesClient, type ComputeSettings } from './compute';
import { toGcpFailure } from './gcp-failure';

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
        throw toGcpFailure(error, {
          source: 'compute',
          rpc: 'compute.instances.getSerialPortOutput',
          attempted: `read serial port ${port} of ${vm.name}`,
        });
      }
    },
  };
}
