// The seeds' Google side, read back through the real clients: the KMS key and its versions, the
// versioned bucket with the three encrypted secrets, the template, the group, and the scale size.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { InstanceGroupManagersClient, InstancesClient } from '@google-cloud/compute';
import { KeyManagementServiceClient } from '@google-cloud/kms';
import { Storage } from '@google-cloud/storage';
import { parse as parseToml } from 'smol-toml';
import { SandboxClock } from '../../sandbox/clock';
import { createGoogle, type SeedResult } from '../../sandbox/google/index';
import {
  gaxOptions,
  noRetry,
  RecordingGitLab,
  startGoogleOnly,
  workers,
  type GoogleOnlySandbox,
} from '../../sandbox/google/testing';

describe('demo seed', () => {
  let sb: GoogleOnlySandbox;
  let seeded: SeedResult;
  let kms: KeyManagementServiceClient;
  let storage: Storage;
  const fleet = workers(3);
  fleet[2].healthy = false;
  const withIp = { ...fleet[2], ipAddress: '10.132.0.99' };
  fleet[2] = withIp;

  before(async () => {
    sb = await startGoogleOnly();
    fleet.forEach((w) => sb.gitlab.validTokens.add(w.runnerToken));
    seeded = sb.google.seed('demo', fleet);
    kms = new KeyManagementServiceClient({ ...gaxOptions(sb.port), fallback: true });
    storage = new Storage({ apiEndpoint: sb.url, projectId: seeded.project, retryOptions: { autoRetry: false } });
  });
  after(async () => {
    await kms.close();
    await sb.close();
  });

  it('names the project, zones and the instance filter', () => {
    assert.equal(seeded.project, 'runner-ops-demo');
    assert.deepEqual(seeded.zones, ['europe-west1-b', 'europe-west1-c']);
    assert.equal(seeded.instanceFilter, 'labels.role = gitlab-runner');
    assert.match(
      seeded.kmsKey,
      /^projects\/runner-ops-demo\/locations\/[a-z0-9-]+\/keyRings\/runner-secrets\/cryptoKeys\/runner-secrets-key$/,
    );
  });

  it('has a key with a rotation period and two versions, the latest primary', async () => {
    const [key] = await kms.getCryptoKey({ name: seeded.kmsKey }, noRetry);
    assert.ok(Number(key.rotationPeriod?.seconds) >= 86_400);
    assert.ok(key.nextRotationTime);
    assert.equal(key.primary?.name, `${seeded.kmsKey}/cryptoKeyVersions/2`);
    const [versions] = await kms.listCryptoKeyVersions({ parent: seeded.kmsKey }, noRetry);
    assert.deepEqual(
      versions.map((v) => v.state),
      ['ENABLED', 'ENABLED'],
    );
  });

  it('keeps the three secrets in a versioned bucket as real KMS ciphertext', async () => {
    const bucket = storage.bucket(seeded.bucket);
    assert.equal((await bucket.getMetadata())[0].versioning?.enabled, true);
    const [files] = await bucket.getFiles({ prefix: seeded.prefix });
    const names = files.map((f) => f.name);
    assert.ok(names.includes(`${seeded.prefix}deploy-key.enc`));
    assert.ok(names.includes(`${seeded.prefix}sa-key.json.enc`));
    const decrypt = async (name: string) => {
      const [ciphertext] = await bucket.file(name).download();
      const [res] = await kms.decrypt({ name: seeded.kmsKey, ciphertext }, noRetry);
      return { text: Buffer.from(res.plaintext as Uint8Array).toString(), usedPrimary: res.usedPrimary };
    };
    assert.match((await decrypt(`${seeded.prefix}deploy-key.enc`)).text, /-----BEGIN PRIVATE KEY-----/);
    const sa = await decrypt(`${seeded.prefix}sa-key.json.enc`);
    assert.equal(JSON.parse(sa.text).type, 'service_account');
    assert.equal(sa.usedPrimary, false, 'the service-account key still waits for re-encryption under the new version');
    const config = parseToml((await decrypt(`${seeded.prefix}${fleet[0].name}/config.toml.enc`)).text) as {
      runners: Array<{ token: string; executor: string }>;
    };
    assert.equal(config.runners[0].token, fleet[0].runnerToken);
    assert.equal(config.runners[0].executor, 'shell');
    const [history] = await bucket.getFiles({ prefix: `${seeded.prefix}${fleet[0].name}/`, versions: true });
    assert.equal(history.length, 2, 'an older generation of the config is kept');
  });

  it('runs every worker; the unhealthy one is RUNNING but its runner is refused', async () => {
    const instances = new InstancesClient(gaxOptions(sb.port));
    const groups = new InstanceGroupManagersClient(gaxOptions(sb.port));
    for (const w of fleet) {
      const [vm] = await instances.get({ project: seeded.project, zone: w.zone, instance: w.name }, noRetry);
      assert.equal(vm.status, 'RUNNING');
      assert.equal(vm.labels?.role, 'gitlab-runner');
      assert.match(String(vm.metadata?.items?.find((i) => i.key === 'kms-key')?.value), /runner-secrets-key$/);
    }
    const [unhealthy] = await instances.get(
      { project: seeded.project, zone: withIp.zone, instance: withIp.name },
      noRetry,
    );
    assert.equal(unhealthy.networkInterfaces?.[0].networkIP, '10.132.0.99', 'the IP GitLab last saw for the worker');
    const accepted = new Set(sb.gitlab.checkIns.filter((c) => c.accepted).map((c) => c.token));
    assert.deepEqual([...accepted].sort(), [fleet[0].runnerToken, fleet[1].runnerToken].sort());
    assert.ok(
      sb.gitlab.checkIns.some((c) => !c.accepted),
      'the unhealthy runner presents a token GitLab refuses',
    );
    const [mig] = await groups.list({ project: seeded.project, zone: fleet[2].zone }, noRetry);
    assert.equal(mig.length, 1);
    await Promise.all([instances.close(), groups.close()]);
  });
});

describe('scale seed', () => {
  it('builds 2,000 running workers quickly', () => {
    const gitlab = new RecordingGitLab();
    const fleet = workers(2000, ['us-central1-a', 'us-central1-b', 'europe-west1-b', 'europe-west1-c']);
    fleet.forEach((w) => gitlab.validTokens.add(w.runnerToken));
    const google = createGoogle({ clock: new SandboxClock(), gitlab, baseUrl: 'http://127.0.0.1:9' });
    // CPU time, not wall time: other processes on a busy CI box must not fail this test.
    const cpu = process.cpuUsage();
    const started = performance.now();
    google.seed('scale', fleet);
    const wallMs = performance.now() - started;
    const { user, system } = process.cpuUsage(cpu);
    const ms = (user + system) / 1000;
    assert.equal(google.state.compute.vms.size, 2000);
    assert.ok([...google.state.compute.vms.values()].every((vm) => vm.status === 'RUNNING'));
    assert.equal(new Set(gitlab.checkIns.map((c) => c.token)).size, 2000);
    // About 1 s on an idle machine; the bound leaves room for slower ones (GC runs on other threads too).
    assert.ok(ms < 2_500, `scale seed used ${ms.toFixed(0)} ms of CPU (${wallMs.toFixed(0)} ms wall)`);
  });
});
