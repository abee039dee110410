// Cloud KMS resources (key rings, symmetric crypto keys, versions) and their rules:
// version states, primary version, scheduled destruction, automatic rotation, encrypt/decrypt.
import type { GoogleContext } from './context';
import { rpcError } from './errors';
import { newVersionKeyMaterial, open, seal, versionOf } from './kms-crypto';

export type VersionState = 'ENABLED' | 'DISABLED' | 'DESTROYED' | 'DESTROY_SCHEDULED';

export interface KeyVersion {
  number: number;
  state: VersionState;
  createdAt: number;
  material?: Buffer; // dropped when DESTROYED
  destroyAt?: number;
  destroyedAt?: number;
}

export interface CryptoKey {
  name: string;
  createdAt: number;
  purpose: 'ENCRYPT_DECRYPT';
  labels: Record<string, string>;
  rotationPeriodSec?: number;
  nextRotationAt?: number;
  destroyScheduledDurationSec: number;
  primary?: number;
  versions: KeyVersion[];
}

export interface KeyRing {
  name: string;
  createdAt: number;
}

export const MIN_ROTATION_SEC = 24 * 3600;
export const MAX_ROTATION_SEC = 876_000 * 3600;
export const DEFAULT_DESTROY_SCHEDULED_SEC = 30 * 24 * 3600;
export const MAX_PLAINTEXT_BYTES = 64 * 1024;

export class KmsState {
  readonly keyRings = new Map<string, KeyRing>();
  readonly keys = new Map<string, CryptoKey>();
  /**
   * Plaintexts of ciphertext buffers already opened (per version, without AAD): thousands of
   * seeded VMs decrypt the same stored objects. The version's state is still checked each time.
   */
  private readonly opened = new WeakMap<Buffer, { version: KeyVersion; plaintext: Buffer }>();
  /** Every plaintext encrypted or decrypted here, as UTF-8: what the leak scan must find nowhere. */
  readonly plaintextsSeen = new Set<string>();

  constructor(private readonly ctx: GoogleContext) {}

  createKeyRing(parent: string, id: string): KeyRing {
    validateId(id, 'key_ring_id');
    const name = `${parent}/keyRings/${id}`;
    if (this.keyRings.has(name)) throw rpcError(409, `KeyRing ${name} already exists.`);
    const ring = { name, createdAt: this.ctx.now() };
    this.keyRings.set(name, ring);
    return ring;
  }

  keyRing(name: string): KeyRing {
    const ring = this.keyRings.get(name);
    if (!ring) throw rpcError(404, `KeyRing ${name} not found.`);
    return ring;
  }

  createKey(
    ringName: string,
    id: string,
    opts: {
      labels?: Record<string, string>;
      rotationPeriodSec?: number;
      nextRotationAt?: number;
      skipInitialVersion?: boolean;
      destroyScheduledDurationSec?: number;
    },
  ): CryptoKey {
    this.keyRing(ringName);
    validateId(id, 'crypto_key_id');
    const name = `${ringName}/cryptoKeys/${id}`;
    if (this.keys.has(name)) throw rpcError(409, `CryptoKey ${name} already exists.`);
    validateRotation(opts.rotationPeriodSec, opts.nextRotationAt);
    const key: CryptoKey = {
      name,
      createdAt: this.ctx.now(),
      purpose: 'ENCRYPT_DECRYPT',
      labels: opts.labels ?? {},
      rotationPeriodSec: opts.rotationPeriodSec,
      nextRotationAt: opts.nextRotationAt,
      destroyScheduledDurationSec: opts.destroyScheduledDurationSec ?? DEFAULT_DESTROY_SCHEDULED_SEC,
      versions: [],
    };
    this.keys.set(name, key);
    if (!opts.skipInitialVersion) key.primary = this.addVersion(key).number;
    this.scheduleRotation(key);
    return key;
  }

  key(name: string): CryptoKey {
    const key = this.keys.get(name);
    if (!key) throw rpcError(404, `CryptoKey ${name} not found.`);
    return key;
  }

  setRotation(key: CryptoKey, rotationPeriodSec: number | undefined, nextRotationAt: number | undefined): void {
    validateRotation(rotationPeriodSec, nextRotationAt);
    key.rotationPeriodSec = rotationPeriodSec;
    key.nextRotationAt = nextRotationAt;
    this.scheduleRotation(key);
  }

  addVersion(key: CryptoKey): KeyVersion {
    const now = this.ctx.now();
    const version: KeyVersion = {
      number: key.versions.length + 1,
      state: 'ENABLED',
      createdAt: now,
      material: newVersionKeyMaterial(),
    };
    key.versions.push(version);
    return version;
  }

  version(name: string): { key: CryptoKey; version: KeyVersion } {
    const match = /^(.*)\/cryptoKeyVersions\/(\d+)$/.exec(name);
    const key = match ? this.keys.get(match[1]) : undefined;
    const version = key?.versions[Number(match![2]) - 1];
    if (!key || !version) throw rpcError(404, `CryptoKeyVersion ${name} not found.`);
    return { key, version };
  }

  setPrimary(key: CryptoKey, versionNumber: number): void {
    const version = this.version(`${key.name}/cryptoKeyVersions/${versionNumber}`).version;
    if (version.state !== 'ENABLED') throw notEnabled(key, version);
    key.primary = versionNumber;
  }

  setVersionState(key: CryptoKey, version: KeyVersion, state: VersionState): void {
    const togglable = (s: VersionState) => s === 'ENABLED' || s === 'DISABLED';
    if (!togglable(state))
      throw rpcError(400, `Request contains an invalid argument: state must be ENABLED or DISABLED.`);
    if (!togglable(version.state)) {
      throw rpcError(
        400,
        `${versionName(key, version)} is not enabled or disabled, current state is: ${version.state}.`,
        'FAILED_PRECONDITION',
      );
    }
    version.state = state;
  }

  scheduleDestroy(key: CryptoKey, version: KeyVersion): void {
    if (version.state !== 'ENABLED' && version.state !== 'DISABLED') {
      throw rpcError(
        400,
        `${versionName(key, version)} is not enabled or disabled, current state is: ${version.state}.`,
        'FAILED_PRECONDITION',
      );
    }
    version.state = 'DESTROY_SCHEDULED';
    version.destroyAt = this.ctx.now() + key.destroyScheduledDurationSec * 1000;
    const due = version.destroyAt;
    this.ctx.scheduler.at(due, (at) => {
      if (version.state !== 'DESTROY_SCHEDULED' || version.destroyAt !== due) return;
      version.state = 'DESTROYED';
      version.destroyedAt = at;
      version.material = undefined;
    });
  }

  restore(key: CryptoKey, version: KeyVersion): void {
    if (version.state !== 'DESTROY_SCHEDULED') {
      throw rpcError(
        400,
        `${versionName(key, version)} is not scheduled for destruction, current state is: ${version.state}.`,
        'FAILED_PRECONDITION',
      );
    }
    version.state = 'DISABLED';
    version.destroyAt = undefined;
  }

  /** `name` is a key (its primary is used) or a specific version. */
  encrypt(
    name: string,
    plaintext: Buffer,
    aad = Buffer.alloc(0),
  ): { key: CryptoKey; version: KeyVersion; ciphertext: Buffer } {
    const { key, version } = name.includes('/cryptoKeyVersions/') ? this.version(name) : this.primaryOf(this.key(name));
    if (plaintext.length > MAX_PLAINTEXT_BYTES) {
      throw rpcError(
        400,
        `The plaintext is too large: ${plaintext.length} bytes; the maximum is ${MAX_PLAINTEXT_BYTES} bytes.`,
      );
    }
    if (version.state !== 'ENABLED') throw notEnabled(key, version);
    this.plaintextsSeen.add(plaintext.toString('utf8'));
    return { key, version, ciphertext: seal(version.number, version.material!, plaintext, aad) };
  }

  decrypt(
    keyName: string,
    ciphertext: Buffer,
    aad = Buffer.alloc(0),
  ): { version: KeyVersion; plaintext: Buffer; usedPrimary: boolean } {
    const key = this.key(keyName);
    const number = versionOf(ciphertext);
    if (number === undefined) throw rpcError(400, 'Decryption failed: the ciphertext is invalid.');
    const version = key.versions[number - 1];
    if (!version) throw rpcError(400, "Decryption failed: verify that 'name' refers to the correct CryptoKey.");
    if (version.state !== 'ENABLED') throw notEnabled(key, version);
    const memo = aad.length === 0 ? this.opened.get(ciphertext) : undefined;
    const plaintext = memo?.version === version ? memo.plaintext : open(version.material!, ciphertext, aad);
    if (!plaintext) throw rpcError(400, "Decryption failed: verify that 'name' refers to the correct CryptoKey.");
    if (!memo) this.plaintextsSeen.add(plaintext.toString('utf8'));
    if (aad.length === 0) this.opened.set(ciphertext, { version, plaintext });
    return { version, plaintext: Buffer.from(plaintext), usedPrimary: key.primary === number };
  }

  private primaryOf(key: CryptoKey): { key: CryptoKey; version: KeyVersion } {
    const version = key.primary ? key.versions[key.primary - 1] : undefined;
    if (!version) throw rpcError(400, `${key.name} has no primary version.`, 'FAILED_PRECONDITION');
    return { key, version };
  }

  /** Automatic rotation: at nextRotationTime a new version is created and made primary. */
  private scheduleRotation(key: CryptoKey): void {
    const due = key.nextRotationAt;
    if (due === undefined || key.rotationPeriodSec === undefined) return;
    this.ctx.scheduler.at(due, () => {
      if (key.nextRotationAt !== due || key.rotationPeriodSec === undefined) return; // superseded
      key.primary = this.addVersion(key).number;
      key.nextRotationAt = due + key.rotationPeriodSec * 1000;
      this.scheduleRotation(key);
    });
  }
}

export const versionName = (key: CryptoKey, version: KeyVersion): string =>
  `${key.name}/cryptoKeyVersions/${version.number}`;

function notEnabled(key: CryptoKey, version: KeyVersion) {
  return rpcError(
    400,
    `${versionName(key, version)} is not enabled, current state is: ${version.state}.`,
    'FAILED_PRECONDITION',
  );
}

function validateId(id: string, field: string): void {
  if (!/^[a-zA-Z0-9_-]{1,63}$/.test(id)) {
    throw rpcError(
      400,
      `Invalid value for field '${field}': '${id}'. It must match the regular expression [a-zA-Z0-9_-]{1,63}.`,
    );
  }
}

function validateRotation(periodSec: number | undefined, nextAt: number | undefined): void {
  if (periodSec === undefined) return;
  if (nextAt === undefined) {
    throw rpcError(400, 'The request must specify next_rotation_time when rotation_period is set.');
  }
  if (periodSec < MIN_ROTATION_SEC || periodSec > MAX_ROTATION_SEC) {
    throw rpcError(
      400,
      `The rotation_period must be between ${MIN_ROTATION_SEC}s (24 hours) and ${MAX_ROTATION_SEC}s (876,000 hours).`,
    );
  }
}
