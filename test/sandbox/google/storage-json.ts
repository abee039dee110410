// Cloud Storage resources as JSON API v1 returns them.
import type { GoogleContext } from './context';
import { rfc3339 } from './context';
import { UNIFORM_LOCK_MS, type Bucket, type StoredObject } from './storage-state';

export function renderObject(ctx: GoogleContext, o: StoredObject): Record<string, unknown> {
  const encoded = encodeURIComponent(o.name);
  const json: Record<string, unknown> = {
    kind: 'storage#object',
    id: `${o.bucket}/${o.name}/${o.generation}`,
    selfLink: `${ctx.baseUrl}/storage/v1/b/${o.bucket}/o/${encoded}`,
    mediaLink: `${ctx.baseUrl}/download/storage/v1/b/${o.bucket}/o/${encoded}?generation=${o.generation}&alt=media`,
    name: o.name,
    bucket: o.bucket,
    generation: o.generation,
    metageneration: String(o.metageneration),
    contentType: o.contentType,
    storageClass: 'STANDARD',
    size: String(o.data.length),
    md5Hash: o.md5Hash,
    crc32c: o.crc32c,
    etag: etagOf(o),
    timeCreated: rfc3339(o.createdAt),
    updated: rfc3339(o.updatedAt),
    timeStorageClassUpdated: rfc3339(o.createdAt),
    timeFinalized: rfc3339(o.createdAt),
  };
  if (o.metadata) json.metadata = o.metadata;
  if (o.deletedAt !== undefined) json.timeDeleted = rfc3339(o.deletedAt);
  return json;
}

export function renderBucket(ctx: GoogleContext, b: Bucket): Record<string, unknown> {
  const uniform =
    b.uniformAccessSince === undefined
      ? { enabled: false }
      : { enabled: true, lockedTime: rfc3339(b.uniformAccessSince + UNIFORM_LOCK_MS) };
  return {
    kind: 'storage#bucket',
    selfLink: `${ctx.baseUrl}/storage/v1/b/${b.name}`,
    id: b.name,
    name: b.name,
    projectNumber: b.projectNumber,
    metageneration: String(b.metageneration),
    location: b.location,
    storageClass: b.storageClass,
    etag: varintBase64([1, b.metageneration]),
    timeCreated: rfc3339(b.createdAt),
    updated: rfc3339(b.updatedAt),
    versioning: { enabled: b.versioning },
    labels: b.labels,
    iamConfiguration: {
      bucketPolicyOnly: uniform,
      uniformBucketLevelAccess: uniform,
      publicAccessPrevention: b.publicAccessPrevention,
    },
    locationType: b.location.includes('-') ? 'region' : 'multi-region',
    softDeletePolicy: { retentionDurationSeconds: '604800', effectiveTime: rfc3339(b.createdAt) },
    rpo: 'DEFAULT',
  };
}

/** GCS etags are a base64 protobuf of (generation, metageneration). */
export function etagOf(o: StoredObject): string {
  return varintBase64([Number(o.generation), o.metageneration]);
}

function varintBase64(fields: number[]): string {
  const bytes: number[] = [];
  fields.forEach((value, i) => {
    bytes.push(((i + 1) << 3) | 0);
    let v = BigInt(value);
    do {
      const low = Number(v & 0x7fn);
      v >>= 7n;
      bytes.push(v > 0n ? low | 0x80 : low);
    } while (v > 0n);
  });
  return Buffer.from(bytes).toString('base64');
}
