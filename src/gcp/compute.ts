// The Compute adapter: lists the runner VMs, through the one Instances client the serial tails share.
// Loads only the per-service client module; the bundler swaps Compute's 12 MB descriptor for one pruned
// to the services it needs (scripts/prune-protos.mjs). Loaded lazily (src/lazy.ts), never at activation.
import { InstancesClient } from '@google-cloud/compute/build/src/v1/instances_client';
import type { protos } from '@google-cloud/compute';
import type { ClientOptions } from 'google-gax';
import type { WorkerVm } from '../core/model';
import { PACE } from '../core/pace';
import type { RunnerOpsSettings } from '../config/settings';
import { gaxOptions } from './client-options';
import { toGcpFailure } from './gcp-failure';

type Instance = protos.google.cloud.compute.v1.IInstance;

/** Per call: answer within seconds; the poller decides when to try again. */
const LIST_CALL = { ...PACE.google.compute, autoPaginate: false };
const PAGE_SIZE = PACE.google.computePageSize;

export type ComputeSettings = Pick<
  RunnerOpsSettings,
  'gcpProject' | 'gcpZones' | 'instanceFilter' | 'credentials' | 'endpoints'
>;

type ClientSettings = Pick<RunnerOpsSettings, 'gcpProject' | 'credentials' | 'endpoints'>;

/** One Instances client per endpoint and credentials, for the VM list and the serial tails alike. */
const clients = new Map<string, InstancesClient>();
const clientKey = (s: ClientSettings) => JSON.stringify([s.endpoints.compute, s.credentials, s.gcpProject]);

/** Looked up per call: after a close, the next call builds a fresh client (a live tail keeps working). */
export function instancesClient(settings: ClientSettings): InstancesClient {
  const key = clientKey(settings);
  let client = clients.get(key);
  if (!client) clients.set(key, (client = new InstancesClient(gaxOptions(settings, 'compute') as ClientOptions)));
  return client;
}

export class ComputeAdapter {
  constructor(private readonly settings: ComputeSettings) {
    instancesClient(settings); // built with the adapter, as before: its first list pays only for the request
  }

  /** The VMs matching the instance filter: per configured zone, or one aggregated list over all zones. */
  async listWorkers(): Promise<WorkerVm[]> {
    const { gcpProject: project, gcpZones: zones } = this.settings;
    const filter = this.settings.instanceFilter.trim() || undefined;
    const instances = instancesClient(this.settings);
    try {
      if (zones.length > 0) {
        const perZone = await Promise.all(
          zones.map(async (zone) => {
            const found: WorkerVm[] = [];
            for await (const instance of instances.listAsync(
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
      for await (const [, scoped] of instances.aggregatedListAsync(
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

  /** Closes the shared client (in-flight calls complete); whoever calls next gets a new one. */
  close(): Promise<void> {
    const key = clientKey(this.settings);
    const client = clients.get(key);
    clients.delete(key);
    return client?.close() ?? Promise.resolve();
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
