// Job status and trace through gitbeaker against the sandbox's GitLab.
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { jobTraceSource, recentJobs } from '../../../src/gitlab/jobs';
import { TailSourceFailure } from '../../../src/core/tail/ports';
import { startSandbox, type Sandbox } from '../../sandbox/server';

let sandbox: Sandbox;
before(async () => {
  sandbox = await startSandbox({ seed: 'small' });
});
after(() => sandbox.close());

test('a finished job\'s status and whole trace, with its section markers', async () => {
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
  await assert.rejects(source.job(1, 999_999_999), (e: TailSourceFailure) => e instanceof TailSourceFailure && e.options.permanent === true);
});
