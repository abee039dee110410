// Partial responses (fields / X-Goog-FieldMask) in the sandbox's Google APIs: the mask's syntax,
// and what reaches a real client when it asks for less.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { InstancesClient } from '@google-cloud/compute';
import { PassThroughClient } from 'google-auth-library';
import { applyFieldMask, parseFieldMask } from '../../sandbox/google/field-mask';
import { startSandbox, type Sandbox } from '../../sandbox/server';

const vm = {
  name: 'a',
  status: 'RUNNING',
  networkInterfaces: [{ networkIP: '10.0.0.2', accessConfigs: [{ natIP: '34.1.1.1', name: 'External NAT' }] }],
  metadata: { fingerprint: 'x', items: [{ key: 'k', value: 'v' }] },
};

test('a mask keeps the fields it names, inside arrays and maps too', () => {
  const keep = (mask: string, value: unknown) => applyFieldMask(value, parseFieldMask(mask));
  assert.deepEqual(keep('name,status', vm), { name: 'a', status: 'RUNNING' });
  assert.deepEqual(keep('networkInterfaces(accessConfigs(natIP))', vm), {
    networkInterfaces: [{ accessConfigs: [{ natIP: '34.1.1.1' }] }],
  });
  assert.deepEqual(keep('metadata/items', vm), { metadata: { items: [{ key: 'k', value: 'v' }] } });
  assert.deepEqual(
    keep('items/*/instances(name),nextPageToken', {
      items: { 'zones/a': { instances: [vm] }, 'zones/b': { warning: {} } },
      nextPageToken: 't',
    }),
    {
      items: { 'zones/a': { instances: [{ name: 'a' }] }, 'zones/b': {} },
      nextPageToken: 't',
    },
  );
  assert.deepEqual(keep('metadata(items),metadata/fingerprint', vm), { metadata: vm.metadata });
  assert.deepEqual(keep('missing,name', vm), { name: 'a' });
});

test('a malformed mask is refused with the place it went wrong', () => {
  assert.throws(() => parseFieldMask('items(name'), /Invalid field selection "items\(name": expected "\)"/);
  assert.throws(() => parseFieldMask('name,,status'), /expected a field name at position 6/);
  assert.throws(() => parseFieldMask('name)'), /unexpected "\)"/);
});

let sandbox: Sandbox;
let client: InstancesClient;
let project: string;
before(async () => {
  sandbox = await startSandbox({ seed: 'demo' });
  const s = sandbox.settings as Record<string, never>;
  project = s['runnerOps.gcp.project'];
  const url = new URL((s['runnerOps.gcp.endpoints'] as { compute: string }).compute);
  client = new InstancesClient({
    apiEndpoint: url.hostname,
    port: Number(url.port),
    protocol: 'http',
    authClient: new PassThroughClient(),
  } as ConstructorParameters<typeof InstancesClient>[0]);
});
after(async () => {
  await client.close();
  await sandbox.close();
});

test('Compute answers a list with only the fields of X-Goog-FieldMask, and pages still follow', async () => {
  const zone = 'europe-west1-b';
  const [full] = await client.list({ project, zone }, { autoPaginate: false });
  const names: string[] = [];
  for await (const instance of client.listAsync(
    { project, zone, maxResults: 1 },
    { otherArgs: { headers: { 'X-Goog-FieldMask': 'items(name,status,metadata(items)),nextPageToken' } } },
  )) {
    names.push(instance.name!);
    assert.ok(instance.status);
    assert.ok(instance.metadata?.items?.length);
    // What the mask left out does not arrive.
    assert.ok(!instance.selfLink && !instance.disks?.length, 'selfLink and disks left out');
  }
  assert.deepEqual(names.sort(), full.map((i) => i.name).sort());
  assert.ok(
    full.every((i) => i.selfLink && i.disks?.length),
    'without a mask, everything',
  );
});

test('the fields parameter works the same; a malformed one is a 400 in Google’s words, errors come whole', async () => {
  const base = `${(sandbox.settings as Record<string, { compute: string }>)['runnerOps.gcp.endpoints'].compute}/compute/v1/projects/${project}/zones/europe-west1-b/instances`;
  const listed = (await (await fetch(`${base}?fields=items(name)`)).json()) as { items: object[] };
  assert.ok(listed.items.length > 0);
  assert.ok(listed.items.every((i) => Object.keys(i).join() === 'name'));
  const bad = await fetch(`${base}?fields=items(name`);
  assert.equal(bad.status, 400);
  const error = (await bad.json()) as { error: { status: string; message: string } };
  assert.equal(error.error.status, 'INVALID_ARGUMENT');
  assert.match(error.error.message, /Invalid field selection/);
  const missing = await fetch(`${base}/nope?fields=name`);
  assert.equal(missing.status, 404);
  assert.ok(((await missing.json()) as { error: { code: number } }).error.code === 404);
});
