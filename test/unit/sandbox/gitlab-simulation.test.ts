// The living GitLab: status derivation over simulated time, pipelines picked by seeded runners
// on the Google half's VMs, growing traces, cancel and retry.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Gitlab } from '@gitbeaker/rest';
import { startSandbox, type Sandbox } from '../../sandbox/server';

let sandbox: Sandbox;
let api: InstanceType<typeof Gitlab>;
const PROJECT = 'qa/app';

/** Moves simulated time in small steps, ticking both halves like the server's timer would. */
function drive(ms: number, stepMs = 2_000): void {
  for (let done = 0; done < ms; done += stepMs) {
    sandbox.world.clock.advance(stepMs);
    const now = sandbox.world.clock.now();
    sandbox.world.google.tick(now);
    sandbox.world.gitlab.tick(now);
  }
}

async function get(path: string): Promise<any> {
  const res = await fetch(`${sandbox.url}/api/v4${path}`, { headers: { 'PRIVATE-TOKEN': sandbox.gitlabToken } });
  const type = res.headers.get('content-type') ?? '';
  return type.includes('json') ? res.json() : res.text();
}

before(async () => {
  sandbox = await startSandbox({ seed: 'small' });
  api = new Gitlab({ host: sandbox.url, token: sandbox.gitlabToken });
  drive(5_000); // let the seeded VMs' runners check in
});
after(() => sandbox.close());

describe('runner status from contact times', () => {
  it('never_contacted -> online -> (host gone) still online for 2 h -> offline -> stale', async () => {
    const created = (await api.Users.createCIRunner('instance_type', { description: 'probe' } as never)) as unknown as {
      id: number;
      token: string;
    };
    let runner = await get(`/runners/${created.id}`);
    assert.equal(runner.status, 'never_contacted');
    assert.equal(runner.online, null);
    assert.equal(runner.contacted_at, null);

    const host = {
      systemId: 's_probe0000001',
      ipAddress: '10.9.9.9',
      version: '17.11.0',
      platform: 'linux',
      architecture: 'amd64',
      executor: 'shell',
    };
    assert.ok(sandbox.world.gitlab.runnerCheckIn(created.token, host));
    runner = await get(`/runners/${created.id}`);
    assert.equal(runner.status, 'online');
    assert.equal(runner.online, true);
    const [manager] = await get(`/runners/${created.id}/managers`);
    assert.equal(manager.system_id, 's_probe0000001');
    assert.equal(manager.ip_address, '10.9.9.9');
    assert.equal(manager.status, 'online');

    sandbox.world.gitlab.runnerHostGone(host.systemId);
    sandbox.world.clock.advance(2 * 3_600_000 - 60_000);
    assert.equal((await get(`/runners/${created.id}`)).status, 'online', 'GitLab waits ONLINE_CONTACT_TIMEOUT');
    sandbox.world.clock.advance(120_000);
    runner = await get(`/runners/${created.id}`);
    assert.equal(runner.status, 'offline');
    assert.equal(runner.online, false);
    assert.equal((await get(`/runners/${created.id}/managers`))[0].status, 'offline');
    sandbox.world.clock.advance(7 * 24 * 3_600_000);
    assert.equal((await get(`/runners/${created.id}`)).status, 'stale');
    await api.Runners.remove({ runnerId: created.id });
  });

  it('the seeded runners are online because their VMs check in', async () => {
    drive(4_000);
    const runners = await get('/runners/all');
    assert.deepEqual(
      runners.map((r: any) => r.status),
      ['online', 'online'],
    );
  });
});

describe('a pipeline run end to end', () => {
  it('is picked by a seeded online runner, grows its trace, and passes with warnings', async () => {
    drive(4_000);
    const dev = new Gitlab({ host: sandbox.url, token: sandbox.tokens.user });
    const created = (await dev.Pipelines.create(PROJECT, 'main')) as unknown as {
      id: number;
      status: string;
      source: string;
    };
    assert.equal(created.source, 'api');
    assert.equal(created.status, 'pending');
    drive(4_000);
    let jobs = await get(`/projects/qa%2Fapp/pipelines/${created.id}/jobs`);
    const build = jobs.find((j: any) => j.name === 'build');
    assert.equal(build.status, 'running');
    assert.ok(build.runner, 'job records its runner');
    assert.match(build.runner_manager.system_id, /^s_/);
    assert.equal(jobs.find((j: any) => j.name === 'deploy').status, 'created', 'later stages wait');

    drive(6_000);
    const early = await get(`/projects/qa%2Fapp/jobs/${build.id}/trace`);
    drive(6_000);
    const later = await get(`/projects/qa%2Fapp/jobs/${build.id}/trace`);
    assert.ok(later.length > early.length, 'trace grows while running');
    assert.ok(later.startsWith(early));
    assert.match(early, /section_start:\d+:prepare_executor\r\u001b\[0K/);
    assert.match(early, /Running with gitlab-runner 17\.11\.0/);

    drive(90_000);
    const pipeline = await get(`/projects/qa%2Fapp/pipelines/${created.id}`);
    assert.equal(pipeline.status, 'success');
    assert.equal(pipeline.detailed_status.group, 'success-with-warnings', 'lint failed with allow_failure');
    assert.ok(pipeline.duration > 0);
    assert.ok(pipeline.finished_at);
    jobs = await get(`/projects/qa%2Fapp/pipelines/${created.id}/jobs`);
    const lint = jobs.find((j: any) => j.name === 'lint');
    assert.equal(lint.status, 'failed');
    assert.equal(lint.failure_reason, 'script_failure');
    const full = await get(`/projects/qa%2Fapp/jobs/${build.id}/trace`);
    assert.match(full, /section_end:\d+:step_script\r\u001b\[0K/);
    assert.match(full, /Job succeeded/);
    const runnerJobs = await get(`/runners/${build.runner.id}/jobs?status=success`);
    assert.ok(runnerJobs.some((j: any) => j.id === build.id));
  });

  it('a paused runner picks nothing; resuming lets jobs run', async () => {
    const runners = await get('/runners/all');
    for (const r of runners) await api.Runners.edit(r.id, { paused: true });
    const created = (await api.Pipelines.create(PROJECT, 'main')) as unknown as { id: number };
    drive(10_000);
    assert.equal((await get(`/projects/qa%2Fapp/pipelines/${created.id}`)).status, 'pending');
    for (const r of runners) await api.Runners.edit(r.id, { paused: false });
    drive(6_000);
    assert.equal((await get(`/projects/qa%2Fapp/pipelines/${created.id}`)).status, 'running');
    await api.Pipelines.cancel(PROJECT, created.id);
  });

  it('cancel stops running and pending jobs; retry makes new jobs and marks the old retried', async () => {
    const created = (await api.Pipelines.create(PROJECT, 'main')) as unknown as { id: number };
    drive(6_000);
    const canceled = (await api.Pipelines.cancel(PROJECT, created.id)) as unknown as { status: string };
    assert.equal(canceled.status, 'canceled');
    const before = await get(`/projects/qa%2Fapp/pipelines/${created.id}/jobs`);
    assert.ok(before.every((j: any) => j.status === 'canceled'));
    const trace = await get(`/projects/qa%2Fapp/jobs/${before[0].id}/trace`);
    assert.match(trace, /canceled/);

    const retried = (await api.Pipelines.retry(PROJECT, created.id)) as unknown as { status: string };
    assert.notEqual(retried.status, 'canceled');
    const after = await get(`/projects/qa%2Fapp/pipelines/${created.id}/jobs`);
    assert.equal(after.length, before.length);
    assert.ok(
      after.every((j: any) => !before.some((b: any) => b.id === j.id)),
      'retried jobs get new ids',
    );
    const all = await get(`/projects/qa%2Fapp/pipelines/${created.id}/jobs?include_retried=true`);
    assert.equal(all.length, before.length * 2);
    drive(120_000);
    assert.equal((await get(`/projects/qa%2Fapp/pipelines/${created.id}`)).status, 'success');
  });

  it('retrying one failed job answers 201 with a new job', async () => {
    const [failed] = await get('/projects/qa%2Fapp/pipelines?status=failed');
    const jobs = await get(`/projects/qa%2Fapp/pipelines/${failed.id}/jobs`);
    const failedJob = jobs.find((j: any) => j.status === 'failed' && !j.allow_failure);
    const res = await fetch(`${sandbox.url}/api/v4/projects/qa%2Fapp/jobs/${failedJob.id}/retry`, {
      method: 'POST',
      headers: { 'PRIVATE-TOKEN': sandbox.gitlabToken },
    });
    assert.equal(res.status, 201);
    const job = (await res.json()) as { id: number; status: string; name: string };
    assert.notEqual(job.id, failedJob.id);
    assert.equal(job.name, failedJob.name);
    assert.equal(job.status, 'pending');
  });
});
