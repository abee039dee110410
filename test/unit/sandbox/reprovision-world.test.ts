// What re-provisioning a worker relies on, through the real clients against the full sandbox:
// a paused runner finishes its running job but takes no new one; a VM deleted and inserted from
// its template (same name) is a new instance with a new IP whose runner checks in as a new
// manager; the stored runner token verifies; a broken secret fails the boot on the console.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { InstancesClient, ZoneOperationsClient } from '@google-cloud/compute';
import { Gitlab } from '@gitbeaker/rest';
import type { GoogleSandbox } from '../../sandbox/google/index';
import { gaxOptions, noRetry } from '../../sandbox/google/testing';
import { startSandbox, type Sandbox } from '../../sandbox/server';
import { assertSchema } from './gitlab-schema';

let sandbox: Sandbox;
let api: InstanceType<typeof Gitlab>;
let instances: InstancesClient;
let operations: ZoneOperationsClient;
let project: string;
const google = () => sandbox.world.google as GoogleSandbox;

/** Moves simulated time in steps, ticking both halves like the server's timer does. */
function drive(ms: number, stepMs = 1_000): void {
  for (let done = 0; done < ms; done += stepMs) {
    sandbox.world.clock.advance(stepMs);
    const now = sandbox.world.clock.now();
    sandbox.world.google.tick(now);
    sandbox.world.gitlab.tick(now);
  }
}

async function gitlab(path: string, init: RequestInit = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(`${sandbox.url}/api/v4${path}`, {
    ...init,
    headers: { 'PRIVATE-TOKEN': sandbox.gitlabToken, 'content-type': 'application/json' },
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/** Waits for a zone operation with `zoneOperations.wait`, as the product does; the simulated clock moves meanwhile. */
async function awaited(zone: string, lro: { latestResponse?: unknown }) {
  const name = (lro.latestResponse as { name: string }).name;
  for (;;) {
    const [op] = await operations.wait({ project, zone, operation: name }, noRetry);
    if (op.status === 'DONE') return op;
  }
}

const runnerNamed = async (name: string) =>
  ((await gitlab('/runners/all')).body as Array<{ id: number; description: string }>).find(
    (r) => r.description === name,
  )!;

before(async () => {
  sandbox = await startSandbox({ seed: 'demo', timeScale: 50 });
  api = new Gitlab({ host: sandbox.url, token: sandbox.gitlabToken });
  const port = Number(new URL(sandbox.url).port);
  instances = new InstancesClient(gaxOptions(port));
  operations = new ZoneOperationsClient(gaxOptions(port));
  project = String(sandbox.settings['runnerOps.gcp.project']);
});
after(async () => {
  await Promise.all([instances.close(), operations.close()]);
  await sandbox.close();
});

describe('draining a paused runner', () => {
  it('finishes the running job (GET /runners/:id/jobs?status=running) and takes no new one', async () => {
    // Whichever of A and B runs the seeded pipeline's job is paused mid-job.
    let runnerId = 0;
    let running: Array<{ id: number; status: string }> = [];
    for (let i = 0; i < 60 && running.length === 0; i++) {
      for (const name of ['gitlab-runner-a', 'gitlab-runner-b']) {
        const id = (await runnerNamed(name)).id;
        const jobs = (await gitlab(`/runners/${id}/jobs?status=running`)).body;
        if (jobs.length) [runnerId, running] = [id, jobs];
      }
      if (running.length === 0) {
        await api.Pipelines.create('infra/runner-fleet', 'main');
        drive(5_000);
      }
    }
    assert.ok(running.length > 0, 'a seeded runner is running a job');
    for (const job of running) assertSchema('APIEntitiesCiJob', job);
    await api.Runners.edit(runnerId, { paused: true });
    const before = new Set(
      ((await gitlab(`/runners/${runnerId}/jobs`)).body as Array<{ id: number }>).map((j) => j.id),
    );
    await api.Pipelines.create('infra/runner-fleet', 'main'); // new work while it is paused
    drive(10 * 60_000, 5_000);
    const after = (await gitlab(`/runners/${runnerId}/jobs`)).body as Array<{ id: number; status: string }>;
    for (const job of running)
      assert.equal(after.find((j) => j.id === job.id)?.status, 'success', `job #${job.id} ran to the end`);
    assert.deepEqual(
      after.filter((j) => !before.has(j.id)).map((j) => j.id),
      [],
      'no job picked while paused',
    );
    assert.deepEqual((await gitlab(`/runners/${runnerId}/jobs?status=running`)).body, []);
    await api.Runners.edit(runnerId, { paused: false });
  });
});

describe('re-creating a standalone worker from its template', () => {
  it('is a new instance with a new IP whose runner checks in as a new manager', async () => {
    const zone = 'europe-west1-c';
    const name = 'gitlab-runner-b';
    const runner = await runnerNamed(name);
    const [old] = await instances.get({ project, zone, instance: name }, noRetry);
    const oldIp = old.networkInterfaces?.[0].networkIP;
    const managersBefore = (await gitlab(`/runners/${runner.id}/managers`)).body as Array<{ system_id: string }>;

    const deletion = await awaited(zone, (await instances.delete({ project, zone, instance: name }, noRetry))[0]);
    assert.equal(deletion.operationType, 'delete');
    assert.ok(!deletion.error);
    await assert.rejects(
      instances.get({ project, zone, instance: name }, noRetry),
      (e: { code?: number }) => e.code === 5,
    );

    const insertedAt = sandbox.world.clock.now();
    const keptMetadata = (old.metadata?.items ?? []).map((i) => ({ key: i.key, value: i.value }));
    const insertion = await awaited(
      zone,
      (
        await instances.insert(
          {
            project,
            zone,
            sourceInstanceTemplate: 'global/instanceTemplates/gitlab-runner-template',
            instanceResource: { name, labels: old.labels, metadata: { items: keptMetadata } },
          },
          noRetry,
        )
      )[0],
    );
    assert.ok(!insertion.error);
    const [fresh] = await instances.get({ project, zone, instance: name }, noRetry);
    assert.equal(fresh.status, 'RUNNING');
    assert.notEqual(fresh.id, old.id);
    assert.notEqual(fresh.networkInterfaces?.[0].networkIP, oldIp);
    assert.deepEqual(fresh.labels, old.labels, 'labels kept');

    drive(10_000);
    const managers = (await gitlab(`/runners/${runner.id}/managers`)).body as Array<Record<string, any>>;
    for (const m of managers) assertSchema('APIEntitiesCiRunnerManager', m);
    const added = managers.filter((m) => !managersBefore.some((b) => b.system_id === m.system_id));
    assert.equal(added.length, 1, JSON.stringify(managers));
    assert.equal(added[0].ip_address, fresh.networkInterfaces?.[0].networkIP);
    assert.ok(Date.parse(added[0].contacted_at) >= insertedAt, 'contacted after the insert');
    assert.equal(added[0].status, 'online');
    assert.equal(((await api.Runners.show(runner.id)) as unknown as { status: string }).status, 'online');
  });
});

describe('POST /runners/verify', () => {
  it('answers 200 with the runner for its current token, 403 for any other, and marks nothing contacted', async () => {
    // Runner C has not checked in for hours: a contact its managers show could only be the verify's
    // (A's own check-ins land between two reads now and then).
    const runner = await runnerNamed('gitlab-runner-c');
    const token = sandbox.world.gitlab.runnerToken(runner.id)!;
    const managersBefore = (await gitlab(`/runners/${runner.id}/managers`)).body;
    const ok = await gitlab('/runners/verify', { method: 'POST', body: JSON.stringify({ token }) });
    assert.equal(ok.status, 200);
    assertSchema('APIEntitiesCiRunnerRegistrationDetails', ok.body);
    assert.equal(ok.body.id, runner.id);
    assert.deepEqual((await gitlab(`/runners/${runner.id}/managers`)).body, managersBefore);
    const bad = await gitlab('/runners/verify', {
      method: 'POST',
      body: JSON.stringify({ token: 'glrt-not-a-token' }),
    });
    assert.equal(bad.status, 403);
    assert.equal((await gitlab('/runners/verify', { method: 'POST', body: '{}' })).status, 400);
  });
});

describe('a broken secret', () => {
  it("fails the boot with the startup script's failure line on the serial console; the runner never checks in", async () => {
    const zone = 'europe-west1-b';
    const name = 'gitlab-runner-a';
    const runner = await runnerNamed(name);
    const storage = google().state.storage;
    const bucket = storage.buckets.get(String(sandbox.settings['runnerOps.secrets.bucket']))!;
    const object = `runners/${name}/config.toml.enc`;
    const good = storage.live(bucket, object)!.data;
    storage.write(bucket, object, Buffer.from('not ciphertext at all'));
    try {
      await awaited(zone, (await instances.reset({ project, zone, instance: name }, noRetry))[0]);
      const resetAt = sandbox.world.clock.now();
      drive(10_000);
      const [serial] = await instances.getSerialPortOutput({ project, zone, instance: name, port: 1 }, noRetry);
      const text = String(serial.contents);
      assert.match(text, /startup-script: ERROR: \(gcloud\.kms\.decrypt\) INVALID_ARGUMENT: Decryption failed/);
      assert.match(text, /google_metadata_script_runner\[\d+\]: startup-script exit status 1/);
      assert.doesNotMatch(text, /Configuration loaded/);
      const managers = (await gitlab(`/runners/${runner.id}/managers`)).body as Array<{ contacted_at: string }>;
      assert.ok(managers.every((m) => Date.parse(m.contacted_at) < resetAt));
    } finally {
      storage.write(bucket, object, good);
    }
  });
});

describe('the runner image tag in the metadata', () => {
  const zone = 'europe-west1-c';
  const name = 'gitlab-runner-b';
  /** Deletes the worker and inserts it from the template with its metadata, the tag replaced. */
  async function recreateWithTag(tag: string) {
    const [old] = await instances.get({ project, zone, instance: name }, noRetry);
    const items = (old.metadata?.items ?? [])
      .filter((i) => i.key !== 'runner-image-tag')
      .map((i) => ({ key: i.key, value: i.value }));
    await awaited(zone, (await instances.delete({ project, zone, instance: name }, noRetry))[0]);
    await awaited(
      zone,
      (
        await instances.insert(
          {
            project,
            zone,
            sourceInstanceTemplate: 'global/instanceTemplates/gitlab-runner-template',
            instanceResource: {
              name,
              labels: old.labels,
              metadata: { items: [...items, { key: 'runner-image-tag', value: tag }] },
            },
          },
          noRetry,
        )
      )[0],
    );
    const [fresh] = await instances.get({ project, zone, instance: name }, noRetry);
    drive(10_000);
    const [serial] = await instances.getSerialPortOutput({ project, zone, instance: name, port: 1 }, noRetry);
    return { fresh, console: String(serial.contents) };
  }

  it('is the image the startup script runs: the new manager reports the version the tag names', async () => {
    const runner = await runnerNamed(name);
    const { fresh, console } = await recreateWithTag('alpine-v17.11.1');
    assert.match(console, /docker run .* gitlab\/gitlab-runner:alpine-v17\.11\.1/);
    const managers = (await gitlab(`/runners/${runner.id}/managers`)).body as Array<Record<string, string>>;
    const added = managers.find((m) => m.ip_address === fresh.networkInterfaces?.[0].networkIP);
    assert.equal(added?.version, '17.11.1', JSON.stringify(managers));
  });

  it("a tag the registry does not have fails the boot with docker's words; the runner does not check in", async () => {
    const runner = await runnerNamed(name);
    const { fresh, console } = await recreateWithTag('v17.11.l');
    assert.match(console, /manifest for gitlab\/gitlab-runner:v17\.11\.l not found: manifest unknown/);
    assert.match(console, /startup-script exit status 125/);
    const managers = (await gitlab(`/runners/${runner.id}/managers`)).body as Array<Record<string, string>>;
    assert.ok(!managers.some((m) => m.ip_address === fresh.networkInterfaces?.[0].networkIP));
    await recreateWithTag('v17.11.0');
  });
});
