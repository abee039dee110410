// Cloud Storage buckets and objects with generations, metagenerations, versioning and preconditions.
import type { GoogleContext } from './context';
import { crc32cBase64, md5Base64 } from './checksums';
import { legacyError, storageConditionNotMet } from './errors';

export interface StoredObject {
  bucket: string;
  name: string;
  generation: string;
  metageneration: number;
  data: Buffer;
  contentType: string;
  metadata?: Record<string, string>;
  createdAt: number;
  updatedAt: number;
  deletedAt?: number; // set when the generation became noncurrent
  md5Hash: string;
  crc32c: string;
}

export interface Bucket {
  name: string;
  project: string;
  projectNumber: string;
  createdAt: number;
  updatedAt: number;
  metageneration: number;
  location: string;
  storageClass: string;
  versioning: boolean;
  /** iamConfiguration.uniformBucketLevelAccess: when it was turned on (undefined: off). */
  uniformAccessSince?: number;
  /** iamConfiguration.publicAccessPrevention: 'inherited' (the default) or 'enforced'. */
  publicAccessPrevention: 'inherited' | 'enforced';
  labels: Record<string, string>;
  /** Every kept generation of each object name, oldest first. */
  objects: Map<string, StoredObject[]>;
}

/** Uniform bucket-level access can be turned off again for 90 days after it was turned on. */
export const UNIFORM_LOCK_MS = 90 * 86_400_000;

export interface IamConfigurationInput {
  uniformBucketLevelAccess?: { enabled?: boolean };
  bucketPolicyOnly?: { enabled?: boolean };
  publicAccessPrevention?: string;
}

export interface Preconditions {
  ifGenerationMatch?: string;
  ifGenerationNotMatch?: string;
  ifMetagenerationMatch?: string;
  ifMetagenerationNotMatch?: string;
}

export class StorageState {
  readonly buckets = new Map<string, Bucket>();
  private lastGeneration = 0;

  constructor(private readonly ctx: GoogleContext) {}

  createBucket(
    project: string,
    name: string,
    opts: {
      location?: string;
      versioning?: boolean;
      storageClass?: string;
      labels?: Record<string, string>;
      uniformAccess?: boolean;
      publicAccessPrevention?: 'inherited' | 'enforced';
    } = {},
  ): Bucket {
    if (!/^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$/.test(name))
      throw legacyError(400, 'Invalid bucket name: ' + `'${name}'`, 'invalid');
    const existing = this.buckets.get(name);
    if (existing) {
      throw existing.project === project
        ? legacyError(
            409,
            'Your previous request to create the named bucket succeeded and you already own it.',
            'conflict',
          )
        : legacyError(
            409,
            'The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.',
            'conflict',
          );
    }
    const now = this.ctx.now();
    const bucket: Bucket = {
      name,
      project,
      projectNumber: projectNumber(project),
      createdAt: now,
      updatedAt: now,
      metageneration: 1,
      location: (opts.location ?? 'US').toUpperCase(),
      storageClass: opts.storageClass ?? 'STANDARD',
      versioning: opts.versioning ?? false,
      uniformAccessSince: opts.uniformAccess ? now : undefined,
      publicAccessPrevention: opts.publicAccessPrevention ?? 'inherited',
      labels: opts.labels ?? {},
      objects: new Map(),
    };
    this.buckets.set(name, bucket);
    return bucket;
  }

  /** Applies a request's iamConfiguration (insert or patch), validated as the JSON API does. */
  setIamConfiguration(bucket: Bucket, config: IamConfigurationInput | undefined): void {
    if (!config) return;
    const uniform = config.uniformBucketLevelAccess?.enabled ?? config.bucketPolicyOnly?.enabled;
    if (uniform === true && bucket.uniformAccessSince === undefined) bucket.uniformAccessSince = this.ctx.now();
    if (uniform === false && bucket.uniformAccessSince !== undefined) {
      // Uniform access can be turned off only within 90 days of turning it on.
      if (this.ctx.now() > bucket.uniformAccessSince + UNIFORM_LOCK_MS)
        throw legacyError(
          400,
          'Cannot disable uniform bucket-level access after the lock time has passed.',
          'uniformBucketLevelAccessLocked',
        );
      bucket.uniformAccessSince = undefined;
    }
    const prevention = config.publicAccessPrevention;
    if (prevention === undefined) return;
    if (prevention !== 'inherited' && prevention !== 'enforced' && prevention !== 'unspecified')
      throw legacyError(400, `Invalid argument: publicAccessPrevention ${JSON.stringify(prevention)}`, 'invalid');
    bucket.publicAccessPrevention = prevention === 'enforced' ? 'enforced' : 'inherited';
  }

  bucket(name: string): Bucket {
    const bucket = this.buckets.get(name);
    if (!bucket) throw legacyError(404, 'The specified bucket does not exist.', 'notFound');
    return bucket;
  }

  live(bucket: Bucket, name: string): StoredObject | undefined {
    const generations = bucket.objects.get(name);
    const last = generations?.[generations.length - 1];
    return last && last.deletedAt === undefined ? last : undefined;
  }

  /** A specific generation (live or noncurrent), or the live one. 404 when absent. */
  find(bucket: Bucket, name: string, generation?: string | null): StoredObject {
    const found = generation
      ? bucket.objects.get(name)?.find((o) => o.generation === generation)
      : this.live(bucket, name);
    if (!found) throw legacyError(404, `No such object: ${bucket.name}/${name}`, 'notFound');
    return found;
  }

  checkPreconditions(target: StoredObject | undefined, pre: Preconditions): void {
    const generation = target?.generation ?? '0';
    const metageneration = target ? String(target.metageneration) : undefined;
    const failed =
      (pre.ifGenerationMatch !== undefined && pre.ifGenerationMatch !== generation) ||
      (pre.ifGenerationNotMatch !== undefined && pre.ifGenerationNotMatch === generation) ||
      (pre.ifMetagenerationMatch !== undefined && pre.ifMetagenerationMatch !== metageneration) ||
      (pre.ifMetagenerationNotMatch !== undefined && pre.ifMetagenerationNotMatch === metageneration);
    if (failed) throw storageConditionNotMet();
  }

  write(
    bucket: Bucket,
    name: string,
    data: Buffer,
    opts: { contentType?: string; metadata?: Record<string, string>; preconditions?: Preconditions } = {},
  ): StoredObject {
    const current = this.live(bucket, name);
    this.checkPreconditions(current, opts.preconditions ?? {});
    const now = this.ctx.now();
    const object: StoredObject = {
      bucket: bucket.name,
      name,
      generation: this.nextGeneration(now),
      metageneration: 1,
      data,
      contentType: opts.contentType ?? 'application/octet-stream',
      metadata: opts.metadata,
      createdAt: now,
      updatedAt: now,
      md5Hash: md5Base64(data),
      crc32c: crc32cBase64(data),
    };
    const generations = bucket.objects.get(name) ?? [];
    this.retire(bucket, generations, now);
    generations.push(object);
    bucket.objects.set(name, generations);
    return object;
  }

  /** Without `generation` the live object goes (kept as noncurrent when versioning is on). */
  delete(bucket: Bucket, name: string, generation: string | null, pre: Preconditions): void {
    const target = this.find(bucket, name, generation);
    this.checkPreconditions(target, pre);
    const generations = bucket.objects.get(name)!;
    if (generation) {
      generations.splice(generations.indexOf(target), 1);
    } else {
      this.retire(bucket, generations, this.ctx.now());
    }
    if (generations.length === 0) bucket.objects.delete(name);
  }

  /** The live generation stops being live: noncurrent with versioning, gone without. */
  private retire(bucket: Bucket, generations: StoredObject[], now: number): void {
    const last = generations[generations.length - 1];
    if (!last || last.deletedAt !== undefined) return;
    if (bucket.versioning) last.deletedAt = now;
    else generations.pop();
  }

  /** Microseconds since the epoch, strictly increasing, as GCS generations are. */
  private nextGeneration(nowMs: number): string {
    this.lastGeneration = Math.max(this.lastGeneration + 1, nowMs * 1000);
    return String(this.lastGeneration);
  }
}

export function projectNumber(project: string): string {
  let hash = 0;
  for (const c of project) hash = (hash * 31 + c.charCodeAt(0)) >>> 0;
  return String(100_000_000_000 + (hash % 900_000_000_000));
}
