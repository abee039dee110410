// The Compute adapter: lists the runner VMs, through the one Instances client the serial tails share.
// Loads only the per-service client module; the bundler swaps Compute's 12 MB descriptor for one pruned
// to the services it needs (scripts/prune-protos.mjs). Loaded lazily (src/lazy.ts), never at activation.
import { computeClient, type ComputeClient } from './compute-methods';
import type { protos } from '@google-cloud/compute';
import type { ClientOptions } from 'google-gax';
import { GUEST_NAMESPACE, type GuestAttribute } from '../core/guest-health';
import type { WorkerVm } from '../core/model';
import { isFailure } from '../core/failures';
import { CLAIM_LABEL, type Claim, type ReprovisionCompute, type WorkerInstance } from '../core/ports';
import { PACE } from '../core/pace';
import type { RunnerOpsSettings } from '../config/settings';
import { gaxOptions } from './client-options';
import { toGcpFailure } from './gcp-failure';
import { serialSource } from './serial';

type Instance = protos.google.cloud.compute.v1.IInstance;

const PAGE_SIZE = PACE.google.computePageSize;

/**
 * What toWorkerVm reads, and nothing else: a partial response (Google's X-Goog-FieldMask system
 * parameter). A whole Instance is about 5 KB of JSON with disks, service accounts, scheduling and
 * more; decoding 2,000 of them took about 0.7 s of the extension host's one thread.
 */
export const INSTANCE_FIELDS =
  'id,name,zone,status,machineType,networkInterfaces(networkIP,accessConfigs(natIP)),labels,metadata(items),' +
  'lastStartTimestamp,creationTimestamp,selfLink';

/** Per call: answer within seconds (the poller decides when to try again), and only the fields shown. */
const listCall = (mask: string) => ({
  ...PACE.google.compute,
  autoPaginate: false,
  otherArgs: { headers: { 'X-Goog-FieldMask': `${mask},nextPageToken` } },
});
const ZONE_LIST_CALL = listCall(`items(${INSTANCE_FIELDS})`);
const AGGREGATED_LIST_CALL = listCall(`items/*/instances(${INSTANCE_FIELDS})`);

export type ComputeSettings = Pick<
  RunnerOpsSettings,
  'gcpProject' | 'gcpZones' | 'instanceFilter' | 'credentials' | 'endpoints'
>;

type ClientSettings = Pick<RunnerOpsSettings, 'gcpProject' | 'credentials' | 'endpoints'>;

/** One Instances client per endpoint and credentials, for the VM list and the serial tails alike. */
const clients = new Map<string, ComputeClient<'Instances'>>();
const clientKey = (s: ClientSettings) => JSON.stringify([s.endpoints.compute, s.credentials, s.gcpProject]);

/** Looked up per call: after a close, the next call builds a fresh client (a live tail keeps working). */
export function instancesClient(settings: ClientSettings): ComputeClient<'Instances'> {
  const key = clientKey(settings);
  let client = clients.get(key);
  if (!client)
    clients.set(key, (client = computeClient('Instances', gaxOptions(settings, 'compute') as ClientOptions)));
  return client;
}

export class ComputeAdapter {
  constructor(private readonly settings: ComputeSettings) {
    instancesClient(settings); // built with the adapter, as before: its first list pays only for the request
  }

  /** The VMs matching the instance filter: per configured zone, or one aggregated list over all zones. */
  async listWorkers(listed?: (vms: WorkerVm[]) => void): Promise<WorkerVm[]> {
    const { gcpProject: project, gcpZones: zones } = this.settings;
    const filter = this.settings.instanceFilter.trim() || undefined;
    const instances = instancesClient(this.settings);
    // A page read is shown while the next ones load.
    const found: WorkerVm[] = [];
    const add = (instance: Instance) => {
      found.push(toWorkerVm(instance));
      if (found.length % PAGE_SIZE === 0) listed?.(found.slice());
    };
    try {
      if (zones.length > 0) {
        await Promise.all(
          zones.map(async (zone) => {
            for await (const instance of instances.listAsync(
              { project, zone, filter, maxResults: PAGE_SIZE },
              ZONE_LIST_CALL,
            ))
              add(instance);
          }),
        );
        return found;
      }
      for await (const [, scoped] of instances.aggregatedListAsync(
        { project, filter, maxResults: PAGE_SIZE },
        AGGREGATED_LIST_CALL,
      )) {
        for (const instance of scoped.instances ?? []) add(instance);
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

  /** What the VM publishes about itself under runner-ops/; null when it has nothing there (Compute answers 404). */
  async guestAttributes(vm: Pick<WorkerVm, 'zone' | 'name'>): Promise<GuestAttribute[] | null> {
    const { gcpProject: project } = this.settings;
    try {
      const [answer] = await instancesClient(this.settings).getGuestAttributes(
        { project, zone: vm.zone, instance: vm.name, queryPath: `${GUEST_NAMESPACE}/` },
        PACE.google.guestAttributes,
      );
      return (answer.queryValue?.items ?? []).map((e) => ({
        namespace: e.namespace ?? '',
        key: e.key ?? '',
        value: e.value ?? '',
      }));
    } catch (error) {
      const failure = toGcpFailure(error, {
        source: 'compute',
        rpc: 'compute.instances.getGuestAttributes',
        attempted: `read the guest attributes of ${vm.name}`,
      });
      if (failure.kind === 'not-found') return null;
      throw failure;
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

/** Reads only INSTANCE_FIELDS. */
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

type Operation = protos.google.cloud.compute.v1.IOperation;
const CALL = PACE.google.compute;

/**
 * Re-provisioning's Compute calls: read an instance, delete and insert it from a template, or
 * ask its group to recreate it. Every mutation waits for its zone operation (zoneOperations.wait)
 * and throws the operation's error in Compute's words.
 */
export class ReprovisionComputeAdapter implements ReprovisionCompute {
  private readonly operations: ComputeClient<'ZoneOperations'>;
  private readonly templatesClient: ComputeClient<'InstanceTemplates'>;
  private readonly groups: ComputeClient<'InstanceGroupManagers'>;

  constructor(private readonly settings: ComputeSettings) {
    const options = gaxOptions(settings, 'compute') as ClientOptions;
    this.operations = computeClient('ZoneOperations', options);
    this.templatesClient = computeClient('InstanceTemplates', options);
    this.groups = computeClient('InstanceGroupManagers', options);
  }

  private get project(): string {
    return this.settings.gcpProject;
  }

  private async call<T>(rpc: string, attempted: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw toGcpFailure(error, { source: 'compute', rpc, attempted });
    }
  }

  /** The call's answer, or undefined when Compute says the resource does not exist. */
  private async unlessMissing<T>(rpc: string, attempted: string, run: () => Promise<T>): Promise<T | undefined> {
    try {
      return await run();
    } catch (error) {
      const failure = toGcpFailure(error, { source: 'compute', rpc, attempted });
      if (failure.kind === 'not-found') return undefined;
      throw failure;
    }
  }

  async instance(zone: string, name: string): Promise<WorkerInstance | undefined> {
    const vm = await this.rawInstance(zone, name);
    return vm && toWorkerInstance(vm);
  }

  async templates(): Promise<string[]> {
    return this.call('compute.instanceTemplates.list', `list instance templates in ${this.project}`, async () => {
      const [list] = await this.templatesClient.list({ project: this.project }, { ...CALL, autoPaginate: true });
      return list.map((t) => t.name ?? '').filter(Boolean);
    });
  }

  templateMetadata(template: string): Promise<Array<{ key: string; value: string }> | undefined> {
    return this.unlessMissing('compute.instanceTemplates.get', `read template ${template}`, async () => {
      const [t] = await this.templatesClient.get({ project: this.project, instanceTemplate: template }, CALL);
      return (t.properties?.metadata?.items ?? []).map((i) => ({ key: i.key ?? '', value: i.value ?? '' }));
    });
  }

  groupTemplate(zone: string, group: string): Promise<string | undefined> {
    return this.unlessMissing('compute.instanceGroupManagers.get', `read group ${group}`, async () => {
      const [igm] = await this.groups.get({ project: this.project, zone, instanceGroupManager: group }, CALL);
      return lastSegment(igm.versions?.[0]?.instanceTemplate ?? igm.instanceTemplate);
    });
  }

  async deleteInstance(zone: string, name: string): Promise<void> {
    const [lro] = await this.call('compute.instances.delete', `delete ${name}`, () =>
      instancesClient(this.settings).delete({ project: this.project, zone, instance: name }, CALL),
    );
    await this.waitFor(zone, lro.latestResponse as Operation, `deleting ${name}`);
  }

  async insertFromTemplate(
    zone: string,
    name: string,
    template: string,
    keep: Pick<WorkerInstance, 'labels' | 'metadata'>,
  ): Promise<void> {
    const [lro] = await this.call('compute.instances.insert', `insert ${name}`, () =>
      instancesClient(this.settings).insert(
        {
          project: this.project,
          zone,
          sourceInstanceTemplate: `global/instanceTemplates/${template}`,
          instanceResource: { name, labels: keep.labels, metadata: { items: keep.metadata } },
        },
        CALL,
      ),
    );
    await this.waitFor(zone, lro.latestResponse as Operation, `inserting ${name} from ${template}`);
  }

  async recreateInGroup(zone: string, group: string, name: string): Promise<void> {
    const [lro] = await this.call('compute.instanceGroupManagers.recreateInstances', `recreate ${name}`, () =>
      this.groups.recreateInstances(
        {
          project: this.project,
          zone,
          instanceGroupManager: group,
          instanceGroupManagersRecreateInstancesRequestResource: { instances: [`zones/${zone}/instances/${name}`] },
        },
        CALL,
      ),
    );
    await this.waitFor(zone, lro.latestResponse as Operation, `recreating ${name} in ${group}`);
  }

  async claim(zone: string, name: string, instanceId: string, runId: string): Promise<Claim> {
    for (;;) {
      const vm = await this.rawInstance(zone, name);
      if (!vm || String(vm.id) !== instanceId) return { kind: 'replaced', instanceId: vm ? String(vm.id) : undefined };
      const holder = vm.labels?.[CLAIM_LABEL];
      if (holder === runId) return { kind: 'claimed' };
      if (holder) return { kind: 'held', by: holder };
      // A 412 means the labels changed since the read (another run's claim?): read again and look.
      if (await this.setLabels(zone, vm, { ...vm.labels, [CLAIM_LABEL]: runId })) return { kind: 'claimed' };
    }
  }

  async release(zone: string, name: string, runId: string): Promise<void> {
    for (;;) {
      const vm = await this.rawInstance(zone, name);
      if (!vm || vm.labels?.[CLAIM_LABEL] !== runId) return;
      const { [CLAIM_LABEL]: _released, ...labels } = vm.labels;
      if (await this.setLabels(zone, vm, labels)) return;
    }
  }

  private rawInstance(zone: string, name: string) {
    return this.unlessMissing('compute.instances.get', `read ${name}`, async () => {
      const [vm] = await instancesClient(this.settings).get({ project: this.project, zone, instance: name }, CALL);
      return vm;
    });
  }

  /** setLabels under the fingerprint read with `vm`; false when that fingerprint no longer holds. */
  private async setLabels(zone: string, vm: protos.google.cloud.compute.v1.IInstance, labels: Record<string, string>) {
    const name = vm.name ?? '';
    try {
      const [lro] = await this.call('compute.instances.setLabels', `label ${name}`, () =>
        instancesClient(this.settings).setLabels(
          {
            project: this.project,
            zone,
            instance: name,
            instancesSetLabelsRequestResource: { labels, labelFingerprint: vm.labelFingerprint },
          },
          CALL,
        ),
      );
      await this.waitFor(zone, lro.latestResponse as Operation, `labelling ${name}`);
      return true;
    } catch (error) {
      if (isFailure(error) && (error.kind === 'conflict' || error.kind === 'precondition')) return false;
      throw error;
    }
  }

  async serial(zone: string, name: string, start: number): Promise<{ contents: string; next: number }> {
    const read = await serialSource(this.settings, { project: this.project, zone, name }).read(1, start);
    return { contents: read.contents, next: read.next };
  }

  /** zoneOperations.wait until DONE (it answers within about 2 minutes either way); the operation's error thrown. */
  private async waitFor(zone: string, started: Operation, doing: string): Promise<void> {
    let op = started;
    while (op.status !== 'DONE') {
      const name = op.name ?? '';
      [op] = await this.call('compute.zoneOperations.wait', `wait for ${doing}`, () =>
        this.operations.wait({ project: this.project, zone, operation: name }, PACE.google.operationWait),
      );
    }
    const errors = op.error?.errors ?? [];
    if (errors.length) {
      const what = errors.map((e) => `${e.code}: ${e.message}`).join('; ');
      throw new Error(
        `Compute failed ${doing} (${op.httpErrorStatusCode ?? ''} ${op.httpErrorMessage ?? ''}): ${what}`.replace(
          ' ( ) ',
          ' ',
        ),
      );
    }
  }

  close(): Promise<void> {
    return Promise.all([this.operations.close(), this.templatesClient.close(), this.groups.close()]).then(
      () => undefined,
    );
  }
}

const COMPUTE_METADATA = new Set(['instance-template', 'created-by']);

export function toWorkerInstance(instance: Instance): WorkerInstance {
  const vm = toWorkerVm(instance);
  const items = (instance.metadata?.items ?? []).map((i) => ({ key: i.key ?? '', value: i.value ?? '' }));
  return {
    id: vm.id,
    name: vm.name,
    zone: vm.zone,
    status: vm.status,
    internalIp: vm.internalIp,
    labels: vm.labels,
    metadata: items.filter((i) => !COMPUTE_METADATA.has(i.key)),
    group: vm.instanceGroup,
    template: lastSegment(items.find((i) => i.key === 'instance-template')?.value) || undefined,
  };
}
