// Cloud KMS routes of the sandbox through the real KeyManagementServiceClient (REST fallback).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { KeyManagementServiceClient } from '@google-cloud/kms';
import { CRC32C } from '@google-cloud/storage';
import { fromProto3JSON } from 'proto3-json-serializer';
import { gaxOptions, noRetry, startGoogleOnly, type GoogleOnlySandbox } from '../../sandbox/google/testing';

type Rejection = { code?: number; message?: string };
const crc = (data: Buffer | string) => {
  const c = new CRC32C();
  c.update(Buffer.from(data));
  return c.valueOf() >>> 0; // KMS checksums are unsigned
};
const DAY_S = 86_400;

describe('sandbox Cloud KMS', () => {
  let sb: GoogleOnlySandbox;
  let kms: KeyManagementServiceClient;
  const location = 'projects/kms-test/locations/europe-west1';
  const ring = `${location}/keyRings/ring`;
  const key = `${ring}/cryptoKeys/secrets`;

  before(async () => {
    sb = await startGoogleOnly();
    kms = new KeyManagementServiceClient({ ...gaxOptions(sb.port), fallback: true });
    await kms.createKeyRing({ parent: location, keyRingId: 'ring', keyRing: {} }, noRetry);
    const nextRotationTime = { seconds: Math.floor(sb.clock.now() / 1000) + 30 * DAY_S };
    await kms.createCryptoKey(
      {
        parent: ring,
        cryptoKeyId: 'secrets',
        cryptoKey: {
          purpose: 'ENCRYPT_DECRYPT',
          rotationPeriod: { seconds: 90 * DAY_S },
          nextRotationTime,
          versionTemplate: { algorithm: 'GOOGLE_SYMMETRIC_ENCRYPTION' },
        },
      },
      noRetry,
    );
  });
  after(async () => {
    await kms.close();
    await sb.close();
  });

  const encrypt = async (name: string, text: string, aad?: string) =>
    (
      await kms.encrypt(
        {
          name,
          plaintext: Buffer.from(text),
          plaintextCrc32c: { value: crc(text) },
          ...(aad ? { additionalAuthenticatedData: Buffer.from(aad) } : {}),
        },
        noRetry,
      )
    )[0];

  it('creates keys with a rotation period and validates it', async () => {
    const [created] = await kms.getCryptoKey({ name: key }, noRetry);
    assert.equal(created.purpose, 'ENCRYPT_DECRYPT');
    assert.equal(String(created.rotationPeriod?.seconds), String(90 * DAY_S));
    assert.equal(created.primary?.name, `${key}/cryptoKeyVersions/1`);
    assert.equal(created.primary?.state, 'ENABLED');
    await assert.rejects(
      kms.createCryptoKey(
        {
          parent: ring,
          cryptoKeyId: 'too-fast',
          cryptoKey: {
            purpose: 'ENCRYPT_DECRYPT',
            rotationPeriod: { seconds: 3600 },
            nextRotationTime: { seconds: 2e9 },
          },
        },
        noRetry,
      ),
      (e: Rejection) => e.code === 3,
    );
    await assert.rejects(
      kms.createCryptoKey(
        {
          parent: ring,
          cryptoKeyId: 'no-next',
          cryptoKey: { purpose: 'ENCRYPT_DECRYPT', rotationPeriod: { seconds: 30 * DAY_S } },
        },
        noRetry,
      ),
      (e: Rejection) => e.code === 3 && /next_rotation_time/.test(String(e.message)),
    );
    await assert.rejects(
      kms.createKeyRing({ parent: location, keyRingId: 'ring', keyRing: {} }, noRetry),
      (e: Rejection) => /already exists/.test(String(e.message)),
    );
    await assert.rejects(
      kms.getCryptoKey({ name: `${ring}/cryptoKeys/nope` }, noRetry),
      (e: Rejection) => e.code === 5,
    );
  });

  it('lists rings and keys and patches the rotation schedule', async () => {
    const [rings] = await kms.listKeyRings({ parent: location }, noRetry);
    assert.deepEqual(
      rings.map((r) => r.name),
      [ring],
    );
    const [keys] = await kms.listCryptoKeys({ parent: ring }, noRetry);
    assert.deepEqual(
      keys.map((k) => k.name),
      [key],
    );
    const next = { seconds: Math.floor(sb.clock.now() / 1000) + 30 * DAY_S };
    const [patched] = await kms.updateCryptoKey(
      {
        cryptoKey: { name: key, rotationPeriod: { seconds: 90 * DAY_S }, nextRotationTime: next },
        updateMask: { paths: ['rotation_period', 'next_rotation_time'] },
      },
      noRetry,
    );
    assert.equal(String(patched.nextRotationTime?.seconds), String(next.seconds));
    await assert.rejects(
      kms.updateCryptoKey(
        { cryptoKey: { name: key, rotationPeriod: { seconds: 60 } }, updateMask: { paths: ['rotation_period'] } },
        noRetry,
      ),
      (e: Rejection) => e.code === 3,
    );
  });

  it('round-trips with real checksums and additional authenticated data', async () => {
    const enc = await encrypt(key, 'glrt-secret-token', 'config.toml');
    assert.equal(enc.name, `${key}/cryptoKeyVersions/1`);
    assert.equal(enc.verifiedPlaintextCrc32c, true);
    assert.equal(Number(enc.ciphertextCrc32c?.value), crc(Buffer.from(enc.ciphertext as Uint8Array)));
    assert.ok(!Buffer.from(enc.ciphertext as Uint8Array).includes('glrt-secret-token'));
    const [dec] = await kms.decrypt(
      {
        name: key,
        ciphertext: enc.ciphertext,
        ciphertextCrc32c: { value: crc(Buffer.from(enc.ciphertext as Uint8Array)) },
        additionalAuthenticatedData: Buffer.from('config.toml'),
      },
      noRetry,
    );
    assert.equal(Buffer.from(dec.plaintext as Uint8Array).toString(), 'glrt-secret-token');
    assert.equal(Number(dec.plaintextCrc32c?.value), crc('glrt-secret-token'));
    assert.equal(dec.usedPrimary, true);
    await assert.rejects(
      kms.decrypt(
        { name: key, ciphertext: enc.ciphertext, additionalAuthenticatedData: Buffer.from('other') },
        noRetry,
      ),
      (e: Rejection) => e.code === 3 && /Decryption failed/.test(String(e.message)),
    );
  });

  it('rejects checksum mismatches and oversized plaintext', async () => {
    await assert.rejects(
      kms.encrypt({ name: key, plaintext: Buffer.from('abc'), plaintextCrc32c: { value: crc('abd') } }, noRetry),
      (e: Rejection) => e.code === 3 && /checksum/.test(String(e.message)),
    );
    const enc = await encrypt(key, 'abc');
    await assert.rejects(
      kms.decrypt({ name: key, ciphertext: enc.ciphertext, ciphertextCrc32c: { value: 12345 } }, noRetry),
      (e: Rejection) => e.code === 3 && /checksum/.test(String(e.message)),
    );
    await assert.rejects(
      kms.encrypt({ name: key, plaintext: Buffer.alloc(64 * 1024 + 1) }, noRetry),
      (e: Rejection) => e.code === 3,
    );
  });

  it('decrypts old ciphertext after rotation with usedPrimary false; a disabled version refuses', async () => {
    const old = await encrypt(key, 'under version 1');
    const [v2] = await kms.createCryptoKeyVersion({ parent: key, cryptoKeyVersion: {} }, noRetry);
    assert.equal(v2.name, `${key}/cryptoKeyVersions/2`);
    await kms.updateCryptoKeyPrimaryVersion({ name: key, cryptoKeyVersionId: '2' }, noRetry);
    const fresh = await encrypt(key, 'under version 2');
    assert.equal(fresh.name, `${key}/cryptoKeyVersions/2`);
    const [oldDec] = await kms.decrypt({ name: key, ciphertext: old.ciphertext }, noRetry);
    assert.equal(oldDec.usedPrimary, false);
    assert.equal(Buffer.from(oldDec.plaintext as Uint8Array).toString(), 'under version 1');
    await kms.updateCryptoKeyVersion(
      { cryptoKeyVersion: { name: `${key}/cryptoKeyVersions/1`, state: 'DISABLED' }, updateMask: { paths: ['state'] } },
      noRetry,
    );
    await assert.rejects(
      kms.decrypt({ name: key, ciphertext: old.ciphertext }, noRetry),
      (e: Rejection) => e.code === 9 && /is not enabled, current state is: DISABLED/.test(String(e.message)),
    );
    assert.equal((await kms.decrypt({ name: key, ciphertext: fresh.ciphertext }, noRetry))[0].usedPrimary, true);
    const [enabled] = await kms.listCryptoKeyVersions({ parent: key, filter: 'state=ENABLED' }, noRetry);
    assert.deepEqual(
      enabled.map((v) => v.name),
      [`${key}/cryptoKeyVersions/2`],
    );
    await kms.updateCryptoKeyVersion(
      { cryptoKeyVersion: { name: `${key}/cryptoKeyVersions/1`, state: 'ENABLED' }, updateMask: { paths: ['state'] } },
      noRetry,
    );
    assert.equal((await kms.decrypt({ name: key, ciphertext: old.ciphertext }, noRetry))[0].usedPrimary, false);
  });

  it('schedules destruction 30 days out, can restore, and destroys for good', async () => {
    const [v3] = await kms.createCryptoKeyVersion({ parent: key, cryptoKeyVersion: {} }, noRetry);
    const [scheduled] = await kms.destroyCryptoKeyVersion({ name: v3.name! }, noRetry);
    assert.equal(scheduled.state, 'DESTROY_SCHEDULED');
    const destroyAt = Number(scheduled.destroyTime?.seconds) * 1000;
    assert.ok(Math.abs(destroyAt - sb.clock.now() - 30 * DAY_S * 1000) < 5_000);
    await assert.rejects(
      kms.encrypt({ name: v3.name!, plaintext: Buffer.from('x') }, noRetry),
      (e: Rejection) => e.code === 9,
    );
    assert.equal((await kms.restoreCryptoKeyVersion({ name: v3.name! }, noRetry))[0].state, 'DISABLED');
    await kms.destroyCryptoKeyVersion({ name: v3.name! }, noRetry);
    sb.clock.advance(31 * DAY_S * 1000);
    const [gone] = await kms.getCryptoKeyVersion({ name: v3.name! }, noRetry);
    assert.equal(gone.state, 'DESTROYED');
    assert.ok(gone.destroyEventTime);
    await assert.rejects(kms.restoreCryptoKeyVersion({ name: v3.name! }, noRetry), (e: Rejection) => e.code === 9);
  });

  it('rotates automatically at nextRotationTime', async () => {
    // The earlier test advanced 31 days past a 30-day nextRotationTime: one automatic rotation.
    const [k] = await kms.getCryptoKey({ name: key }, noRetry);
    assert.equal(k.primary?.name, `${key}/cryptoKeyVersions/4`);
    assert.ok(Number(k.nextRotationTime?.seconds) * 1000 > sb.clock.now());
  });

  it('speaks integer enums on the wire and its JSON decodes with the KMS protos', async () => {
    const raw = (await (await fetch(`${sb.url}/v1/${key}?$alt=json;enum-encoding=int`)).json()) as {
      purpose: number;
      primary: { state: number };
    };
    assert.equal(raw.purpose, 1);
    assert.equal(raw.primary.state, 1);
    const named = (await (await fetch(`${sb.url}/v1/${key}`)).json()) as { purpose: string };
    assert.equal(named.purpose, 'ENCRYPT_DECRYPT');
    const protos = (kms as unknown as { _protos: { lookupType(name: string): never } })._protos;
    const list = await (await fetch(`${sb.url}/v1/${key}/cryptoKeyVersions?$alt=json;enum-encoding=int`)).json();
    assert.ok(fromProto3JSON(protos.lookupType('google.cloud.kms.v1.CryptoKey'), raw as never));
    assert.ok(fromProto3JSON(protos.lookupType('google.cloud.kms.v1.ListCryptoKeyVersionsResponse'), list as never));
    const err = await fetch(`${sb.url}/v1/${ring}/cryptoKeys/absent`);
    assert.deepEqual(await err.json(), {
      error: { code: 404, message: `CryptoKey ${ring}/cryptoKeys/absent not found.`, status: 'NOT_FOUND' },
    });
  });
});
