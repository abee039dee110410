// The living world end to end: a VM inserted from the template through the real Compute client
// boots, its startup script fetches and decrypts the runner's secrets from the sandbox's own
// Storage and KMS state, and its runner checks in to GitLab with the right token and IP.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { InstancesClient, ZoneOperationsClient } from '@google-cloud/compute';
import { KeyManagementServiceClient } from '@google-cloud/kms';
import { Gitlab } from '@gitbeaker/rest';
import { startSandbox, type Sandbox } from '../../sandbox/server';
import { gaxOptions, noRetry, startGoogleOnly, workers, type GoogleOnlySandbox } from '../../sandbox/google/testing';

const ZONE = 'europe-west1-b';
const TEMPLATE = 'global/instanceTemplates/gitlab-runner-template';

async function waitDone(
  operations: ZoneOperationsClient,
  project: string,
  zone: string,
  lro: { latestResponse?: unknown },
) {
  const name = (lro.latestResponse as { name: string }).name;
  for (;;) {
    const [op] = await operations.wait({ project, zone, operation: name }, noRetry);
    if (op.status === 'DONE') return op;
  }
}

describe('a worker VM boots, decrypts its config and checks in (fake GitLab)', () => {
  let sb: GoogleOnlySandbox;
  let instances: InstancesClient;
  let operations: ZoneOperationsClient;
  let project: string;
  let kmsKey: string;
  const fleet = workers(1);
  const serial = async (instance: string) =>
    String((await instances.getSerialPortOutput({ project, zone: ZONE, instance, port: 1 }, noRetry))[0].contents);

  before(async () => {
    sb = await startGoogleOnly(200); // 5 simulated seconds of boot take 25 ms
    fleet.forEach((w) => sb.gitlab.validTokens.add(w.runnerToken));
    ({ project, kmsKey } = sb.google.seed('small', fleet));
    instances = new InstancesClient(gaxOptions(sb.port));
    operations = new ZoneOperationsClient(gaxOptions(sb.port));
  });
  after(async () => {
    await Promise.all([instances.close(), operations.close()]);
    await sb.close();
  });

  it('re-provisions a worker: delete, insert from the template, RUNNING, startup script, check-in', async () => {
    const [old] = await instances.get({ project, zone: ZONE, instance: 'gitlab-runner-1' }, noRetry);
    const oldSystemId = sb.google.state.compute.vm(project, ZONE, 'gitlab-runner-1').systemId;
    assert.ok(
      sb.gitlab.checkIns.some(
        (c) => c.token === fleet[0].runnerToken && c.host.ipAddress === old.networkInterfaces?.[0].networkIP,
      ),
      'the seeded VM checked in',
    );

    const [deletion] = await instances.delete({ project, zone: ZONE, instance: 'gitlab-runner-1' }, noRetry);
    assert.ok(sb.gitlab.gone.includes(oldSystemId), 'the runner process ends with its VM');
    assert.ok(!(await waitDone(operations, project, ZONE, deletion)).error);

    sb.gitlab.checkIns.length = 0;
    const [insertion] = await instances.insert(
      { project, zone: ZONE, sourceInstanceTemplate: TEMPLATE, instanceResource: { name: 'gitlab-runner-1' } },
      noRetry,
    );
    const done = await waitDone(operations, project, ZONE, insertion);
    assert.ok(!done.error);
    const [vm] = await instances.get({ project, zone: ZONE, instance: 'gitlab-runner-1' }, noRetry);
    assert.equal(vm.status, 'RUNNING');
    assert.notEqual(vm.id, old.id);

    let console = '';
    for (let i = 0; i < 200 && !/exit status 0/.test(console); i++) {
      await new Promise((r) => setTimeout(r, 10));
      console = await serial('gitlab-runner-1');
    }
    assert.match(
      console,
      /google_metadata_script_runner\[\d+\]: startup-script: Fetching gs:\/\/runner-ops-small-runner-secrets\/runners\/gitlab-runner-1\/config\.toml\.enc/,
    );
    assert.match(console, new RegExp(`decrypting with ${kmsKey.replace(/\//g, '\\/')}`));
    assert.match(console, /docker run .*gitlab\/gitlab-runner/);
    assert.match(console, /gitlab-runner\[\d+\]: Configuration loaded/);

    for (let i = 0; i < 200 && sb.gitlab.checkIns.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 10));
      sb.google.tick(sb.clock.now());
    }
    const checkIn = sb.gitlab.checkIns[0];
    assert.ok(checkIn, 'the new runner process checked in');
    assert.equal(checkIn.token, fleet[0].runnerToken);
    assert.equal(checkIn.host.ipAddress, vm.networkInterfaces?.[0].networkIP);
    assert.equal(checkIn.host.systemId, sb.google.state.compute.vm(project, ZONE, 'gitlab-runner-1').systemId);
    assert.notEqual(checkIn.host.systemId, oldSystemId, 'a new boot disk is a new system_id');
    assert.deepEqual(
      [checkIn.host.platform, checkIn.host.architecture, checkIn.host.executor],
      ['linux', 'amd64', 'shell'],
    );
  });

  it('a disabled key version breaks the boot: the error is on the console and nobody checks in', async () => {
    const kms = new KeyManagementServiceClient({ ...gaxOptions(sb.port), fallback: true });
    const [key] = await kms.getCryptoKey({ name: kmsKey }, noRetry);
    await kms.updateCryptoKeyVersion(
      { cryptoKeyVersion: { name: key.primary!.name, state: 'DISABLED' }, updateMask: { paths: ['state'] } },
      noRetry,
    );
    await instances.reset({ project, zone: ZONE, instance: 'gitlab-runner-1' }, noRetry);
    sb.gitlab.checkIns.length = 0;
    sb.clock.advance(60_000);
    const console = await serial('gitlab-runner-1');
    assert.match(
      console,
      /ERROR: \(gcloud\.kms\.decrypt\) FAILED_PRECONDITION: .*cryptoKeyVersions\/2 is not enabled, current state is: DISABLED/,
    );
    assert.match(console, /startup-script exit status 1/);
    assert.doesNotMatch(console, /Configuration loaded/);
    assert.equal(sb.gitlab.checkIns.length, 0);
    assert.equal(
      (await instances.get({ project, zone: ZONE, instance: 'gitlab-runner-1' }, noRetry))[0].status,
      'RUNNING',
      'the VM runs; only its runner is missing',
    );
    await kms.updateCryptoKeyVersion(
      { cryptoKeyVersion: { name: key.primary!.name, state: 'ENABLED' }, updateMask: { paths: ['state'] } },
      noRetry,
    );
    await kms.close();
  });

  it('a reset runner token makes the runner log forbidden and back off', async () => {
    await instances.reset({ project, zone: ZONE, instance: 'gitlab-runner-1' }, noRetry);
    sb.gitlab.validTokens.delete(fleet[0].runnerToken);
    sb.gitlab.checkIns.length = 0;
    for (let i = 0; i < 10; i++) {
      sb.clock.advance(3_000);
      sb.google.tick(sb.clock.now());
    }
    const refused = sb.gitlab.checkIns.filter((c) => !c.accepted);
    assert.equal(refused.length, 3, 'three refused requests, then unhealthy for an hour');
    const console = await serial('gitlab-runner-1');
    assert.match(console, /WARNING: Checking for jobs\.\.\. forbidden/);
    assert.match(console, /is unhealthy and will be disabled for 1h0m0s/);
  });
});

describe('a worker VM booted through Compute shows up online in GitLab (full sandbox)', () => {
  let sandbox: Sandbox;
  let instances: InstancesClient;
  let operations: ZoneOperationsClient;

  before(async () => {
    sandbox = await startSandbox({ seed: 'small', timeScale: 50 });
    instances = new InstancesClient(gaxOptions(Number(new URL(sandbox.url).port)));
    operations = new ZoneOperationsClient(gaxOptions(Number(new URL(sandbox.url).port)));
  });
  after(async () => {
    await Promise.all([instances.close(), operations.close()]);
    await sandbox.close();
  });

  it('goes offline when its VM is deleted and online again once a new VM boots from the template', async () => {
    const api = new Gitlab({ host: sandbox.url, token: sandbox.gitlabToken });
    const project = String(sandbox.settings['runnerOps.gcp.project']);
    const [vm] = (
      await instances.list({ project, zone: 'us-central1-a', filter: 'labels.role = gitlab-runner' }, noRetry)
    )[0];
    const runners = (await api.Runners.all({ type: 'instance_type' })) as unknown as Array<{
      id: number;
      description: string;
      status: string;
    }>;
    const runner = runners.find((r) => r.description === vm.name)!;
    assert.equal(runner.status, 'online');

    await waitDone(
      operations,
      project,
      'us-central1-a',
      (await instances.delete({ project, zone: 'us-central1-a', instance: vm.name! }, noRetry))[0],
    );
    sandbox.world.clock.advance(3 * 3_600_000); // past GitLab's 2 h online window
    await new Promise((r) => setTimeout(r, 250));
    assert.equal(((await api.Runners.show(runner.id)) as unknown as { status: string }).status, 'offline');

    const insert = await instances.insert(
      { project, zone: 'us-central1-a', sourceInstanceTemplate: TEMPLATE, instanceResource: { name: vm.name } },
      noRetry,
    );
    await waitDone(operations, project, 'us-central1-a', insert[0]);
    let status = 'offline';
    for (let i = 0; i < 100 && status !== 'online'; i++) {
      await new Promise((r) => setTimeout(r, 50));
      status = ((await api.Runners.show(runner.id)) as unknown as { status: string }).status;
    }
    assert.equal(status, 'online');
    const [fresh] = await instances.get({ project, zone: 'us-central1-a', instance: vm.name! }, noRetry);
    assert.equal(fresh.status, 'RUNNING');
    // gitbeaker has no method for a runner's managers; the new VM's IP is the one contacting.
    const res = await fetch(`${sandbox.url}/api/v4/runners/${runner.id}/managers`, {
      headers: { 'PRIVATE-TOKEN': sandbox.gitlabToken },
    });
    const managers = (await res.json()) as Array<{ ip_address: string; status: string }>;
    assert.ok(
      managers.some((m) => m.ip_address === fresh.networkInterfaces?.[0].networkIP && m.status === 'online'),
      JSON.stringify(managers),
    );
  });
});

describe('the demo world (full sandbox)', () => {
  let sandbox: Sandbox;
  let instances: InstancesClient;

  before(async () => {
    sandbox = await startSandbox({ seed: 'demo' });
    instances = new InstancesClient(gaxOptions(Number(new URL(sandbox.url).port)));
  });
  after(async () => {
    await instances.close();
    await sandbox.close();
  });

  it('has every worker RUNNING, and exactly the unhealthy one offline in GitLab', async () => {
    const api = new Gitlab({ host: sandbox.url, token: sandbox.gitlabToken });
    const project = String(sandbox.settings['runnerOps.gcp.project']);
    const filter = String(sandbox.settings['runnerOps.gcp.instanceFilter']);
    const vms: Array<{ name: string; zone: string; status?: string | null }> = [];
    for await (const [scope, scoped] of instances.aggregatedListAsync({ project, filter }, noRetry)) {
      for (const vm of scoped.instances ?? [])
        vms.push({ name: vm.name!, zone: scope.replace('zones/', ''), status: vm.status });
    }
    assert.ok(vms.length >= 2);
    assert.ok(vms.every((vm) => vm.status === 'RUNNING'));
    const runners = (await api.Runners.all()) as unknown as Array<{ description: string; status: string }>;
    const statusOf = new Map(runners.map((r) => [r.description, r.status]));
    const offline = vms.filter((vm) => statusOf.get(vm.name) !== 'online');
    assert.equal(offline.length, 1, JSON.stringify([...statusOf]));
    const [console] = await instances.getSerialPortOutput(
      { project, zone: offline[0].zone, instance: offline[0].name, port: 1 },
      noRetry,
    );
    assert.match(String(console.contents), /Checking for jobs\.\.\. forbidden/);
  });
});
