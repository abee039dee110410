// Turning Compute request bodies (an Instance, or a template's properties) into a VmSpec.
import { computeInvalid } from '../errors';
import { fingerprint, type MetadataItem, type VmSpec } from './model';

const NAME = /^[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?$/;

export function validateName(name: unknown, field = 'resource.name'): string {
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw computeInvalid(
      `Invalid value for field '${field}': '${String(name ?? '')}'. Must be a match of regex '(?:[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?)'`,
    );
  }
  return name;
}

export function validateZone(zone: string): void {
  if (!/^[a-z]+-[a-z]+\d+-[a-z]$/.test(zone))
    throw computeInvalid(`Invalid value for field 'zone': '${zone}'. Unknown zone.`);
}

interface InstanceBody {
  name?: string;
  description?: string;
  machineType?: string;
  labels?: Record<string, string>;
  metadata?: { items?: MetadataItem[] };
  tags?: { items?: string[] };
  serviceAccounts?: Array<{ email?: string; scopes?: string[] }>;
  disks?: Array<{ boot?: boolean; initializeParams?: { sourceImage?: string; diskSizeGb?: string | number } }>;
  networkInterfaces?: Array<{ accessConfigs?: unknown[] }>;
}

/**
 * Fields present in `body` override `base` (a template's spec). Empty maps and lists count as
 * absent: proto3 JSON cannot tell them apart, and the gax client always sends `labels: {}`.
 */
export function specFrom(body: InstanceBody, base?: VmSpec): VmSpec {
  const machineType = body.machineType ? body.machineType.split('/').pop()! : base?.machineType;
  if (!machineType)
    throw computeInvalid("Invalid value for field 'resource.machineType': ''. Machine type cannot be empty.");
  const bootDisk = body.disks?.find((d) => d.boot) ?? body.disks?.[0];
  const labels = nonEmpty(body.labels) ?? base?.labels ?? {};
  for (const [k, v] of Object.entries(labels)) {
    if (!/^[a-z][a-z0-9_-]{0,62}$/.test(k) || !/^[a-z0-9_-]{0,63}$/.test(v)) {
      throw computeInvalid(
        `Invalid value for field 'resource.labels': '${k}'. Label keys and values must match the allowed pattern.`,
      );
    }
  }
  return {
    machineType,
    labels: { ...labels },
    metadata: nonEmpty(body.metadata?.items)?.map((i) => ({ key: i.key, value: i.value ?? '' })) ?? [
      ...(base?.metadata ?? []),
    ],
    tags: nonEmpty(body.tags?.items) ?? [...(base?.tags ?? [])],
    serviceAccounts: nonEmpty(body.serviceAccounts)?.map((s) => ({
      email: s.email ?? 'default',
      scopes: s.scopes ?? [],
    })) ?? [...(base?.serviceAccounts ?? [])],
    diskSizeGb: Number(bootDisk?.initializeParams?.diskSizeGb ?? base?.diskSizeGb ?? 10),
    sourceImage:
      bootDisk?.initializeParams?.sourceImage ??
      base?.sourceImage ??
      'projects/debian-cloud/global/images/family/debian-12',
    externalIp: body.networkInterfaces
      ? (body.networkInterfaces[0]?.accessConfigs?.length ?? 0) > 0
      : (base?.externalIp ?? false),
    description: body.description ?? base?.description ?? '',
  };
}

export const metadataFingerprint = (items: MetadataItem[]): string => fingerprint(items);

function nonEmpty<T>(value: T[] | undefined): T[] | undefined;
function nonEmpty<T extends object>(value: T | undefined): T | undefined;
function nonEmpty(value: unknown): unknown {
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) return value.length ? value : undefined;
  return Object.keys(value as object).length ? value : undefined;
}
