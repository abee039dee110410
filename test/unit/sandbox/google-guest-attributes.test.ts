// Guest attributes in the sandbox, through the real @google-cloud/compute client: a worker booted
// from the bootstrap's generated startup script writes its health under runner-ops/ through the
// metadata server (only with enable-guest-attributes=TRUE), instances.getGuestAttributes answers
// as Compute does (queryPath, variableKey, 404 when nothing is there), and the values follow the
// world (jobs that start and finish, a reboot's new start time).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { InstancesClient } from '@google-cloud/compute';
import { COMPLETION_LINE, GUEST_HEALTH_EVERY_SEC, workerScript } from '../../../src/core/worker-script';
import { interpretScript } from '../../sandbox/google/script-interpreter';
import { gaxOptions, noRetry, startGoogleOnly, workers, type GoogleOnlySandbox } from '../../sandbox/google/testing';
import { startSandbox } from '../../sandbox/server';

const ZONE = 'europe-west1-b';

describe('the generated startup script, read by the sandbox', () => {
  it('publishes every runner-ops/ key in a background loop every 5 minutes, after starting the runner', () => {
    const script = workerScript({ bucket: 'b', prefix: 'runners/', kmsKey: 'k', secrets: [] });
    const commands = interpretScript(`fetch_secret gs://b/x /x\n${script}`, 'w1').commands.map((c) => c.kind);
    assert.deepEqual(commands.slice(-3), ['docker-run', 'publish-health', 'echo']);
    const publish = interpretScript(`fetch_secret gs://b/x /x\n${script}`, 'w1').commands.find(
      (c) => c.kind === 'publish-health',
    );
    assert.deepEqual(publish, {
      kind: 'publish-health',
      namespace: 'runner-ops',
      keys: [
        'runner-state',
        'image-tag',
        'containers',
        'jobs',
        'disk-used-percent',
        'config-sha256',
        'last-start',
        'updated',
      ],
      everyMs: GUEST_HEALTH_EVERY_SEC * 1000,
    });
  });
});

describe('instances.getGuestAttributes (Google-only sandbox)', () => {
  let sb: GoogleOnlySandbox;
  let instances: InstancesClient;
  let project: string;
  const fleet = workers(1, [ZONE]);
  const get = (instance: string, query: { queryPath?: string; variableKey?: string }) =>
    instances.getGuestAttributes({ project, zone: ZONE, instance, ...query }, noRetry).then(([answer]) => answer);
  const values = async (instance: string) =>
    Object.fromEntries(
      ((await get(instance, { queryPath: 'runner-ops/' })).queryValue?.items ?? []).map((e) => [e.key, e.value]),
    );
  const vm = (name: string) => sb.google.state.compute.vm(project, ZONE, name);

  before(async () => {
    sb = await startGoogleOnly(1);
    fleet.forEach((w) => sb.gitlab.validTokens.add(w.runnerToken));
    ({ project } = sb.google.seed('small', fleet));
    instances = new InstancesClient(gaxOptions(sb.port));
    // Boots from the bootstrap's generated script instead of the seed's (same secrets, same key).
    const spec = vm('gitlab-runner-1').spec;
    const kmsKey = spec.metadata.find((m) => m.key === 'kms-key')!.value;
    const bucket = /gs:\/\/([^/]+)/.exec(spec.metadata.find((m) => m.key === 'deploy-key-object')!.value)![1];
    const script = workerScript({
      bucket,
      prefix: 'runners/',
      kmsKey,
      // The same config on every VM here, so each one's boot gets as far as the runner.
      secrets: [{ object: 'gitlab-runner-1/config.toml.enc', destination: '/srv/gitlab-runner/config/config.toml' }],
    });
    spec.metadata = spec.metadata.map((m) => (m.key === 'startup-script' ? { ...m, value: script } : m));
    const disabled = sb.google.state.compute.createVm(project, ZONE, 'no-guest-attributes', {
      ...spec,
      metadata: spec.metadata.filter((m) => m.key !== 'enable-guest-attributes'),
    });
    sb.google.state.compute.createVm(project, ZONE, 'no-script', { ...spec, metadata: [] });
    sb.google.state.compute.reset(vm('gitlab-runner-1'));
    for (const v of [disabled, vm('no-script')])
      sb.google.state.compute.start(Object.assign(v, { status: 'TERMINATED' }));
    sb.clock.advance(6_000); // staged 3 s; the script runs 2 s after boot
  });
  after(async () => {
    await instances.close();
    await sb.close();
  });

  it('answers a namespace query with every key the script wrote, as Compute shapes it', async () => {
    const vm1 = vm('gitlab-runner-1');
    vm1.guest.containers = [{ name: 'postgres-ci-41', jobId: 41 }, { name: 'node-exporter' }];
    vm1.guest.diskUsedPercent = 95;
    sb.gitlab.jobsOn.set(vm1.systemId, [42]);
    sb.clock.advance(GUEST_HEALTH_EVERY_SEC * 1000); // the next round of publish_health
    const answer = await get('gitlab-runner-1', { queryPath: 'runner-ops/' });
    assert.equal(answer.kind, 'compute#guestAttributes');
    assert.equal(answer.queryPath, 'runner-ops/');
    assert.match(
      String(answer.selfLink),
      /\/zones\/europe-west1-b\/instances\/gitlab-runner-1\/guestAttributes\/runner-ops\/$/,
    );
    assert.ok(answer.queryValue?.items?.every((e) => e.namespace === 'runner-ops'));
    const published = await values('gitlab-runner-1');
    assert.deepEqual(Object.keys(published).sort(), [
      'config-sha256',
      'containers',
      'disk-used-percent',
      'image-tag',
      'jobs',
      'last-start',
      'runner-state',
      'updated',
    ]);
    assert.equal(published['containers'], 'postgres-ci-41 41\nnode-exporter ');
    assert.equal(published['jobs'], '42');
    assert.equal(published['disk-used-percent'], '95');
    assert.equal(published['runner-state'], 'running');
    assert.equal(published['image-tag'], 'v17.11.0');
    assert.match(String(published['config-sha256']), /^[0-9a-f]{64}$/);
    assert.match(String(published['updated']), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it('answers one key with variableKey, and 404 for a key or namespace with nothing in it', async () => {
    const one = await get('gitlab-runner-1', { variableKey: 'runner-ops/disk-used-percent' });
    assert.equal(one.kind, 'compute#guestAttributes');
    assert.equal(one.variableKey, 'runner-ops/disk-used-percent');
    assert.equal(one.variableValue, '95');
    assert.equal(one.queryValue, undefined, 'no queryValue for a variableKey');
    for (const query of [{ variableKey: 'runner-ops/nope' }, { queryPath: 'hostkeys/' }]) {
      await assert.rejects(get('gitlab-runner-1', query), (e: { code?: number; message?: string }) => {
        assert.equal(e.code, 5); // NOT_FOUND, from HTTP 404
        assert.match(String(e.message), /guestAttributes\/(runner-ops\/nope|hostkeys\/)' was not found/);
        return true;
      });
    }
  });

  it('keeps the values current: a finished job leaves the list, a reboot a new start time', async () => {
    const vm1 = vm('gitlab-runner-1');
    const before = await values('gitlab-runner-1');
    sb.gitlab.jobsOn.set(vm1.systemId, []);
    sb.clock.advance(60_000);
    assert.equal((await values('gitlab-runner-1'))['jobs'], '42', 'not republished within 5 minutes');
    sb.clock.advance(GUEST_HEALTH_EVERY_SEC * 1000);
    assert.equal((await values('gitlab-runner-1'))['jobs'], '');
    sb.google.state.compute.reset(vm1);
    sb.clock.advance(5_000);
    assert.ok((await values('gitlab-runner-1'))['last-start']! > before['last-start']!);
  });

  it('writes nothing without enable-guest-attributes=TRUE, or from a script that does not publish', async () => {
    const [console] = await instances.getSerialPortOutput(
      { project, zone: ZONE, instance: 'no-guest-attributes', port: 1 },
      noRetry,
    );
    assert.match(String(console.contents), new RegExp(COMPLETION_LINE), 'its script ran to the end');
    for (const name of ['no-guest-attributes', 'no-script']) {
      assert.equal(vm(name).status, 'RUNNING');
      await assert.rejects(get(name, { queryPath: 'runner-ops/' }), (e: { code?: number }) => e.code === 5);
    }
  });
});

describe("the demo's guest attributes (full sandbox)", () => {
  it('runner-b reports three containers of finished jobs, a node exporter and a 95% disk; runner-a a clean VM', async () => {
    const sandbox = await startSandbox({ seed: 'demo' });
    const instances = new InstancesClient(gaxOptions(Number(new URL(sandbox.url).port)));
    try {
      const project = String(sandbox.settings['runnerOps.gcp.project']);
      const read = async (zone: string, instance: string) =>
        Object.fromEntries(
          (
            (await instances.getGuestAttributes({ project, zone, instance, queryPath: 'runner-ops/' }, noRetry))[0]
              .queryValue?.items ?? []
          ).map((e) => [e.key, e.value]),
        );
      const b = await read('europe-west1-c', 'gitlab-runner-b');
      assert.equal(b['disk-used-percent'], '95');
      const lines = String(b['containers']).split('\n');
      assert.equal(lines.length, 4);
      assert.match(lines[3], /^node-exporter $/);
      const gitlab = (sandbox.world.gitlab as import('../../sandbox/gitlab/index').GitLabHalf).state;
      for (const line of lines.slice(0, 3)) {
        const [, id] = /^\S+-(\d+) (\d+)$/.exec(line)!;
        assert.equal(gitlab.jobs.get(Number(id))?.status, 'success', `${line}: its job finished`);
      }
      const a = await read('europe-west1-b', 'gitlab-runner-a');
      assert.equal(a['containers'], '');
      assert.ok(Number(a['disk-used-percent']) < 90);
    } finally {
      await instances.close();
      await sandbox.close();
    }
  });
});
