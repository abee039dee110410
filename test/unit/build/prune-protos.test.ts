// The Compute and KMS descriptors pruned to the methods Runner Ops calls (scripts/prune-protos.mjs,
// fed by src/gcp/compute-methods.ts and src/gcp/kms-client.ts): those methods and the types they
// reach stay, the rest goes, and a method that does not exist stops the build.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as protobuf from 'protobufjs';
import { COMPUTE_METHODS } from '../../../src/gcp/compute-methods';
import { KMS_METHODS } from '../../../src/gcp/kms-client';

const ROOT = join(__dirname, '../../..');
const PROTOS = join(ROOT, 'node_modules/@google-cloud/compute/build/protos/protos.json');
type Prune = (path: string, services: string[], methods?: Record<string, readonly string[]>) => protobuf.INamespace;
const prune = async (): Promise<Prune> =>
  ((await import(pathToFileURL(join(ROOT, 'scripts/prune-protos.mjs')).href)) as { pruneProtos: Prune }).pruneProtos;
const methods = Object.fromEntries(
  Object.entries(COMPUTE_METHODS).map(([service, list]) => [`google.cloud.compute.v1.${service}`, list]),
);

test('each service keeps the methods the adapters call and the types they reach, nothing else', async () => {
  const root = protobuf.Root.fromJSON((await prune())(PROTOS, Object.keys(methods), methods));
  root.resolveAll();
  const instances = root.lookupService('google.cloud.compute.v1.Instances');
  assert.deepEqual(
    instances.methodsArray.map((m) => m.name).sort(),
    [...COMPUTE_METHODS.Instances].map((m) => m[0].toUpperCase() + m.slice(1)).sort(),
  );
  assert.ok(root.lookupType('google.cloud.compute.v1.InstanceList'), 'list answers an InstanceList');
  assert.ok(root.lookupType('google.cloud.compute.v1.SetLabelsInstanceRequest'));
  assert.equal(
    root.lookup('google.cloud.compute.v1.AttachDiskInstanceRequest'),
    null,
    'attachDisk is not called: its request type is gone',
  );
});

test('a method the service does not have stops the build', async () => {
  await assert.rejects(
    prune().then((p) =>
      p(PROTOS, ['google.cloud.compute.v1.Instances'], { 'google.cloud.compute.v1.Instances': ['listt'] }),
    ),
    /google\.cloud\.compute\.v1\.Instances has no method Listt/,
  );
});

test('KMS keeps the methods the adapters call and what its client looks up by name; its other services go', async () => {
  const { pruneKmsProtos } = (await import(pathToFileURL(join(ROOT, 'scripts/prune-protos.mjs')).href)) as {
    pruneKmsProtos: (path: string, methods: readonly string[]) => protobuf.INamespace;
  };
  const root = protobuf.Root.fromJSON(
    pruneKmsProtos(join(ROOT, 'node_modules/@google-cloud/kms/build/protos/protos.json'), KMS_METHODS),
  );
  root.resolveAll();
  const kms = 'google.cloud.kms.v1.KeyManagementService';
  assert.deepEqual(
    root
      .lookupService(kms)
      .methodsArray.map((m) => m.name)
      .sort(),
    KMS_METHODS.map((m) => m[0].toUpperCase() + m.slice(1)).sort(),
  );
  // What the generated client's constructor and gax's operations client look up in this root.
  for (const type of ['google.protobuf.Empty', 'google.cloud.kms.v1.DeleteCryptoKeyVersionMetadata'])
    assert.ok(root.lookupType(type), type);
  assert.ok(root.lookupService('google.longrunning.Operations'), 'the long-running operations client needs it');
  assert.ok(root.lookupType('google.cloud.kms.v1.CryptoKeyVersion'), 'reached from getCryptoKey');
  assert.equal(root.lookup('google.cloud.kms.v1.EkmService'), null, 'no EKM call: its service is gone');
  assert.equal(root.lookup('google.cloud.kms.v1.MacSignRequest'), null, 'macSign is not called');
});
