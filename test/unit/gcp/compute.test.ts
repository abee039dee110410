// The Compute adapter against the sandbox, through the real client with the descriptor the
// bundle ships (pruned) or the full one (tests load the package's own).
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { GoogleSandbox } from '../../sandbox/google/index';
import { startSandbox, type Sandbox } from '../../sandbox/server';
import { applyFieldMask, parseFieldMask } from '../../sandbox/google/field-mask';
import { ComputeAdapter, INSTANCE_FIELDS, toWorkerVm, type ComputeSettings } from '../../../src/gcp/compute';

let sandbox: Sandbox;
let settings: ComputeSettings;
const adapters: ComputeAdapter[] = [];
const adapter = (overrides: Partial<ComputeSettings> = {}) => {
  const a = new ComputeAdapter({ ...settings, ...overrides });
  adapters.push(a);
  return a;
};

before(async () => {
  sandbox = await startSandbox({ seed: 'demo' });
  const s = sandbox.settings as Record<string, never>;
  settings = {
    gcpProject: s['runnerOps.gcp.project'],
    gcpZones: s['runnerOps.gcp.zones'],
    instanceFilter: s['runnerOps.gcp.instanceFilter'],
    credentials: 'none',
    endpoints: s['runnerOps.gcp.endpoints'],
  };
});
after(async () => {
  await Promise.all(adapters.map((a) => a.close()));
  await sandbox.close();
});

test('per-zone lists and the aggregated list find the same runner VMs, with IPs, uptime and instance group', async () => {
  const perZone = await adapter().listWorkers();
  const aggregated = await adapter({ gcpZones: [] }).listWorkers();
  const names = (vms: typeof perZone) => vms.map((vm) => `${vm.zone}/${vm.name}`).sort();
  assert.deepEqual(names(perZone), [
    'europe-west1-b/gitlab-runner-a',
    'europe-west1-b/gitlab-runner-c',
    'europe-west1-c/gitlab-runner-b',
  ]);
  assert.deepEqual(names(aggregated), names(perZone));
  const c = perZone.find((vm) => vm.name === 'gitlab-runner-c')!;
  assert.equal(c.status, 'RUNNING');
  assert.match(c.internalIp ?? '', /^10\.132\.0\.\d+$/);
  assert.equal(c.instanceGroup, 'gitlab-runner-mig');
  assert.match(c.machineType, /^e2-/);
  assert.ok(c.lastStartedAt && c.lastStartedAt < Date.now());
  assert.equal(c.labels.role, 'gitlab-runner');
});

test('the field mask keeps everything a VM row shows', async () => {
  const raw = (await (
    await fetch(`${settings.endpoints.compute}/compute/v1/projects/${settings.gcpProject}/aggregated/instances`)
  ).json()) as { items: Record<string, { instances?: object[] }> };
  const instances = Object.values(raw.items).flatMap((scope) => scope.instances ?? []);
  assert.ok(instances.length >= 3);
  const mask = parseFieldMask(INSTANCE_FIELDS);
  for (const instance of instances)
    assert.deepEqual(toWorkerVm(applyFieldMask(instance, mask) as never), toWorkerVm(instance as never));
});

test('the instance filter reaches Compute and narrows the list', async () => {
  const mark = sandbox.requests.mark();
  const vms = await adapter({ instanceFilter: 'name = gitlab-runner-a' }).listWorkers();
  assert.deepEqual(
    vms.map((vm) => vm.name),
    ['gitlab-runner-a'],
  );
  const sent = sandbox.requests.since(mark).map((r) => decodeURIComponent(r.path));
  assert.ok(
    sent.every(
      (p) => p.includes('filter=name = gitlab-runner-a') || p.includes('filter=name+%3D') || /filter=name/.test(p),
    ),
    sent.join('\n'),
  );
});

test('a malformed filter says which setting to fix', async () => {
  await assert.rejects(adapter({ instanceFilter: 'labels.role = (' }).listWorkers(), (e: Error & { kind?: string }) => {
    assert.equal(e.kind, 'invalid');
    assert.match(e.message, /runnerOps\.gcp\.instanceFilter/);
    return true;
  });
});

test('an unavailable Compute API fails within seconds with one retry, not minutes of them', async () => {
  sandbox.faults.add('compute:*=503@1');
  const mark = sandbox.requests.mark();
  const started = Date.now();
  try {
    await assert.rejects(
      adapter({ gcpZones: ['europe-west1-b'] }).listWorkers(),
      (e: Error & { kind?: string }) => e.kind === 'unavailable',
    );
  } finally {
    sandbox.faults.clear();
  }
  assert.ok(Date.now() - started < 10_000, `took ${Date.now() - started} ms`);
  assert.ok(sandbox.requests.since(mark).length <= 2, `${sandbox.requests.since(mark).length} requests`);
});

test("a VM's guest attributes: one getGuestAttributes of runner-ops/, null when the VM publishes none there", async () => {
  const mark = sandbox.requests.mark();
  const entries = await adapter().guestAttributes({ zone: 'europe-west1-c', name: 'gitlab-runner-b' });
  assert.equal(entries?.find((e) => e.key === 'disk-used-percent')?.value, '95');
  assert.ok(entries?.every((e) => e.namespace === 'runner-ops'));
  const sent = sandbox.requests.since(mark).map((r) => decodeURIComponent(r.path));
  assert.deepEqual(sent, [
    `/compute/v1/projects/${settings.gcpProject}/zones/europe-west1-c/instances/gitlab-runner-b/getGuestAttributes?queryPath=runner-ops/`,
  ]);
  // A VM whose guest attributes were never written (disabled): Compute answers 404.
  const google = sandbox.world.google as GoogleSandbox;
  google.state.compute.vm(settings.gcpProject, 'europe-west1-b', 'gitlab-runner-a').guest.attributes.clear();
  assert.equal(await adapter().guestAttributes({ zone: 'europe-west1-b', name: 'gitlab-runner-a' }), null);
});

test('a project that does not exist is said, naming the setting, not shown as an empty fleet', async () => {
  for (const gcpZones of [settings.gcpZones, []])
    await assert.rejects(adapter({ gcpProject: 'no-such-project', gcpZones }).listWorkers(), (e: Error) => {
      assert.match(e.message, /no-such-project/);
      assert.match(e.message, /runnerOps\.gcp\.project/);
      return true;
    });
});
