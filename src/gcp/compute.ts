// The Compute adapter: lists the runner VMs and acts on them. Loads only the per-service client
// modules; the bundler swaps Compute's 12 MB descriptor for one pruned to these services
// (scripts/prune-protos.mjs). Loaded lazily (src/lazy.ts), never at activation.
import { InstancesClient } from '@google-cloud/compute/build/src/v1/instances_client';
import { ZoneOperationsClient } from '@google-cloud/compute/build/src/v1/zone_operations_client';
import type { protos } from '@google-cloud/compute';
import type { ClientOptions } from 'google-gax';
import type { WorkerVm } from '../core/model';
import type { RunnerOpsSettings } from '../config/settings';
import { gaxOptions } from './client-options';
import { toGcpFailure } from './gcp-failure';

type Instance = protos.google.cloud.compute.v1.IInstance;

/** Per call: answer within seconds; the poller decides when to try again. */
const CALL = { timeout: 20_000, maxRetries: 1 };
const LIST_CALL = { ...CALL, autoPaginate: false };
const PAGE_SIZE = 500;

export type ComputeSettings = Pick<
  RunnerOpsSettings,
  'gcpProject' | 'gcpZones' | 'instanceFilter' | 'credentials' | 'endpoints'
>;

export class ComputeAdapter {
  private readonly instances: InstancesClient;
  private readonly operations: ZoneOperationsClient;

  constructor(private readonly settings: ComputeSettings) {
    this.instances = new InstancesClient(gaxOptions(settings, 'compute') as ClientOptions);
    this.operations = new ZoneOperationsClient(gaxOptions(settings, 'compute') as ClientOptions);
  }

  /** The VMs matching the instance filter: per configured zone, or one aggregated list over all zones. */
  async listWorkers(): Promise<WorkerVm[]> {
    const { gcpProject: project, gcpZones: zones } = this.settings;
    const filter = this.settings.instanceFilter.trim() || undefined;
    try {
      if (zones.length > 0) {
        const perZone = await Promise.all(
          zones.map(async (zone) => {
            const found: WorkerVm[] = [];
            for await (const instance of this.instances.listAsync(
              { project, zone, filter, maxResults: PAGE_SIZE },
              LIST_CALL,
            )) {
              found.push(toWorkerVm(instance));
            }
            return found;
          }),
        );
        return perZone.flat();
      }
      const found: WorkerVm[] = [];
      for await (const [, scoped] of this.instances.aggregatedListAsync(
        { project, filter, maxResults: PAGE_SIZE },
        LIST_CALL,
      )) {
        for (const instance of scoped.instances ?? []) found.push(toWorkerVm(instance));
      }
      return found;
    } catch (error) {
      throw toGcpFailure(error, {
        source: 'compute',
        rpc: zones.length > 0 ? 'compute.instances.list' : 'compute.instances.aggregatedList',
        attempted: `list instances in ${project}`,
      });
    }
  }

  async getWorker(zone: string, name: string): Promise<WorkerVm> {
    try {
      const [instance] = await this.instances.get({ project: this.settings.gcpProject, zone, instance: name }, CALL);
      return toWorkerVm(instance);
    } catch (error) {
      throw toGcpFailure(error, { source: 'compute', rpc: 'compute.instances.get', attempted: `get ${name}` });
    }
  }

  close(): Promise<void> {
    return Promise.all([this.instances.close(), this.operations.close()]).then(() => undefined);
  }
}

const lastSegment = (url?: string | null) => (url ? url.slice(url.lastIndexOf('/') + 1) : '');

export function toWorkerVm(instance: Instance): WorkerVm {
  const nic = instance.networkInterfaces?.[0];
  const createdBy = instance.metadata?.items?.find((item) => item.key === 'created-by')?.value ?? undefined;
  const parse = (t?: string | null) => (t ? Date.parse(t) : undefined);
  return {
    id: String(instance.id ?? ''),
    name: instance.name ?? '',
    zone: lastSegment(instance.zone),
    status: instance.status ?? 'UNKNOWN',
    machineType: lastSegment(instance.machineType),
    internalIp: nic?.networkIP ?? undefined,
    externalIp: nic?.accessConfigs?.find((c) => c.natIP)?.natIP ?? undefined,
    labels: { ...(instance.labels ?? {}) },
    instanceGroup: createdBy?.includes('/instanceGroupManagers/') ? lastSegment(createdBy) : undefined,
    lastStartedAt: parse(instance.lastStartTimestamp),
    createdAt: parse(instance.creationTimestamp),
    selfLink: instance.selfLink ?? undefined,
  };
}
