// Compute Engine resources as the sandbox keeps them, and their REST JSON (compute v1).
import type { GoogleContext } from '../context';
import { hashBase64 } from '../hash';
import { rfc3339 } from '../context';
import type { SerialPort } from './serial';

export type VmStatus = 'PROVISIONING' | 'STAGING' | 'RUNNING' | 'STOPPING' | 'TERMINATED';

export interface MetadataItem {
  key: string;
  value: string;
}

/** What an instance is made from: a template's `properties` or an insert body. */
export interface VmSpec {
  machineType: string; // short name, e.g. e2-standard-2
  labels: Record<string, string>;
  metadata: MetadataItem[];
  tags: string[];
  serviceAccounts: Array<{ email: string; scopes: string[] }>;
  diskSizeGb: number;
  sourceImage: string;
  externalIp: boolean;
  description: string;
}

/** Inside the guest, as far as the sandbox imagines it, and the guest attributes it wrote. */
export interface GuestState {
  /** Running containers besides gitlab-runner, with the job id label of the job that started them. */
  containers: Array<{ name: string; jobId?: number }>;
  diskUsedPercent: number;
  /** Guest attributes written through the metadata server: `namespace/key` -> value. */
  attributes: Map<string, string>;
}

export interface Vm {
  project: string;
  zone: string;
  name: string;
  id: string;
  createdAt: number;
  spec: VmSpec;
  status: VmStatus;
  networkIP: string;
  natIP?: string;
  labelFingerprint: string;
  metadataFingerprint: string;
  lastStartAt?: number;
  lastStopAt?: number;
  /** Serial ports 1-4; replaced on every boot. */
  serial: Map<number, SerialPort>;
  /** The gitlab-runner system_id: stable for the boot disk, i.e. this instance's lifetime. */
  systemId: string;
  /** Bumped on each boot/stop so timed steps of an earlier boot become no-ops. */
  bootGeneration: number;
  guest: GuestState;
  /** Set when a managed instance group owns the VM. */
  createdBy?: string;
  sourceInstanceTemplate?: string;
}

export const vmKey = (project: string, zone: string, name: string): string => `${project}/${zone}/${name}`;

export const regionOf = (zone: string): string => zone.replace(/-[a-z]$/, '');

export function fingerprint(value: unknown): string {
  return hashBase64(JSON.stringify(value));
}

export function computeLinks(ctx: GoogleContext, project: string) {
  const root = `${ctx.baseUrl}/compute/v1/projects/${project}`;
  return {
    project: root,
    zone: (zone: string) => `${root}/zones/${zone}`,
    instance: (zone: string, name: string) => `${root}/zones/${zone}/instances/${name}`,
    machineType: (zone: string, type: string) => `${root}/zones/${zone}/machineTypes/${type}`,
    disk: (zone: string, name: string) => `${root}/zones/${zone}/disks/${name}`,
    template: (name: string) => `${root}/global/instanceTemplates/${name}`,
    network: `${root}/global/networks/default`,
    subnetwork: (zone: string) => `${root}/regions/${regionOf(zone)}/subnetworks/default`,
    operation: (zone: string, name: string) => `${root}/zones/${zone}/operations/${name}`,
    igm: (zone: string, name: string) => `${root}/zones/${zone}/instanceGroupManagers/${name}`,
    instanceGroup: (zone: string, name: string) => `${root}/zones/${zone}/instanceGroups/${name}`,
  };
}

const IMAGE_LICENSE = 'https://www.googleapis.com/compute/v1/projects/debian-cloud/global/licenses/debian-12-bookworm';

/**
 * Rendered JSON per VM, reused while nothing it shows has changed: a 2,000-VM aggregated list
 * renders every VM to evaluate the filter, page after page.
 */
const rendered = new WeakMap<Vm, { key: string; json: Record<string, unknown> }>();

export function renderVm(ctx: GoogleContext, vm: Vm): Record<string, unknown> {
  const key = [
    ctx.baseUrl,
    vm.status,
    vm.labelFingerprint,
    vm.metadataFingerprint,
    vm.lastStartAt,
    vm.lastStopAt,
    vm.natIP,
    vm.networkIP,
  ].join('|');
  const cached = rendered.get(vm);
  if (cached?.key === key) return cached.json;
  const json = buildVmJson(ctx, vm);
  rendered.set(vm, { key, json });
  return json;
}

function buildVmJson(ctx: GoogleContext, vm: Vm): Record<string, unknown> {
  const links = computeLinks(ctx, vm.project);
  const metadataItems = [...vm.spec.metadata];
  if (vm.createdBy) {
    metadataItems.push({ key: 'instance-template', value: vm.sourceInstanceTemplate ?? '' });
    metadataItems.push({ key: 'created-by', value: vm.createdBy });
  }
  const json: Record<string, unknown> = {
    kind: 'compute#instance',
    id: vm.id,
    creationTimestamp: rfc3339(vm.createdAt),
    name: vm.name,
    description: vm.spec.description,
    tags: { items: vm.spec.tags, fingerprint: fingerprint(vm.spec.tags) },
    machineType: links.machineType(vm.zone, vm.spec.machineType),
    status: vm.status,
    zone: links.zone(vm.zone),
    canIpForward: false,
    networkInterfaces: [
      {
        kind: 'compute#networkInterface',
        network: links.network,
        subnetwork: links.subnetwork(vm.zone),
        networkIP: vm.networkIP,
        name: 'nic0',
        accessConfigs: vm.spec.externalIp
          ? [
              {
                kind: 'compute#accessConfig',
                type: 'ONE_TO_ONE_NAT',
                name: 'External NAT',
                // A stopped VM releases its ephemeral external address.
                ...(vm.natIP && vm.status !== 'TERMINATED' ? { natIP: vm.natIP } : {}),
                networkTier: 'PREMIUM',
              },
            ]
          : [],
        fingerprint: fingerprint([vm.networkIP, vm.natIP]),
        stackType: 'IPV4_ONLY',
      },
    ],
    disks: [
      {
        kind: 'compute#attachedDisk',
        type: 'PERSISTENT',
        mode: 'READ_WRITE',
        source: links.disk(vm.zone, vm.name),
        deviceName: 'persistent-disk-0',
        index: 0,
        boot: true,
        autoDelete: true,
        licenses: [IMAGE_LICENSE],
        interface: 'SCSI',
        guestOsFeatures: [{ type: 'UEFI_COMPATIBLE' }, { type: 'VIRTIO_SCSI_MULTIQUEUE' }, { type: 'GVNIC' }],
        diskSizeGb: String(vm.spec.diskSizeGb),
        architecture: 'X86_64',
      },
    ],
    metadata: { kind: 'compute#metadata', fingerprint: vm.metadataFingerprint, items: metadataItems },
    serviceAccounts: vm.spec.serviceAccounts,
    selfLink: links.instance(vm.zone, vm.name),
    scheduling: {
      onHostMaintenance: 'MIGRATE',
      automaticRestart: true,
      preemptible: false,
      provisioningModel: 'STANDARD',
    },
    cpuPlatform: vm.status === 'RUNNING' ? 'Intel Broadwell' : 'Unknown CPU Platform',
    labels: vm.spec.labels,
    labelFingerprint: vm.labelFingerprint,
    startRestricted: false,
    deletionProtection: false,
    shieldedInstanceConfig: { enableSecureBoot: false, enableVtpm: true, enableIntegrityMonitoring: true },
    shieldedInstanceIntegrityPolicy: { updateAutoLearnPolicy: true },
    fingerprint: fingerprint([vm.id, vm.status, vm.spec.labels, vm.metadataFingerprint]),
    satisfiesPzi: true,
  };
  if (vm.lastStartAt !== undefined) json.lastStartTimestamp = rfc3339(vm.lastStartAt);
  if (vm.lastStopAt !== undefined) json.lastStopTimestamp = rfc3339(vm.lastStopAt);
  return json;
}
