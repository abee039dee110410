// Read-only calls the bootstrap checklist makes: get the key ring and key from Cloud KMS, the
// bucket and the object names under the prefix from Cloud Storage. Not found is `undefined`,
// anything else throws a GcpFailure. Loaded lazily (src/lazy.ts) as its own bundle.
import { KeyManagementServiceClient } from '@google-cloud/kms';
import { Storage, type StorageOptions } from '@google-cloud/storage';
import { PassThroughClient } from 'google-auth-library';
import type { RunnerOpsSettings } from '../config/settings';
import type { GoogleProbes, KeyFacts } from '../core/checklist';
import { PACE } from '../core/pace';
import { gaxOptions } from './client-options';
import { toGcpFailure } from './gcp-failure';

/** Answer within seconds: the checklist is run on demand and says what failed. */
const CALL = PACE.google.checklist;
const NOT_FOUND = 5;

export type ChecklistSettings = Pick<RunnerOpsSettings, 'gcpProject' | 'credentials' | 'endpoints'>;

const enumName = (value: unknown, names: Record<number, string>): string =>
  typeof value === 'number' ? (names[value] ?? String(value)) : String(value ?? 'UNSPECIFIED');
const PURPOSES: Record<number, string> = {
  0: 'CRYPTO_KEY_PURPOSE_UNSPECIFIED',
  1: 'ENCRYPT_DECRYPT',
  5: 'ASYMMETRIC_SIGN',
  6: 'ASYMMETRIC_DECRYPT',
  7: 'RAW_ENCRYPT_DECRYPT',
  9: 'MAC',
};
const STATES: Record<number, string> = {
  0: 'CRYPTO_KEY_VERSION_STATE_UNSPECIFIED',
  1: 'ENABLED',
  2: 'DISABLED',
  3: 'DESTROYED',
  4: 'DESTROY_SCHEDULED',
  5: 'PENDING_GENERATION',
  6: 'PENDING_IMPORT',
  7: 'IMPORT_FAILED',
};

const seconds = (d: { seconds?: unknown; nanos?: unknown } | null | undefined): number | undefined => {
  if (!d || d.seconds === undefined || d.seconds === null) return undefined;
  const s = Number(d.seconds);
  return Number.isFinite(s) && s > 0 ? s : undefined;
};

export class ChecklistAdapter implements GoogleProbes {
  private readonly kms: KeyManagementServiceClient;
  private readonly storage: Storage;

  constructor(settings: ChecklistSettings) {
    this.kms = new KeyManagementServiceClient(gaxOptions(settings, 'kms'));
    const endpoint = settings.endpoints.storage?.trim();
    this.storage = new Storage({
      projectId: settings.gcpProject || undefined,
      ...(endpoint ? { apiEndpoint: endpoint.includes('://') ? endpoint : `https://${endpoint}` } : {}),
      ...(settings.credentials === 'none'
        ? { authClient: new PassThroughClient() as unknown as StorageOptions['authClient'] }
        : {}),
      retryOptions: { maxRetries: CALL.maxRetries, totalTimeout: CALL.timeout / 1000 },
    });
  }

  async keyRing(name: string): Promise<boolean> {
    try {
      await this.kms.getKeyRing({ name }, CALL);
      return true;
    } catch (e) {
      if ((e as { code?: number }).code === NOT_FOUND) return false;
      throw toGcpFailure(e, 'kms', `get key ring ${name}`);
    }
  }

  async ping(project: string): Promise<void> {
    const parent = `projects/${project}/locations/global`;
    try {
      await this.kms.listKeyRings({ parent, pageSize: 1 }, { ...CALL, autoPaginate: false });
    } catch (e) {
      throw toGcpFailure(e, 'kms', `list key rings in ${parent}`);
    }
  }

  async key(name: string): Promise<KeyFacts | undefined> {
    try {
      const [key] = await this.kms.getCryptoKey({ name }, CALL);
      return {
        purpose: enumName(key.purpose, PURPOSES),
        rotationPeriodSec: seconds(key.rotationPeriod),
        nextRotationTime:
          seconds(key.nextRotationTime) === undefined ? undefined : seconds(key.nextRotationTime)! * 1000,
        primary: key.primary?.name ? { name: key.primary.name, state: enumName(key.primary.state, STATES) } : undefined,
      };
    } catch (e) {
      if ((e as { code?: number }).code === NOT_FOUND) return undefined;
      throw toGcpFailure(e, 'kms', `get key ${name}`);
    }
  }

  async bucket(name: string): Promise<{ versioning: boolean } | undefined> {
    try {
      const [metadata] = await this.storage.bucket(name).getMetadata();
      return { versioning: metadata.versioning?.enabled === true };
    } catch (e) {
      if ((e as { code?: number }).code === 404) return undefined;
      throw storageFailure(e, `read bucket gs://${name}`);
    }
  }

  async objects(bucket: string, prefix: string): Promise<string[]> {
    try {
      const [files] = await this.storage
        .bucket(bucket)
        .getFiles({ prefix: prefix || undefined, autoPaginate: false, maxResults: PACE.google.checklistMaxObjects });
      return files.map((f) => f.name);
    } catch (e) {
      throw storageFailure(e, `list gs://${bucket}/${prefix}`);
    }
  }

  async close(): Promise<void> {
    await this.kms.close();
  }
}

/** Storage errors carry an HTTP status; map the ones gcp-failure knows by their gRPC twin. */
function storageFailure(e: unknown, attempted: string) {
  const status = (e as { code?: number }).code;
  const grpc = status === 403 ? 7 : status === 401 ? 16 : status === 429 ? 8 : status === 400 ? 3 : undefined;
  return toGcpFailure(
    grpc === undefined
      ? e
      : Object.assign(Object.create(Object.getPrototypeOf(e) as object) as object, e as object, {
          code: grpc,
          message: (e as Error).message,
        }),
    'storage',
    attempted,
  );
}
