// The serial-port adapter: getSerialPortOutput through the Compute client's per-service module
// (the package index loads all of Compute's 31 MB descriptor). Loaded lazily (src/lazy.ts).
import { InstancesClient } from '@google-cloud/compute/build/src/v1/instances_client';
import type { RunnerOpsSettings } from '../config/settings';
import type { SerialRead, SerialSource } from '../core/tail/ports';
import { gaxOptions } from './client-options';
import { toGcpFailure } from './gcp-failure';

/** A tail polls again soon anyway: one quick attempt per poll, no client-side retries. */
const CALL_OPTIONS = { timeout: 10_000, maxRetries: 0 };

export interface VmRef {
  project: string;
  zone: string;
  name: string;
}

export type SerialSettings = Pick<
  RunnerOpsSettings,
  'gcpProject' | 'credentials' | 'endpoints' | 'instanceFilter' | 'gcpZones'
>;

let cached: { key: string; client: InstancesClient } | undefined;

function client(settings: SerialSettings): InstancesClient {
  const key = JSON.stringify([settings.endpoints.compute, settings.credentials]);
  if (cached?.key !== key) {
    void cached?.client.close();
    cached = { key, client: new InstancesClient(gaxOptions(settings, 'compute')) };
  }
  return cached.client;
}

export function serialSource(settings: SerialSettings, vm: VmRef): SerialSource {
  const instances = client(settings);
  return {
    async read(port: number, start: number): Promise<SerialRead> {
      try {
        const [output] = await instances.getSerialPortOutput(
          { project: vm.project, zone: vm.zone, instance: vm.name, port, start },
          CALL_OPTIONS,
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

/** The runner VMs the settings select, for the palette's picker. */
export async function listVms(settings: SerialSettings): Promise<Array<VmRef & { status: string; id: string }>> {
  const instances = client(settings);
  const found: Array<VmRef & { status: string; id: string }> = [];
  const filter = settings.instanceFilter || undefined;
  const zones = settings.gcpZones.length ? settings.gcpZones : undefined;
  if (zones) {
    for (const zone of zones) {
      const [list] = await instances.list(
        { project: settings.gcpProject, zone, filter, maxResults: 500 },
        { ...CALL_OPTIONS, autoPaginate: false },
      );
      for (const i of list ?? [])
        found.push({
          project: settings.gcpProject,
          zone,
          name: i.name ?? '',
          status: i.status ?? '',
          id: String(i.id ?? ''),
        });
    }
    return found;
  }
  const pages = instances.aggregatedListAsync({ project: settings.gcpProject, filter, maxResults: 500 }, CALL_OPTIONS);
  for await (const [zoneKey, scoped] of pages) {
    for (const i of scoped.instances ?? [])
      found.push({
        project: settings.gcpProject,
        zone: zoneKey.replace(/^zones\//, ''),
        name: i.name ?? '',
        status: i.status ?? '',
        id: String(i.id ?? ''),
      });
  }
  return found;
}
