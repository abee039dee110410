// The Compute descriptor pruned to the methods Runner Ops calls (scripts/prune-protos.mjs, fed by
// src/gcp/compute-methods.ts): those methods and the types they reach stay, the rest goes, and a
// method that does not exist stops the build.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as protobuf from 'protobufjs';
import { COMPUTE_METHODS } from '../../../src/gcp/compute-methods';

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
