// The sandbox's KMS key versions as a rotation uses them, through the real KeyManagementServiceClient:
// create, updatePrimaryVersion, the state patch (ENABLED/DISABLED only), scheduled destruction with
// the key's own destroyScheduledDuration and its destroyTime, restore (to DISABLED), decrypt of a
// version that is not enabled failing with FAILED_PRECONDITION, usedPrimary; the JSON decodes
// with the client's own protos.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { KeyManagementServiceClient } from '@google-cloud/kms';
import { fromProto3JSON } from 'proto3-json-serializer';
import { gaxOptions, noRetry, startGoogleOnly, type GoogleOnlySandbox } from '../../sandbox/google/testing';

type Rejection = { code?: number; message?: string };
const FAILED_PRECONDITION = 9;
const INVALID_ARGUMENT = 3;
const DAY_S = 86_400;

describe('sandbox Cloud KMS key versions', () => {
  let sb: GoogleOnlySandbox;
  let kms: KeyManagementServiceClient;
  const ring = 'projects/kms-versions/locations/global/keyRings/ring';
  const key = `${ring}/cryptoKeys/short-delay`;
  const version = (n: number) => `${key}/cryptoKeyVersions/${n}`;

  before(async () => {
    sb = await startGoogleOnly();
    kms = new KeyManagementServiceClient({ ...gaxOptions(sb.port), fallback: true });
    await kms.createKeyRing({ parent: 'projects/kms-versions/locations/global', keyRingId: 'ring', keyRing: {} });
    await kms.createCryptoKey(
      {
        parent: ring,
        cryptoKeyId: 'short-delay',
        cryptoKey: { purpose: 'ENCRYPT_DECRYPT', destroyScheduledDuration: { seconds: 7 * DAY_S } },
      },
      noRetry,
    );
  });
  after(async () => {
    await kms.close();
    await sb.close();
  });

  const encrypt = async (name: string, text: string) =>
    (await kms.encrypt({ name, plaintext: Buffer.from(text) }, noRetry))[0].ciphertext as Uint8Array;
  const decrypt = async (ciphertext: Uint8Array) => (await kms.decrypt({ name: key, ciphertext }, noRetry))[0];
  const setState = (n: number, state: 'ENABLED' | 'DISABLED' | 'DESTROY_SCHEDULED') =>
    kms.updateCryptoKeyVersion(
      { cryptoKeyVersion: { name: version(n), state }, updateMask: { paths: ['state'] } },
      noRetry,
    );

  it('creates a version, makes it primary: new ciphertext under it, old ciphertext still decrypts with usedPrimary false', async () => {
    const old = await encrypt(key, 'under version 1');
    const [created] = await kms.createCryptoKeyVersion({ parent: key, cryptoKeyVersion: {} }, noRetry);
    assert.equal(created.name, version(2));
    assert.equal(created.state, 'ENABLED');
    assert.equal((await decrypt(old)).usedPrimary, true, 'creating a version does not change the primary');
    const [updated] = await kms.updateCryptoKeyPrimaryVersion({ name: key, cryptoKeyVersionId: '2' }, noRetry);
    assert.equal(updated.primary?.name, version(2));
    const [encrypted] = await kms.encrypt({ name: key, plaintext: Buffer.from('under version 2') }, noRetry);
    assert.equal(encrypted.name, version(2), 'encrypt with the key uses its primary');
    const opened = await decrypt(old);
    assert.equal(Buffer.from(opened.plaintext as Uint8Array).toString(), 'under version 1');
    assert.equal(opened.usedPrimary, false);
    assert.equal((await decrypt(encrypted.ciphertext as Uint8Array)).usedPrimary, true);
  });

  it('patches state between ENABLED and DISABLED only; a disabled version refuses decrypt, encrypt and primary', async () => {
    const old = await encrypt(version(1), 'still version 1');
    const [disabled] = await setState(1, 'DISABLED');
    assert.equal(disabled.state, 'DISABLED');
    await assert.rejects(
      decrypt(old),
      (e: Rejection) =>
        e.code === FAILED_PRECONDITION &&
        String(e.message).includes(`${version(1)} is not enabled, current state is: DISABLED`),
    );
    await assert.rejects(encrypt(version(1), 'x'), (e: Rejection) => e.code === FAILED_PRECONDITION);
    await assert.rejects(
      kms.updateCryptoKeyPrimaryVersion({ name: key, cryptoKeyVersionId: '1' }, noRetry),
      (e: Rejection) => e.code === FAILED_PRECONDITION,
    );
    await assert.rejects(setState(1, 'DESTROY_SCHEDULED'), (e: Rejection) => e.code === INVALID_ARGUMENT);
    await assert.rejects(
      kms.updateCryptoKeyVersion(
        { cryptoKeyVersion: { name: version(1), state: 'ENABLED' }, updateMask: { paths: [] } },
        noRetry,
      ),
      (e: Rejection) => e.code === INVALID_ARGUMENT,
    );
    await setState(1, 'ENABLED');
    assert.equal(Buffer.from((await decrypt(old)).plaintext as Uint8Array).toString(), 'still version 1');
  });

  it("schedules destruction after the key's own delay; restore leaves it DISABLED; then it is destroyed for good", async () => {
    const old = await encrypt(version(1), 'doomed');
    const [scheduled] = await kms.destroyCryptoKeyVersion({ name: version(1) }, noRetry);
    assert.equal(scheduled.state, 'DESTROY_SCHEDULED');
    const [k] = await kms.getCryptoKey({ name: key }, noRetry);
    assert.equal(Number(k.destroyScheduledDuration?.seconds), 7 * DAY_S);
    const due = Number(scheduled.destroyTime?.seconds) * 1000;
    assert.ok(
      Math.abs(due - sb.clock.now() - 7 * DAY_S * 1000) < 5_000,
      'destroyTime = now + destroyScheduledDuration',
    );
    await assert.rejects(
      decrypt(old),
      (e: Rejection) => e.code === FAILED_PRECONDITION && /current state is: DESTROY_SCHEDULED/.test(String(e.message)),
    );
    await assert.rejects(setState(1, 'ENABLED'), (e: Rejection) => e.code === FAILED_PRECONDITION);
    await assert.rejects(
      kms.destroyCryptoKeyVersion({ name: version(1) }, noRetry),
      (e: Rejection) => e.code === FAILED_PRECONDITION,
    );
    const [restored] = await kms.restoreCryptoKeyVersion({ name: version(1) }, noRetry);
    assert.equal(restored.state, 'DISABLED');
    assert.ok(!restored.destroyTime, 'a restored version has no destroyTime');
    await setState(1, 'ENABLED');
    assert.equal(Buffer.from((await decrypt(old)).plaintext as Uint8Array).toString(), 'doomed');

    await kms.destroyCryptoKeyVersion({ name: version(1) }, noRetry);
    sb.clock.advance(7 * DAY_S * 1000 + 1_000);
    const [gone] = await kms.getCryptoKeyVersion({ name: version(1) }, noRetry);
    assert.equal(gone.state, 'DESTROYED');
    await assert.rejects(
      decrypt(old),
      (e: Rejection) => e.code === FAILED_PRECONDITION && /current state is: DESTROYED/.test(String(e.message)),
    );
    await assert.rejects(
      kms.restoreCryptoKeyVersion({ name: version(1) }, noRetry),
      (e: Rejection) => e.code === FAILED_PRECONDITION,
    );
  });

  it('its JSON decodes with the KMS protos (versions, destroyTime, usedPrimary)', async () => {
    const protos = (kms as unknown as { _protos: { lookupType(name: string): never } })._protos;
    const [v3] = await kms.createCryptoKeyVersion({ parent: key, cryptoKeyVersion: {} }, noRetry);
    await kms.destroyCryptoKeyVersion({ name: v3.name! }, noRetry);
    const version3 = await (await fetch(`${sb.url}/v1/${v3.name}`)).json();
    const decoded = fromProto3JSON(
      protos.lookupType('google.cloud.kms.v1.CryptoKeyVersion'),
      version3 as never,
    ) as unknown as {
      state: number;
      destroyTime: { seconds: unknown };
    };
    assert.equal(decoded.state, 4, 'DESTROY_SCHEDULED');
    assert.ok(Number(decoded.destroyTime.seconds) > 0);
    const ciphertext = Buffer.from(await encrypt(key, 'x')).toString('base64');
    const answer = await (
      await fetch(`${sb.url}/v1/${key}:decrypt`, { method: 'POST', body: JSON.stringify({ ciphertext }) })
    ).json();
    const response = fromProto3JSON(
      protos.lookupType('google.cloud.kms.v1.DecryptResponse'),
      answer as never,
    ) as unknown as {
      usedPrimary: boolean;
    };
    assert.equal(response.usedPrimary, true);
  });
});
