// Read-only calls the bootstrap checklist makes: get the key ring and key from Cloud KMS, the
// bucket and the object names under the prefix from Cloud Storage, and a decrypt check of a
// secret through the Secrets view's port (plaintext discarded there). Not found is `undefined`,
// anything else throws a Failure. Loaded lazily (src/lazy.ts), in the secrets bundle.
import { KeyManagementServiceClient } from './kms-client';
import { Storage, type StorageOptions } from '@google-cloud/storage';
import { PassThroughClient } from 'google-auth-library';
import type { RunnerOpsSettings } from '../config/settings';
import {
  isConfigObject,
  type BucketFacts,
  type GoogleProbes,
  type KeyFacts,
  type StoredObject,
} from '../core/checklist';
import { checkRunnerConfig, parseRunnerConfig, type ConfigFacts, type ParsedConfig } from '../core/runner-config-check';
import type { Failure } from '../core/failures';
import type { PermissionTarget } from '../core/gcp-permissions';
import { withDeadline } from '../core/deadline';
import { PACE } from '../core/pace';
import type { SecretsPort, VerifyResult } from '../core/secrets';
import { gaxOptions } from './client-options';
import { enumName, VERSION_STATES } from './kms-key';
import { toGcpFailure } from './gcp-failure';
import { secretsPort } from './secrets-port';

/** Answer within seconds: the checklist is run on demand and says what failed. */
const CALL = PACE.google.checklist;

export type ChecklistSettings = Pick<RunnerOpsSettings, 'gcpProject' | 'credentials' | 'endpoints' | 'gitlabUrl'>;

const PURPOSES: Record<number, string> = {
  0: 'CRYPTO_KEY_PURPOSE_UNSPECIFIED',
  1: 'ENCRYPT_DECRYPT',
  5: 'ASYMMETRIC_SIGN',
  6: 'ASYMMETRIC_DECRYPT',
  7: 'RAW_ENCRYPT_DECRYPT',
  9: 'MAC',
};

const seconds = (d: { seconds?: unknown; nanos?: unknown } | null | undefined): number | undefined => {
  if (!d || d.seconds === undefined || d.seconds === null) return undefined;
  const s = Number(d.seconds);
  return Number.isFinite(s) && s > 0 ? s : undefined;
};

export class ChecklistAdapter implements GoogleProbes {
  private readonly kms: KeyManagementServiceClient;
  private readonly storage: Storage;
  /** One port per bucket and key, made on the first decrypt check. */
  private readonly secrets = new Map<string, SecretsPort>();
  /**
   * Each config.toml as its decrypt check parsed it (never the plaintext), until runnerConfig
   * takes it: one download and one decrypt per file, not two. Dropped at close().
   */
  private readonly configsRead = new Map<string, ParsedConfig>();

  /**
   * `verifyToken`: asks the configured GitLab whether it accepts a runner token (POST /runners/verify);
   * without it, config.toml files are not read.
   */
  constructor(
    private readonly settings: ChecklistSettings,
    private readonly verifyToken?: (token: string) => Promise<boolean>,
  ) {
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
      return notFound(
        toGcpFailure(e, { source: 'kms', rpc: 'cloudkms.keyRings.get', attempted: `get key ring ${name}` }),
        false,
      );
    }
  }

  async ping(project: string): Promise<void> {
    const parent = `projects/${project}/locations/global`;
    try {
      await this.kms.listKeyRings({ parent, pageSize: 1 }, { ...CALL, autoPaginate: false });
    } catch (e) {
      throw toGcpFailure(e, { source: 'kms', rpc: 'cloudkms.keyRings.list', attempted: `list key rings in ${parent}` });
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
        primary: key.primary?.name
          ? { name: key.primary.name, state: enumName(key.primary.state, VERSION_STATES) }
          : undefined,
      };
    } catch (e) {
      return notFound(
        toGcpFailure(e, { source: 'kms', rpc: 'cloudkms.cryptoKeys.get', attempted: `get key ${name}` }),
        undefined,
      );
    }
  }

  async bucket(name: string): Promise<BucketFacts | undefined> {
    try {
      const [metadata] = await withDeadline(this.storage.bucket(name).getMetadata(), CALL.timeout);
      return {
        versioning: metadata.versioning?.enabled === true,
        uniformAccess: metadata.iamConfiguration?.uniformBucketLevelAccess?.enabled === true,
        publicAccessPrevention: metadata.iamConfiguration?.publicAccessPrevention ?? 'inherited',
      };
    } catch (e) {
      return notFound(
        toGcpFailure(e, { source: 'storage', rpc: 'storage.buckets.get', attempted: `read bucket gs://${name}` }),
        undefined,
      );
    }
  }

  /** Every object under the prefix (names and generations only, a page of 1,000 at a time), up to checklistMaxObjects. */
  async objects(bucket: string, prefix: string): Promise<StoredObject[]> {
    try {
      const found: StoredObject[] = [];
      let query: Record<string, unknown> | null = {
        prefix: prefix || undefined,
        autoPaginate: false,
        maxResults: 1000,
        fields: 'items(name,generation),nextPageToken',
      };
      while (query && found.length < PACE.google.checklistMaxObjects) {
        // With `fields`, the client hands back each object's metadata as is, not a File around it.
        const [items, next] = (await withDeadline(
          this.storage.bucket(bucket).getFiles(query),
          CALL.timeout,
        )) as unknown as [Array<{ name: string; generation?: string }>, Record<string, unknown> | null];
        for (const item of items) found.push({ name: item.name, generation: String(item.generation ?? '') });
        query = next?.pageToken ? next : null;
      }
      return found;
    } catch (e) {
      throw toGcpFailure(e, {
        source: 'storage',
        rpc: 'storage.objects.list',
        attempted: `list gs://${bucket}/${prefix}`,
      });
    }
  }

  /** testIamPermissions on the KMS key or the bucket; undefined when it does not exist. */
  async permissions(target: PermissionTarget, permissions: string[]): Promise<string[] | undefined> {
    if (target.kind === 'key') {
      try {
        const [answer] = await this.kms.testIamPermissions(
          // The mixin's type is the generated message class; the call takes the plain object.
          { resource: target.key.keyName, permissions } as Parameters<
            KeyManagementServiceClient['testIamPermissions']
          >[0],
          CALL,
        );
        return answer.permissions ?? [];
      } catch (e) {
        return notFound(
          toGcpFailure(e, {
            source: 'kms',
            rpc: 'cloudkms.cryptoKeys.testIamPermissions',
            attempted: `test permissions on key ${target.key.keyName}`,
          }),
          undefined,
        );
      }
    }
    if (target.kind !== 'bucket') throw new Error(`Cannot test permissions on a ${target.kind} here.`);
    try {
      const [held] = await withDeadline(
        this.storage.bucket(target.bucket).iam.testPermissions(permissions),
        CALL.timeout,
      );
      return permissions.filter((p) => held[p]);
    } catch (e) {
      return notFound(
        toGcpFailure(e, {
          source: 'storage',
          rpc: 'storage.buckets.testIamPermissions',
          attempted: `test permissions on gs://${target.bucket}`,
        }),
        undefined,
      );
    }
  }

  verify(keyName: string, bucket: string, object: StoredObject): Promise<VerifyResult> {
    const read = configKey(bucket, object);
    const inspect = isConfigObject(object.name)
      ? (plaintext: Uint8Array) => void this.configsRead.set(read, parseRunnerConfig(plaintext))
      : undefined;
    return this.port(bucket, keyName).verify(object.name, object.generation, inspect);
  }

  /** A config.toml's runners and whether GitLab accepts their tokens: parsed by its decrypt check, else decrypted here (and zeroed). */
  async runnerConfig(keyName: string, bucket: string, object: StoredObject): Promise<ConfigFacts> {
    const read = configKey(bucket, object);
    let parsed = this.configsRead.get(read);
    this.configsRead.delete(read);
    if (!parsed) {
      const port = this.port(bucket, keyName);
      const plaintext = await port.decrypt(await port.download(object.name, object.generation));
      try {
        parsed = parseRunnerConfig(plaintext);
      } finally {
        plaintext.fill(0);
      }
    }
    return checkRunnerConfig(
      parsed,
      this.settings.gitlabUrl,
      this.verifyToken ?? (() => Promise.reject(new Error('not signed in'))),
    );
  }

  private port(bucket: string, keyName: string): SecretsPort {
    const id = `${bucket} ${keyName}`;
    let port = this.secrets.get(id);
    if (!port) {
      port = secretsPort({ ...this.settings, secretsBucket: bucket, kmsKey: keyName });
      this.secrets.set(id, port);
    }
    return port;
  }

  async close(): Promise<void> {
    this.configsRead.clear();
    await Promise.all([this.kms.close(), ...[...this.secrets.values()].map((p) => p.close?.())]);
  }
}

const configKey = (bucket: string, object: StoredObject) => `${bucket}/${object.name}#${object.generation}`;

/** Not found is an answer here (the checklist offers to create it); anything else is thrown. */
function notFound<T>(failure: Failure, answer: T): T {
  if (failure.kind === 'not-found') return answer;
  throw failure;
}
