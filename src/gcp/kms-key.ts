// The secrets key's administration for a rotation: read the key and its versions, create a
// version, make it primary, enable or disable one, schedule one for destruction. Loaded lazily,
// in the secrets bundle (src/gcp/secrets-bundle.ts).
import { KeyManagementServiceClient } from './kms-client';
import type { ClientOptions } from 'google-gax';
import { PACE } from '../core/pace';
import type { KeyPort, KeyStatus, KeyVersionFacts } from '../core/rotation';
import { gaxOptions } from './client-options';
import { toGcpFailure } from './gcp-failure';
import type { KmsSettings } from './kms';

type Version = { name?: string | null; state?: unknown; destroyTime?: { seconds?: unknown } | null };

/** Enums arrive as names over REST, as numbers over gRPC: either reads as the name. */
export const enumName = (value: unknown, names: Record<number, string>): string =>
  typeof value === 'number' ? (names[value] ?? String(value)) : String(value ?? 'UNSPECIFIED');
export const VERSION_STATES: Record<number, string> = {
  0: 'CRYPTO_KEY_VERSION_STATE_UNSPECIFIED',
  1: 'ENABLED',
  2: 'DISABLED',
  3: 'DESTROYED',
  4: 'DESTROY_SCHEDULED',
  5: 'PENDING_GENERATION',
  6: 'PENDING_IMPORT',
  7: 'IMPORT_FAILED',
};

const DEFAULT_DESTROY_SCHEDULED_SEC = 30 * 24 * 3600;

export class KmsKeyAdmin implements KeyPort {
  private readonly client: KeyManagementServiceClient;
  private readonly key: string;

  constructor(settings: KmsSettings) {
    this.client = new KeyManagementServiceClient(gaxOptions(settings, 'kms') as ClientOptions);
    this.key = settings.kmsKey;
  }

  async describeKey(): Promise<KeyStatus> {
    const [[key], [versions]] = await Promise.all([
      this.call('cloudkms.cryptoKeys.get', `read key ${this.key}`, () =>
        this.client.getCryptoKey({ name: this.key }, PACE.google.kms),
      ),
      this.call('cloudkms.cryptoKeyVersions.list', `list the versions of ${this.key}`, () =>
        this.client.listCryptoKeyVersions({ parent: this.key }, PACE.google.kms),
      ),
    ]);
    const duration = Number(key.destroyScheduledDuration?.seconds ?? DEFAULT_DESTROY_SCHEDULED_SEC);
    return {
      name: this.key,
      primary: key.primary?.name ? versionNumber(key.primary.name) : undefined,
      destroyScheduledDurationSec: Number.isFinite(duration) ? duration : DEFAULT_DESTROY_SCHEDULED_SEC,
      versions: versions.map(toFacts).sort((a, b) => a.number - b.number),
    };
  }

  async createVersion(): Promise<number> {
    const [version] = await this.call('cloudkms.cryptoKeyVersions.create', `create a version of ${this.key}`, () =>
      this.client.createCryptoKeyVersion({ parent: this.key, cryptoKeyVersion: {} }, PACE.google.kms),
    );
    return versionNumber(version.name ?? '');
  }

  async makePrimary(version: number): Promise<void> {
    await this.call('cloudkms.cryptoKeys.updatePrimaryVersion', `make version ${version} primary`, () =>
      this.client.updateCryptoKeyPrimaryVersion(
        { name: this.key, cryptoKeyVersionId: String(version) },
        PACE.google.kms,
      ),
    );
  }

  async setVersionState(version: number, state: 'ENABLED' | 'DISABLED'): Promise<void> {
    await this.call('cloudkms.cryptoKeyVersions.update', `set version ${version} ${state.toLowerCase()}`, () =>
      this.client.updateCryptoKeyVersion(
        { cryptoKeyVersion: { name: this.versionName(version), state }, updateMask: { paths: ['state'] } },
        PACE.google.kms,
      ),
    );
  }

  async scheduleDestroy(version: number): Promise<KeyVersionFacts> {
    const [answer] = await this.call(
      'cloudkms.cryptoKeyVersions.destroy',
      `schedule version ${version} for destruction`,
      () => this.client.destroyCryptoKeyVersion({ name: this.versionName(version) }, PACE.google.kms),
    );
    return toFacts(answer);
  }

  close(): Promise<void> {
    return this.client.close();
  }

  private versionName(version: number): string {
    return `${this.key}/cryptoKeyVersions/${version}`;
  }

  private async call<T>(rpc: string, attempted: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw toGcpFailure(error, { source: 'kms', rpc, attempted });
    }
  }
}

const versionNumber = (name: string): number => Number(/cryptoKeyVersions\/(\d+)$/.exec(name)?.[1] ?? Number.NaN);

function toFacts(v: Version): KeyVersionFacts {
  const destroy = Number(v.destroyTime?.seconds);
  return {
    number: versionNumber(v.name ?? ''),
    state: enumName(v.state, VERSION_STATES),
    ...(Number.isFinite(destroy) && destroy > 0 ? { destroyTime: destroy * 1000 } : {}),
  };
}
