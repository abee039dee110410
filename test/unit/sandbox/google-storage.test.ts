// Cloud Storage routes of the sandbox through the real @google-cloud/storage client.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { CRC32C, Storage, type Bucket } from '@google-cloud/storage';
import { startGoogleOnly, type GoogleOnlySandbox } from '../../sandbox/google/testing';

type Rejection = { code?: number; message?: string; errors?: Array<{ reason?: string }> };
const conditionNotMet = (e: Rejection) =>
  e.code === 412 && /pre-conditions you specified did not hold/.test(String(e.message));

describe('sandbox Cloud Storage', () => {
  let sb: GoogleOnlySandbox;
  let storage: Storage;
  let bucket: Bucket;

  before(async () => {
    sb = await startGoogleOnly();
    storage = new Storage({ apiEndpoint: sb.url, projectId: 'storage-test', retryOptions: { autoRetry: false } });
    [bucket] = await storage.createBucket('runner-secrets-test', {
      versioning: { enabled: true },
      location: 'EUROPE-WEST1',
    });
  });
  after(() => sb.close());

  it('creates and patches buckets with versioning', async () => {
    const [meta] = await bucket.getMetadata();
    assert.equal(meta.versioning?.enabled, true);
    assert.equal(meta.location, 'EUROPE-WEST1');
    const [other] = await storage.createBucket('unversioned-test');
    assert.equal((await other.getMetadata())[0].versioning?.enabled, false);
    await other.setMetadata({ versioning: { enabled: true } });
    const [patched] = await other.getMetadata();
    assert.equal(patched.versioning?.enabled, true);
    assert.equal(patched.metageneration, '2');
    await assert.rejects(storage.createBucket('runner-secrets-test'), (e: Rejection) => e.code === 409);
    const [buckets] = await storage.getBuckets();
    assert.deepEqual(buckets.map((b) => b.name).sort(), ['runner-secrets-test', 'unversioned-test']);
    await assert.rejects(storage.bucket('missing-bucket').getMetadata(), (e: Rejection) => e.code === 404);
  });

  it('uploads multipart (resumable: false) with correct md5Hash and crc32c', async () => {
    const data = Buffer.from('deploy key ✓ — multi-byte\n');
    await bucket
      .file('secrets/deploy-key.enc')
      .save(data, { resumable: false, contentType: 'application/octet-stream' });
    const [meta] = await bucket.file('secrets/deploy-key.enc').getMetadata();
    assert.equal(meta.size, String(data.length));
    assert.equal(meta.md5Hash, createHash('md5').update(data).digest('base64'));
    const crc = new CRC32C();
    crc.update(data);
    assert.equal(meta.crc32c, crc.toString());
    assert.match(String(meta.generation), /^\d{16}$/);
    assert.equal(meta.metageneration, '1');
    assert.equal(meta.contentType, 'application/octet-stream');
    const [downloaded] = await bucket.file('secrets/deploy-key.enc').download();
    assert.deepEqual(downloaded, data);
    const [slice] = await bucket.file('secrets/deploy-key.enc').download({ start: 0, end: 9 });
    assert.deepEqual(slice, data.subarray(0, 10));
  });

  it('uploads resumably, in one request and in chunks', async () => {
    const data = Buffer.alloc(600 * 1024, 'abc');
    await bucket.file('secrets/big.bin').save(data, { resumable: true });
    assert.deepEqual((await bucket.file('secrets/big.bin').download())[0], data);
    await bucket.file('secrets/chunked.bin').save(data, { resumable: true, chunkSize: 256 * 1024 });
    const [meta] = await bucket.file('secrets/chunked.bin').getMetadata();
    assert.equal(meta.size, String(data.length));
    assert.deepEqual((await bucket.file('secrets/chunked.bin').download())[0], data);
  });

  it('enforces generation preconditions with 412 conditionNotMet', async () => {
    const file = bucket.file('secrets/config.toml.enc');
    await file.save('v1', { resumable: false, preconditionOpts: { ifGenerationMatch: 0 } });
    const [first] = await file.getMetadata();
    await assert.rejects(
      file.save('again', { resumable: false, preconditionOpts: { ifGenerationMatch: 0 } }),
      conditionNotMet,
    );
    // The resumable path surfaces the session-creation error as gaxios reports it.
    await assert.rejects(
      file.save('again', { resumable: true, preconditionOpts: { ifGenerationMatch: 0 } }),
      (e: Rejection & { status?: number }) => e.code === 412 || e.status === 412,
    );
    await file.save('v2', { resumable: false, preconditionOpts: { ifGenerationMatch: Number(first.generation) } });
    await assert.rejects(
      file.save('v3', { resumable: false, preconditionOpts: { ifGenerationMatch: Number(first.generation) } }),
      conditionNotMet,
    );
    await assert.rejects(file.delete({ ifGenerationMatch: Number(first.generation) }), conditionNotMet);
    const raw = await fetch(
      `${sb.url}/storage/v1/b/runner-secrets-test/o/${encodeURIComponent('secrets/config.toml.enc')}?ifMetagenerationMatch=7`,
    );
    assert.equal(raw.status, 412);
    assert.deepEqual(
      ((await raw.json()) as { error: { errors: Array<{ reason: string }> } }).error.errors[0].reason,
      'conditionNotMet',
    );
  });

  it('keeps noncurrent generations: list with versions, read an old one, delete one', async () => {
    const file = bucket.file('secrets/rotating.enc');
    await file.save('generation one', { resumable: false });
    const [one] = await file.getMetadata();
    await file.save('generation two', { resumable: false });
    const [versions] = await bucket.getFiles({ prefix: 'secrets/rotating', versions: true });
    assert.equal(versions.length, 2);
    const old = versions.find((f) => f.metadata.generation === one.generation)!;
    assert.ok(old.metadata.timeDeleted, 'a replaced generation is noncurrent');
    const [oldData] = await bucket.file('secrets/rotating.enc', { generation: Number(one.generation) }).download();
    assert.equal(oldData.toString(), 'generation one');
    assert.equal((await file.download())[0].toString(), 'generation two');
    const [live] = await bucket.getFiles({ prefix: 'secrets/rotating' });
    assert.equal(live.length, 1);
    // Roll back: copy the old generation over the live one, guarded by the live generation.
    const [live2] = await file.getMetadata();
    await bucket
      .file('secrets/rotating.enc', { generation: Number(one.generation) })
      .copy(bucket.file('secrets/rotating.enc'), { preconditionOpts: { ifGenerationMatch: Number(live2.generation) } });
    assert.equal((await file.download())[0].toString(), 'generation one');
    await assert.rejects(
      bucket
        .file('secrets/rotating.enc', { generation: Number(one.generation) })
        .copy(bucket.file('secrets/rotating.enc'), {
          preconditionOpts: { ifGenerationMatch: Number(live2.generation) },
        }),
      (e: Rejection) => e.code === 412,
    );
    await bucket.file('secrets/rotating.enc', { generation: Number(one.generation) }).delete();
    await assert.rejects(
      bucket.file('secrets/rotating.enc', { generation: Number(one.generation) }).download(),
      (e: Rejection) => e.code === 404,
    );
    await file.delete();
    await assert.rejects(file.download(), (e: Rejection) => e.code === 404);
    const [afterDelete] = await bucket.getFiles({ prefix: 'secrets/rotating', versions: true });
    assert.equal(afterDelete.length, 2, 'deleting the live object keeps it as noncurrent, next to generation two');
  });

  it('lists with prefix, delimiter and paging', async () => {
    for (const name of ['tree/a/1', 'tree/a/2', 'tree/b/1', 'tree/top'])
      await bucket.file(name).save('x', { resumable: false });
    const [files, , response] = await bucket.getFiles({ prefix: 'tree/', delimiter: '/', autoPaginate: false });
    assert.deepEqual(
      files.map((f) => f.name),
      ['tree/top'],
    );
    assert.deepEqual((response as { prefixes?: string[] }).prefixes, ['tree/a/', 'tree/b/']);
    const [page, next] = await bucket.getFiles({ prefix: 'tree/', maxResults: 2, autoPaginate: false });
    assert.equal(page.length, 2);
    assert.ok(next);
    const [all] = await bucket.getFiles({ prefix: 'tree/' });
    assert.equal(all.length, 4);
  });

  it('answers 404 for missing objects like GCS', async () => {
    const res = await fetch(`${sb.url}/storage/v1/b/runner-secrets-test/o/nothing`);
    assert.equal(res.status, 404);
    const body = (await res.json()) as { error: { message: string; errors: Array<{ reason: string }> } };
    assert.equal(body.error.message, 'No such object: runner-secrets-test/nothing');
    assert.equal(body.error.errors[0].reason, 'notFound');
  });
});
