// Job status and trace through gitbeaker against the sandbox's GitLab.
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { isFailure } from '../../../src/core/failures';
import { jobTraceSource, recentJobs } from '../../../src/gitlab/jobs';
import { JobTraceTailer } from '../../../src/core/tail/job-trace-tailer';
import { TailSession } from '../../../src/core/tail/tail-session';
import { startSandbox, type Sandbox } from '../../sandbox/server';

let sandbox: Sandbox;
before(async () => {
  sandbox = await startSandbox({ seed: 'small' });
});
after(() => sandbox.close());

test("a finished job's status and whole trace, with its section markers", async () => {
  const project = (sandbox.settings['runnerOps.gitlab.projects'] as string[])[0];
  const jobs = await recentJobs(sandbox.url, sandbox.gitlabToken, project);
  const done = jobs.find((j) => j.status === 'success');
  assert.ok(done, `no finished job among ${jobs.map((j) => j.status).join(', ')}`);
  const source = jobTraceSource(sandbox.url, sandbox.gitlabToken);
  assert.equal((await source.job(done.projectId, done.id)).status, 'success');
  const trace = await source.trace(done.projectId, done.id);
  assert.match(trace, /section_start:\d+:get_sources\r\u001b\[0K/);
  assert.match(trace, /Job succeeded/);
});

test('a job that does not exist is a permanent failure', async () => {
  const source = jobTraceSource(sandbox.url, sandbox.gitlabToken);
  await assert.rejects(
    source.job(1, 999_999_999),
    (e: unknown) => isFailure(e) && e.permanent && e.kind === 'not-found',
  );
});

test('a rate-limited job tail waits for the Retry-After GitLab sent, without retrying meanwhile', async () => {
  const project = (sandbox.settings['runnerOps.gitlab.projects'] as string[])[0];
  const done = (await recentJobs(sandbox.url, sandbox.gitlabToken, project)).find((j) => j.status === 'success')!;
  // Timers that record what the session asks for and run only when told.
  const delays: number[] = [];
  let due: (() => void) | undefined;
  const timers = {
    now: () => Date.now(),
    clearTimeout: () => undefined,
    setTimeout: (run: () => void, ms: number) => ((delays.push(ms), (due = run)), 1),
  };
  const session = new TailSession(
    'job',
    new JobTraceTailer(jobTraceSource(sandbox.url, sandbox.gitlabToken), done.projectId, done.id),
    { maxLines: 100, clock: timers },
  );
  sandbox.faults.add('gitlab:/api/v4/projects/*/jobs/*=429:retry-after=10');
  const mark = sandbox.requests.mark();
  try {
    session.start();
    due!();
    while (!session.lastError) await new Promise((resolve) => setTimeout(resolve, 20));
  } finally {
    sandbox.faults.clear();
  }
  assert.equal(sandbox.requests.since(mark).length, 1, 'one request, no retry storm');
  assert.ok(delays[delays.length - 1] >= 9_000, `next poll in ${delays[delays.length - 1]} ms`);
  assert.match(session.buffer.text(), /\[error: .*rate limiting.*; retrying\]/);
  session.stop();
});

test("a job no runner took yet: its status, since when it is queued (GitLab's count) and the tags it needs", async () => {
  const project = encodeURIComponent((sandbox.settings['runnerOps.gitlab.projects'] as string[])[0]);
  const headers = { 'PRIVATE-TOKEN': sandbox.gitlabToken, 'content-type': 'application/json' };
  const api = `${sandbox.url}/api/v4`;
  const runners = (await (await fetch(`${api}/runners/all?per_page=100`, { headers })).json()) as Array<{ id: number }>;
  const pauseAll = (paused: boolean) =>
    Promise.all(
      runners.map((r) => fetch(`${api}/runners/${r.id}`, { method: 'PUT', headers, body: JSON.stringify({ paused }) })),
    );
  await pauseAll(true);
  try {
    const pipeline = (await (
      await fetch(`${api}/projects/${project}/pipeline?ref=main`, { method: 'POST', headers })
    ).json()) as { id: number; project_id: number };
    const jobs = (await (
      await fetch(`${api}/projects/${project}/pipelines/${pipeline.id}/jobs`, { headers })
    ).json()) as Array<{
      id: number;
      status: string;
      tag_list: string[];
    }>;
    const pending = jobs.find((j) => j.status === 'pending');
    assert.ok(pending, `a job waits: ${jobs.map((j) => j.status).join(', ')}`);
    sandbox.world.clock.advance(90_000);
    const job = await jobTraceSource(sandbox.url, sandbox.gitlabToken).job(pipeline.project_id, pending.id);
    assert.equal(job.status, 'pending');
    assert.ok(job.queuedDurationSec !== undefined && job.queuedDurationSec >= 90, `queued ${job.queuedDurationSec} s`);
    assert.ok(job.createdAt !== undefined && job.createdAt <= sandbox.world.clock.now() - 90_000);
    assert.deepEqual(job.tags, pending.tag_list);
  } finally {
    await pauseAll(false);
  }
});

test('recent jobs of a project named by its path, in the terms the picker shows', async () => {
  const project = (sandbox.settings['runnerOps.gitlab.projects'] as string[])[0];
  const mark = sandbox.requests.mark();
  const jobs = await recentJobs(sandbox.url, sandbox.gitlabToken, project);
  assert.equal(sandbox.requests.since(mark).length, 1, 'one request per project');
  const done = jobs.find((j) => j.status === 'success' && j.runner);
  assert.ok(done);
  assert.equal(done.ref, 'main');
  assert.ok(done.pipelineId > 0 && done.projectId > 0 && done.createdAt! > 0);
});
