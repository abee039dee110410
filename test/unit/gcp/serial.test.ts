// The serial adapter against the sandbox's Compute: real client, real HTTP, real offsets.
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { ComputeAdapter } from '../../../src/gcp/compute';
import { serialSource, type SerialSettings } from '../../../src/gcp/serial';
import { isFailure } from '../../../src/core/failures';
import { startSandbox, type Sandbox } from '../../sandbox/server';
import type { GoogleSandbox } from '../../sandbox/google/index';

let sandbox: Sandbox;
let settings: SerialSettings;

before(async () => {
  sandbox = await startSandbox({ seed: 'small' });
  const s = sandbox.settings;
  settings = {
    gcpProject: s['runnerOps.gcp.project'] as string,
    gcpZones: s['runnerOps.gcp.zones'] as string[],
    instanceFilter: s['runnerOps.gcp.instanceFilter'] as string,
    credentials: 'none',
    endpoints: s['runnerOps.gcp.endpoints'] as SerialSettings['endpoints'],
  };
});
after(() => sandbox.close());

test('lists the runner VMs and reads a serial port by byte offsets', async () => {
  const vms = await new ComputeAdapter(settings).listWorkers();
  assert.deepEqual(vms.map((v) => v.name).sort(), ['gitlab-runner-1', 'gitlab-runner-2']);
  const vm = { ...vms.find((v) => v.name === 'gitlab-runner-1')!, project: settings.gcpProject };
  const port = (sandbox.world.google as GoogleSandbox).state.compute.vm(vm.project, vm.zone, vm.name).serial.get(1)!;
  const source = serialSource(settings, vm);
  const first = await source.read(1, -100);
  assert.equal(first.next, port.next);
  assert.equal(first.start, port.next - 100);
  port.write('héllo\r\n');
  const second = await source.read(1, first.next);
  assert.equal(second.contents, 'héllo\r\n');
  assert.equal(second.next, first.next + 8, 'next counts bytes, not characters');
  const reached = sandbox.requests.all().filter((r) => r.path.includes('/serialPort'));
  assert.match(reached[reached.length - 1].path, /\/instances\/gitlab-runner-1\/serialPort\?.*start=\d+/);
});

test('a VM that does not exist stops the tail instead of retrying', async () => {
  const source = serialSource(settings, {
    project: settings.gcpProject,
    zone: settings.gcpZones[0],
    name: 'no-such-vm',
  });
  const mark = sandbox.requests.mark();
  await assert.rejects(
    source.read(1, 0),
    (e: unknown) => isFailure(e) && e.permanent && e.kind === 'not-found' && /not found/.test(e.message),
  );
  assert.equal(sandbox.requests.since(mark).length, 1, 'no client-side retry');
});
