// The caller's Google permissions in the sandbox, through the real clients: testIamPermissions on
// a KMS key, a bucket, an instance template and a VM answers what the caller's roles hold
// (everything for the default Owner), refuses wildcards and project permissions, says 404 for
// what does not exist; and a route whose permission the roles lack is refused in its API's words.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { KeyManagementServiceClient } from '@google-cloud/kms';
import { Storage } from '@google-cloud/storage';
import { InstancesClient } from '@google-cloud/compute/build/src/v1/instances_client';
import { InstanceTemplatesClient } from '@google-cloud/compute/build/src/v1/instance_templates_client';
import type { GoogleSandbox } from '../../sandbox/google/index';
import { OWNER } from '../../sandbox/google/iam';
import { gaxOptions, noRetry } from '../../sandbox/google/testing';
import { startSandbox, type Sandbox } from '../../sandbox/server';

type Rejection = { code?: number; message?: string };
const ROTATION = ['cloudkms.cryptoKeyVersions.create', 'cloudkms.cryptoKeys.update'];
const USE = ['cloudkms.cryptoKeyVersions.useToEncrypt', 'cloudkms.cryptoKeyVersions.useToDecrypt'];

describe('sandbox Google IAM', () => {
  let sandbox: Sandbox;
  let google: GoogleSandbox;
  let kms: KeyManagementServiceClient;
  let storage: Storage;
  let instances: InstancesClient;
  let templates: InstanceTemplatesClient;
  let key: string;
  let bucket: string;
  let project: string;

  before(async () => {
    sandbox = await startSandbox({ seed: 'demo' });
    google = sandbox.world.google as GoogleSandbox;
    const port = Number(new URL(sandbox.url).port);
    kms = new KeyManagementServiceClient({ ...gaxOptions(port), fallback: true });
    instances = new InstancesClient({ ...gaxOptions(port), fallback: true });
    templates = new InstanceTemplatesClient({ ...gaxOptions(port), fallback: true });
    storage = new Storage({ apiEndpoint: sandbox.url, retryOptions: { autoRetry: false } });
    key = sandbox.settings['runnerOps.secrets.kmsKey'] as string;
    bucket = sandbox.settings['runnerOps.secrets.bucket'] as string;
    project = sandbox.settings['runnerOps.gcp.project'] as string;
  });
  after(async () => {
    await Promise.all([kms.close(), instances.close(), templates.close()]);
    await sandbox.close();
  });
  const owner = () => (google.state.iam.roles = new Set([OWNER]));
  const testKey = async (permissions: string[], resource = key) =>
    (await kms.testIamPermissions({ resource, permissions } as never, noRetry))[0].permissions ?? [];

  it('an Owner holds every permission asked, on each kind of resource', async () => {
    owner();
    assert.deepEqual(await testKey([...USE, ...ROTATION]), [...USE, ...ROTATION]);
    const [held] = await storage.bucket(bucket).iam.testPermissions(['storage.objects.get', 'storage.objects.create']);
    assert.deepEqual(held, { 'storage.objects.get': true, 'storage.objects.create': true });
    const vm = google.state.compute.vms.values().next().value!;
    const [onVm] = await instances.testIamPermissions(
      {
        project,
        zone: vm.zone,
        resource: vm.name,
        testPermissionsRequestResource: { permissions: ['compute.instances.delete'] },
      },
      noRetry,
    );
    assert.deepEqual(onVm.permissions, ['compute.instances.delete']);
    const [onTemplate] = await templates.testIamPermissions(
      {
        project,
        resource: 'gitlab-runner-template',
        testPermissionsRequestResource: { permissions: ['compute.instanceTemplates.useReadOnly'] },
      },
      noRetry,
    );
    assert.deepEqual(onTemplate.permissions, ['compute.instanceTemplates.useReadOnly']);
  });

  it('answers from the roles granted: the encrypter role uses the key but cannot rotate it', async () => {
    google.state.iam.roles = new Set(['roles/cloudkms.cryptoKeyEncrypterDecrypter', 'roles/storage.objectViewer']);
    try {
      assert.deepEqual(await testKey([...USE, ...ROTATION]), USE);
      const [held] = await storage
        .bucket(bucket)
        .iam.testPermissions(['storage.objects.get', 'storage.objects.list', 'storage.objects.create']);
      assert.deepEqual(held, {
        'storage.objects.get': true,
        'storage.objects.list': true,
        'storage.objects.create': false,
      });
      // And the routes refuse what is not held, as IAM words it.
      await assert.rejects(
        kms.createCryptoKeyVersion({ parent: key, cryptoKeyVersion: {} }, noRetry),
        (e: Rejection) =>
          e.code === 7 && /Permission 'cloudkms\.cryptoKeyVersions\.create' denied on resource/.test(String(e.message)),
      );
      await assert.rejects(
        storage.bucket(bucket).file('runners/new.enc').save('x', { resumable: false }),
        (e: Rejection) => e.code === 403 && /storage\.objects\.create/.test(String(e.message)),
      );
    } finally {
      owner();
    }
  });

  it('refuses wildcards and project permissions, and says 404 for what does not exist', async () => {
    await assert.rejects(testKey(['cloudkms.*']), (e: Rejection) => e.code === 3);
    await assert.rejects(
      storage.bucket(bucket).iam.testPermissions(['storage.buckets.create']),
      (e: Rejection) => e.code === 400,
    );
    await assert.rejects(testKey(USE, `${key}-missing`), (e: Rejection) => e.code === 5);
    await assert.rejects(
      storage.bucket('no-such-bucket').iam.testPermissions(['storage.objects.get']),
      (e: Rejection) => e.code === 404,
    );
  });
});
