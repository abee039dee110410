// The Cloud Storage adapter for the Secrets view: the bucket's versioning, every generation of
// the objects under the prefix, and a download of one generation. Loaded lazily, in the secrets
// bundle (src/gcp/secrets-bundle.ts), never at activation.
import { Storage } from '@google-cloud/storage';
import { PassThroughClient } from 'google-auth-library';
import type { RunnerOpsSettings } from '../config/settings';
import { realClock, type Clock } from '../core/clock';
import { withDeadline } from '../core/deadline';
import { PACE } from '../core/pace';
import type { SecretGeneration, SecretsBucket } from '../core/secrets';
import { toGcpFailure } from './gcp-failure';

export type StorageSettings = Pick<RunnerOpsSettings, 'gcpProject' | 'credentials' | 'endpoints' | 'secretsBucket'>;

/** Answer within seconds; the user refreshes to try again. */
const { timeoutMs, maxRetries, pageSize } = PACE.google.storage;

export function storageOptions(
  settings: Pick<RunnerOpsSettings, 'gcpProject' | 'credentials' | 'endpoints'>,
): ConstructorParameters<typeof Storage>[0] {
  const endpoint = settings.endpoints.storage?.trim();
  return {
    projectId: settings.gcpProject || undefined,
    // Storage takes the endpoint as a full URL (unlike the gax clients).
    apiEndpoint: endpoint
      ? (endpoint.includes('://') ? endpoint : `https://${endpoint}`).replace(/\/+$/, '')
      : undefined,
    authClient: settings.credentials === 'none' ? (new PassThroughClient() as never) : undefined,
    retryOptions: { maxRetries, totalTimeout: timeoutMs / 1000 },
  };
}

/**
 * What toGeneration reads, and nothing else: a partial response (`fields`). Each listed object
 * otherwise carries links, ACL hints, KMS and retention metadata the view never shows.
 */
export const GENERATION_FIELDS =
  'items(name,generation,size,timeCreated,updated,timeDeleted,md5Hash,crc32c,contentType),nextPageToken';

export class SecretsStorage {
  private readonly storage: Storage;

  constructor(
    private readonly settings: StorageSettings,
    private readonly clock: Clock = realClock,
  ) {
    this.storage = new Storage(storageOptions(settings));
  }

  /** The client's own timeout misses a dripping or cut-off body: each call also has a hard deadline. */
  private bounded<T>(call: Promise<T>): Promise<T> {
    return withDeadline(call, timeoutMs, this.clock);
  }

  async bucket(): Promise<SecretsBucket> {
    const name = this.settings.secretsBucket;
    try {
      const [metadata] = await this.bounded(this.storage.bucket(name).getMetadata({ timeout: timeoutMs } as never));
      return { name, versioning: Boolean(metadata.versioning?.enabled) };
    } catch (error) {
      throw toGcpFailure(error, {
        source: 'storage',
        rpc: 'storage.buckets.get',
        attempted: `read bucket gs://${name}`,
      });
    }
  }

  async listGenerations(prefix: string, listed?: (soFar: SecretGeneration[]) => void): Promise<SecretGeneration[]> {
    const name = this.settings.secretsBucket;
    try {
      const found: SecretGeneration[] = [];
      let query: Record<string, unknown> | null = {
        prefix,
        versions: true,
        maxResults: pageSize,
        autoPaginate: false,
        fields: GENERATION_FIELDS,
      };
      while (query) {
        // With `fields`, the client hands back each object's metadata as is, not a File around it.
        const [items, next] = (await this.bounded(this.storage.bucket(name).getFiles(query))) as unknown as [
          Array<Record<string, unknown>>,
          Record<string, unknown> | null,
        ];
        for (const item of items) found.push(toGeneration(item));
        query = next && next.pageToken ? next : null;
        if (query) listed?.(found.slice());
      }
      return found;
    } catch (error) {
      throw toGcpFailure(error, {
        source: 'storage',
        rpc: 'storage.objects.list',
        attempted: `list gs://${name}/${prefix}`,
      });
    }
  }

  /** One generation's bytes, checked against its stored CRC32C/MD5 by the client. */
  async download(objectName: string, generation: string): Promise<Buffer> {
    const name = this.settings.secretsBucket;
    try {
      const [data] = await this.bounded(
        this.storage.bucket(name).file(objectName, { generation }).download({ validation: 'crc32c' }),
      );
      return data;
    } catch (error) {
      throw toGcpFailure(error, {
        source: 'storage',
        rpc: 'storage.objects.get',
        attempted: `download gs://${name}/${objectName}#${generation}`,
      });
    }
  }

  /** A new current generation, written only while `ifGenerationMatch` is the current one. */
  async upload(objectName: string, data: Uint8Array, ifGenerationMatch: string): Promise<SecretGeneration> {
    const name = this.settings.secretsBucket;
    const file = this.storage.bucket(name).file(objectName);
    try {
      // Timed out, the write may still land: its precondition makes a rerun safe either way.
      await this.bounded(
        file.save(Buffer.from(data), {
          resumable: false,
          validation: 'crc32c',
          contentType: 'application/octet-stream',
          preconditionOpts: { ifGenerationMatch: Number(ifGenerationMatch) },
        }),
      );
      return toGeneration(file.metadata as Record<string, unknown>);
    } catch (error) {
      throw toGcpFailure(error, {
        source: 'storage',
        rpc: 'storage.objects.insert',
        attempted: `upload gs://${name}/${objectName}`,
      });
    }
  }

  /** Copies generation `source` over the current one (server side), with the same precondition. */
  async restore(objectName: string, source: string, ifGenerationMatch: string): Promise<SecretGeneration> {
    const name = this.settings.secretsBucket;
    const bucket = this.storage.bucket(name);
    try {
      // Secrets are small: the rewrite finishes in one call, and its answer carries the new generation.
      const [, answer] = await this.bounded(
        bucket
          .file(objectName, { generation: source })
          .copy(bucket.file(objectName), { preconditionOpts: { ifGenerationMatch: Number(ifGenerationMatch) } }),
      );
      return toGeneration((answer as { resource: Record<string, unknown> }).resource);
    } catch (error) {
      throw toGcpFailure(error, {
        source: 'storage',
        rpc: 'storage.objects.rewrite',
        attempted: `restore gs://${name}/${objectName}#${source}`,
      });
    }
  }
}

const time = (value: unknown): number => (typeof value === 'string' ? Date.parse(value) : Number.NaN);

/** Reads only GENERATION_FIELDS. */
export function toGeneration(m: Record<string, unknown>): SecretGeneration {
  const created = time(m.timeCreated);
  const updated = time(m.updated);
  const deleted = time(m.timeDeleted);
  return {
    name: String(m.name),
    generation: String(m.generation),
    size: Number(m.size ?? 0),
    createdAt: created,
    updatedAt: Number.isNaN(updated) ? created : updated,
    deletedAt: Number.isNaN(deleted) ? undefined : deleted,
    md5Hash: typeof m.md5Hash === 'string' ? m.md5Hash : undefined,
    crc32c: typeof m.crc32c === 'string' ? m.crc32c : undefined,
    contentType: typeof m.contentType === 'string' ? m.contentType : undefined,
  };
}
