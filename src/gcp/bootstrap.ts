// The Google calls the bootstrap's fixes make on KMS and Storage: create the key ring and a
// symmetric key with a rotation period, create the secrets bucket (or patch it) with versioning,
// uniform bucket-level access and public access prevention. Loaded lazily, in the secrets bundle.
import { KeyManagementServiceClient } from './kms-client';
import { Storage } from '@google-cloud/storage';
import type { ClientOptions } from 'google-gax';
import type { RunnerOpsSettings } from '../config/settings';
import type { KmsKeyName } from '../core/checklist';
import { PACE } from '../core/pace';
import { gaxOptions } from './client-options';
import { toGcpFailure } from './gcp-failure';
import { storageOptions } from './storage';

type GoogleSettings = Pick<RunnerOpsSettings, 'gcpProject' | 'credentials' | 'endpoints'>;
const CALL = PACE.google.checklist;

export interface BucketSpec {
  name: string;
  project: string;
  location: string;
}

export class GoogleBootstrap {
  private readonly kms: KeyManagementServiceClient;
  private readonly storage: Storage;

  constructor(settings: GoogleSettings) {
    this.kms = new KeyManagementServiceClient(gaxOptions(settings, 'kms') as ClientOptions);
    this.storage = new Storage(storageOptions(settings));
  }

  /** Creates what is missing: the ring, then the key (ENCRYPT_DECRYPT, rotating every `rotationSec` from `nextRotation`). */
  async createRingAndKey(k: KmsKeyName, rotationSec: number, nextRotation: number): Promise<string[]> {
    const created: string[] = [];
    const parent = `projects/${k.project}/locations/${k.location}`;
    const ringExists = await this.exists(
      () => this.kms.getKeyRing({ name: k.ringName }, CALL),
      'cloudkms.keyRings.get',
    );
    if (!ringExists) {
      await this.kmsCall('cloudkms.keyRings.create', `create key ring ${k.ringName}`, () =>
        this.kms.createKeyRing({ parent, keyRingId: k.ring, keyRing: {} }, CALL),
      );
      created.push(`key ring ${k.ring}`);
    }
    const keyExists =
      ringExists &&
      (await this.exists(() => this.kms.getCryptoKey({ name: k.keyName }, CALL), 'cloudkms.cryptoKeys.get'));
    if (!keyExists) {
      await this.kmsCall('cloudkms.cryptoKeys.create', `create key ${k.keyName}`, () =>
        this.kms.createCryptoKey(
          {
            parent: k.ringName,
            cryptoKeyId: k.key,
            cryptoKey: {
              purpose: 'ENCRYPT_DECRYPT',
              rotationPeriod: { seconds: rotationSec },
              nextRotationTime: { seconds: Math.floor(nextRotation / 1000) },
              labels: { purpose: 'gitlab-runner-secrets' },
            },
          },
          CALL,
        ),
      );
      created.push(`key ${k.key}`);
    }
    return created;
  }

  /** Creates the bucket as the secrets need it, or turns on what an existing one lacks. */
  async ensureBucket(spec: BucketSpec): Promise<'created' | 'updated'> {
    const wanted = {
      versioning: { enabled: true },
      iamConfiguration: { uniformBucketLevelAccess: { enabled: true }, publicAccessPrevention: 'enforced' },
    };
    const bucket = this.storage.bucket(spec.name);
    try {
      const [exists] = await bucket.exists();
      if (exists) {
        await bucket.setMetadata(wanted);
        return 'updated';
      }
      await this.storage.createBucket(spec.name, {
        location: spec.location,
        ...wanted,
        labels: { purpose: 'gitlab-runner-secrets' },
      } as never);
      return 'created';
    } catch (e) {
      throw toGcpFailure(e, {
        source: 'storage',
        rpc: 'storage.buckets.insert',
        attempted: `create or update bucket gs://${spec.name}`,
      });
    }
  }

  private async exists(get: () => Promise<unknown>, rpc: string): Promise<boolean> {
    try {
      await get();
      return true;
    } catch (e) {
      const failure = toGcpFailure(e, { source: 'kms', rpc, attempted: rpc });
      if (failure.kind === 'not-found') return false;
      throw failure;
    }
  }

  private async kmsCall(rpc: string, attempted: string, call: () => Promise<unknown>): Promise<void> {
    try {
      await call();
    } catch (e) {
      throw toGcpFailure(e, { source: 'kms', rpc, attempted });
    }
  }

  async close(): Promise<void> {
    await this.kms.close();
  }
}
