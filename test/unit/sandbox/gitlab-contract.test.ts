// Drives every GitLab route of the sandbox through @gitbeaker/rest (and fetch where gitbeaker has
// no method), validating bodies against GitLab's OpenAPI subset.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Gitlab } from '@gitbeaker/rest';
import { startSandbox, type Sandbox } from '../../sandbox/server';
import { assertSchema, missingFields } from './gitlab-schema';

let sandbox: Sandbox;
let api: InstanceType<typeof Gitlab>;
const PROJECT = 'infra/runner-fleet';

async function raw(path: string, token = sandbox.tokens.admin, init: RequestInit = {}) {
  const res = await fetch(`${sandbox.url}/api/v4${path}`, {
    ...init,
    headers: { 'PRIVATE-TOKEN': token, 'content-type': 'application/json', ...(init.headers ?? {}) },
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* plain text */
  }
  return { status: res.status, headers: res.headers, body: body as any };
}

before(async () => {
  sandbox = await startSandbox({ seed: 'demo' });
  api = new Gitlab({ host: sandbox.url, token: sandbox.gitlabToken });
});
after(() => sandbox.close());

describe('auth', () => {
  it('answers 401 without or with an unknown token', async () => {
    const none = await fetch(`${sandbox.url}/api/v4/user`);
    assert.equal(none.status, 401);
    assert.deepEqual(await none.json(), { message: '401 Unauthorized' });
    const unknown = await raw('/user', 'glpat-nope');
    assert.equal(unknown.status, 401);
    assert.deepEqual(unknown.body, { message: '401 Unauthorized' });
  });

  it('answers 401 invalid_token for revoked and expired tokens', async () => {
    const revoked = await raw('/user', sandbox.tokens.revoked);
    assert.equal(revoked.status, 401);
    assert.equal(revoked.body.error, 'invalid_token');
    assert.match(revoked.body.error_description, /revoked/);
    const expired = await raw('/user', sandbox.tokens.expired);
    assert.equal(expired.body.error_description, 'Token has expired.');
  });

  it('accepts Authorization: Bearer', async () => {
    const res = await fetch(`${sandbox.url}/api/v4/user`, {
      headers: { authorization: `Bearer ${sandbox.gitlabToken}` },
    });
    assert.equal(res.status, 200);
  });

  it('answers 403 insufficient_scope when a read_api token writes', async () => {
    const runners = await raw('/runners/all', sandbox.tokens.readOnly);
    assert.equal(runners.status, 200);
    const edit = await raw(`/runners/${runners.body[0].id}`, sandbox.tokens.readOnly, {
      method: 'PUT',
      body: JSON.stringify({ paused: true }),
    });
    assert.equal(edit.status, 403);
    assert.deepEqual(edit.body, {
      error: 'insufficient_scope',
      error_description: 'The request requires higher privileges than provided by the access token.',
      scope: 'api',
    });
    assert.match(edit.headers.get('www-authenticate') ?? '', /insufficient_scope/);
  });

  it('gives a non-admin 403 on /runners/all and 404 on projects it cannot see', async () => {
    const user = await raw('/runners/all', sandbox.tokens.user);
    assert.equal(user.status, 403);
    assert.deepEqual(user.body, { message: '403 Forbidden' });
    const missing = await raw('/projects/no%2Fsuch');
    assert.deepEqual(missing, { ...missing, status: 404, body: { message: '404 Project Not Found' } });
    const runner = await raw('/runners/99999');
    assert.deepEqual(runner.body, { message: '404 Runner Not Found' });
  });
});

describe('user, token, project', () => {
  it('GET /user is the admin, with every documented field', async () => {
    const me = (await api.Users.showCurrentUser()) as unknown as Record<string, unknown>;
    assertSchema('APIEntitiesUserPublic', me);
    assert.equal(me.username, 'root');
    assert.equal(me.is_admin, true);
    assert.deepEqual(
      missingFields('APIEntitiesUserPublic', me, ['avatar_path', 'custom_attributes', 'is_followed']),
      [],
    );
  });

  it('GET /personal_access_tokens/self reports scopes and validity', async () => {
    const self = await raw('/personal_access_tokens/self', sandbox.tokens.readOnly);
    assertSchema('APIEntitiesPersonalAccessToken', self.body);
    assert.deepEqual(self.body.scopes, ['read_api']);
    assert.equal(self.body.active, true);
    assert.equal(self.body.revoked, false);
    assert.match(self.body.expires_at, /^\d{4}-\d{2}-\d{2}$/);
  });

  it('GET /version answers the Metadata entity, and 401 without a token', async () => {
    const version = await raw('/version', sandbox.tokens.readOnly);
    assert.equal(version.status, 200);
    assertSchema('APIEntitiesMetadata', version.body);
    assert.deepEqual(missingFields('APIEntitiesMetadata', version.body), []);
    assert.match(version.body.version, /^\d+\.\d+\.\d+(-ee)?$/);
    assert.equal((await fetch(`${sandbox.url}/api/v4/version`)).status, 401);
  });

  it('GET /projects/:id by URL-encoded path and by id', async () => {
    const byPath = (await api.Projects.show(PROJECT)) as unknown as Record<string, unknown>;
    assertSchema('APIEntitiesProjectsWithAccessAndCatalogSetting', byPath);
    assert.equal(byPath.path_with_namespace, PROJECT);
    const byId = (await api.Projects.show(byPath.id as number)) as unknown as Record<string, unknown>;
    assert.equal(byId.id, byPath.id);
  });
});

describe('runners', () => {
  it('lists all runners (admin) with documented shapes and derived statuses', async () => {
    const runners = (await api.Runners.all()) as unknown as Array<Record<string, unknown>>;
    assert.equal(runners.length, 3);
    for (const r of runners) {
      assertSchema('APIEntitiesCiRunner', r);
      assert.deepEqual(missingFields('APIEntitiesCiRunner', r), []);
      assert.equal(r.ip_address, '');
    }
    const byName = Object.fromEntries(runners.map((r) => [r.description, r]));
    assert.equal(byName['gitlab-runner-a'].status, 'online');
    assert.equal(byName['gitlab-runner-c'].status, 'offline');
    assert.equal(byName['gitlab-runner-c'].online, false);
    assert.equal(byName['gitlab-runner-c'].runner_type, 'instance_type');
  });

  it('filters by type, status, paused and tag_list', async () => {
    const projectType = (await api.Runners.all({ type: 'project_type' })) as unknown as Array<Record<string, unknown>>;
    assert.deepEqual(
      projectType.map((r) => r.description),
      ['gitlab-runner-a'],
    );
    const offline = await raw('/runners/all?status=offline');
    assert.deepEqual(
      offline.body.map((r: any) => r.description),
      ['gitlab-runner-c'],
    );
    const tagged = await raw('/runners/all?tag_list=gcp,deploy');
    assert.deepEqual(
      tagged.body.map((r: any) => r.description),
      ['gitlab-runner-a'],
    );
    const paused = await raw('/runners/all?paused=true');
    assert.deepEqual(paused.body, []);
    const bad = await raw('/runners/all?type=cloud');
    assert.equal(bad.status, 400);
  });

  it('owned (/runners), project and group runner lists', async () => {
    const owned = (await api.Runners.all({ owned: true })) as unknown as Array<Record<string, unknown>>;
    assert.deepEqual(owned.map((r) => r.runner_type).sort(), ['group_type', 'project_type']);
    const project = (await api.Runners.all({ projectId: PROJECT })) as unknown as Array<Record<string, unknown>>;
    assert.equal(project.length, 3, 'own + group + instance runners');
    const group = (await api.Runners.all({ groupId: 'infra' })) as unknown as Array<Record<string, unknown>>;
    assert.deepEqual(group.map((r) => r.runner_type).sort(), ['group_type', 'instance_type']);
    const devTries = await raw(`/projects/${encodeURIComponent(PROJECT)}/runners`, sandbox.tokens.user);
    assert.equal(devTries.status, 403);
  });

  it('shows details with empty legacy fields and managers with the real ones', async () => {
    const [a] = (await raw('/runners/all?type=project_type')).body;
    const details = (await api.Runners.show(a.id)) as unknown as Record<string, unknown>;
    assertSchema('APIEntitiesCiRunnerDetails', details);
    assert.deepEqual(missingFields('APIEntitiesCiRunnerDetails', details), []);
    assert.equal(details.version, '');
    assert.deepEqual(details.tag_list, ['gcp', 'terraform', 'deploy']);
    const managers = await raw(`/runners/${a.id}/managers`);
    assert.equal(managers.status, 200);
    assert.ok(Array.isArray(managers.body) && managers.body.length >= 1);
    for (const m of managers.body) {
      assertSchema('APIEntitiesCiRunnerManager', m);
      assert.deepEqual(missingFields('APIEntitiesCiRunnerManager', m), []);
      assert.match(m.system_id, /^s_/);
      assert.notEqual(m.ip_address, '');
      assert.equal(m.version, '17.11.0');
    }
  });

  it('pauses through PUT and reports it in list and details', async () => {
    const [b] = (await raw('/runners/all?type=group_type')).body;
    const edited = (await api.Runners.edit(b.id, {
      paused: true,
      description: 'gitlab-runner-b (maintenance)',
    })) as unknown as Record<string, unknown>;
    assert.equal(edited.paused, true);
    assert.equal(edited.active, false);
    const paused = await raw('/runners/all?paused=true');
    assert.deepEqual(
      paused.body.map((r: any) => r.id),
      [b.id],
    );
    await api.Runners.edit(b.id, { paused: false, description: 'gitlab-runner-b' });
  });

  it("lists a runner's jobs with status filter and order, carrying the project", async () => {
    const [a] = (await raw('/runners/all?type=project_type')).body;
    const jobs = (await api.Runners.allJobs(a.id)) as unknown as Array<Record<string, any>>;
    assert.ok(jobs.length > 0);
    for (const j of jobs) assertSchema('APIEntitiesCiJobBasicWithProject', j);
    assert.ok(jobs[0].id > jobs[jobs.length - 1].id, 'default sort is id desc');
    assert.equal(jobs[0].project.path_with_namespace, PROJECT);
    const asc = await raw(`/runners/${a.id}/jobs?sort=asc&status=success`);
    assert.ok(asc.body.every((j: any) => j.status === 'success'));
    assert.ok(asc.body[0].id < asc.body[asc.body.length - 1].id);
  });

  it('creates a runner (glrt- token), resets its token, deletes it', async () => {
    const created = (await api.Users.createCIRunner('project_type', {
      projectId: 2,
      description: 'new-worker',
      tagList: ['gcp'],
    } as never)) as unknown as Record<string, unknown>;
    assertSchema('APIEntitiesCiRunnerRegistrationDetails', created);
    assert.match(String(created.token), /^glrt-/);
    const host = {
      systemId: 's_000000000001',
      ipAddress: '10.0.0.9',
      version: '17.11.0',
      platform: 'linux',
      architecture: 'amd64',
      executor: 'shell',
    };
    assert.equal(sandbox.world.gitlab.runnerCheckIn(String(created.token), host), true);
    const reset = await raw(`/runners/${created.id}/reset_authentication_token`, sandbox.gitlabToken, {
      method: 'POST',
    });
    assert.equal(reset.status, 201);
    assertSchema('APIEntitiesCiResetTokenResult', reset.body);
    assert.notEqual(reset.body.token, created.token);
    assert.equal(
      sandbox.world.gitlab.runnerCheckIn(String(created.token), host),
      false,
      'old token stops working at once',
    );
    assert.equal(sandbox.world.gitlab.runnerCheckIn(reset.body.token, host), true);
    assert.equal(sandbox.world.gitlab.runnerToken(Number(created.id)), reset.body.token);
    await api.Runners.remove({ runnerId: Number(created.id) });
    assert.equal((await raw(`/runners/${created.id}`)).status, 404);
  });
});

describe('pagination', () => {
  it('sends GitLab headers and absolute Link URLs; gitbeaker walks every page', async () => {
    const first = await raw(`/projects/${encodeURIComponent(PROJECT)}/pipelines?per_page=3`);
    assert.equal(first.headers.get('x-page'), '1');
    assert.equal(first.headers.get('x-per-page'), '3');
    const total = Number(first.headers.get('x-total'));
    assert.ok(total >= 8);
    assert.equal(first.headers.get('x-total-pages'), String(Math.ceil(total / 3)));
    assert.equal(first.headers.get('x-next-page'), '2');
    assert.equal(first.headers.get('x-prev-page'), '');
    const link = first.headers.get('link') ?? '';
    assert.match(
      link,
      new RegExp(`<${sandbox.url}/api/v4/projects/infra%2Frunner-fleet/pipelines\\?per_page=3&page=2>; rel="next"`),
    );
    assert.match(link, /rel="first"/);
    assert.match(link, /rel="last"/);
    assert.doesNotMatch(link, /rel="prev"/);
    const mark = sandbox.requests.mark();
    const all = await api.Pipelines.all(PROJECT, { perPage: 3 });
    assert.equal(all.length, total);
    const pages = sandbox.requests.since(mark).filter((r) => r.path.includes('/pipelines'));
    assert.equal(pages.length, Math.ceil(total / 3), 'one request per page, following rel="next"');
  });

  it('caps per_page at 100 and defaults to 20', async () => {
    const big = await raw(`/projects/${encodeURIComponent(PROJECT)}/pipelines?per_page=500`);
    assert.equal(big.headers.get('x-per-page'), '100');
    const dflt = await raw(`/projects/${encodeURIComponent(PROJECT)}/pipelines`);
    assert.equal(dflt.headers.get('x-per-page'), '20');
  });
});

describe('pipelines, jobs, schedules', () => {
  it('lists pipelines newest first with filters', async () => {
    const list = (await api.Pipelines.all(PROJECT)) as unknown as Array<Record<string, unknown>>;
    for (const p of list) assertSchema('APIEntitiesCiPipelineBasic', p);
    assert.ok((list[0].id as number) > (list[1].id as number));
    const failed = (await api.Pipelines.all(PROJECT, { status: 'failed' })) as unknown as Array<
      Record<string, unknown>
    >;
    assert.equal(failed.length, 1);
    const running = (await api.Pipelines.all(PROJECT, { status: 'running' })) as unknown as Array<
      Record<string, unknown>
    >;
    assert.equal(running.length, 1, 'the demo has one pipeline running right now');
    const asc = await raw(`/projects/${encodeURIComponent(PROJECT)}/pipelines?sort=asc&source=web`);
    assert.ok(asc.body.every((p: any) => p.source === 'web'));
  });

  it('shows a failed pipeline whose failed job names its runner and manager', async () => {
    const [failed] = (await raw(`/projects/${encodeURIComponent(PROJECT)}/pipelines?status=failed`)).body;
    const detail = (await api.Pipelines.show(PROJECT, failed.id)) as unknown as Record<string, any>;
    assertSchema('APIEntitiesCiPipelineWithMetadata', detail);
    assert.deepEqual(missingFields('APIEntitiesCiPipelineWithMetadata', detail), []);
    assert.equal(detail.detailed_status.group, 'failed');
    assert.ok(detail.duration > 0);
    const jobs = (await api.Jobs.all(PROJECT, { pipelineId: failed.id })) as unknown as Array<Record<string, any>>;
    for (const j of jobs) assertSchema('APIEntitiesCiJob', j);
    const failedJob = jobs.find((j) => j.status === 'failed');
    assert.ok(failedJob);
    assert.equal(failedJob.failure_reason, 'script_failure');
    assert.ok(failedJob.runner?.description);
    assert.match(failedJob.runner_manager?.system_id, /^s_/);
    assert.ok(
      jobs.some((j) => j.status === 'skipped'),
      'later stages are skipped',
    );
    const only = await raw(`/projects/${encodeURIComponent(PROJECT)}/pipelines/${failed.id}/jobs?scope[]=failed`);
    assert.deepEqual(
      only.body.map((j: any) => j.status),
      ['failed'],
    );
  });

  it('lists schedules with documented fields and plays one (source schedule)', async () => {
    const schedules = (await api.PipelineSchedules.all('infra/version-updater')) as unknown as Array<
      Record<string, any>
    >;
    assert.equal(schedules.length, 1);
    assertSchema('APIEntitiesCiPipelineSchedule', schedules[0]);
    assert.deepEqual(missingFields('APIEntitiesCiPipelineSchedule', schedules[0]), []);
    assert.equal(schedules[0].cron, '0 3 * * *');
    assert.ok(Date.parse(schedules[0].next_run_at) > sandbox.world.clock.now());
    const details = await raw(`/projects/infra%2Fversion-updater/pipeline_schedules/${schedules[0].id}`);
    assert.equal(details.body.last_pipeline.status, 'success');
    const played = await raw(
      `/projects/infra%2Fversion-updater/pipeline_schedules/${schedules[0].id}/play`,
      sandbox.gitlabToken,
      { method: 'POST' },
    );
    assert.equal(played.status, 201);
    assert.deepEqual(played.body, { message: '201 Created' });
    const [latest] = (await raw('/projects/infra%2Fversion-updater/pipelines?per_page=1')).body;
    assert.equal(latest.source, 'schedule');
    assert.notEqual(latest.id, details.body.last_pipeline.id);
  });

  it('404s unknown pipelines and jobs; 400 for an unknown ref', async () => {
    assert.deepEqual((await raw(`/projects/${encodeURIComponent(PROJECT)}/pipelines/999999`)).body, {
      message: '404 Not found',
    });
    assert.equal((await raw(`/projects/${encodeURIComponent(PROJECT)}/jobs/999999`)).status, 404);
    const bad = await raw(`/projects/${encodeURIComponent(PROJECT)}/pipeline`, sandbox.gitlabToken, {
      method: 'POST',
      body: JSON.stringify({ ref: 'nope' }),
    });
    assert.deepEqual(bad, { ...bad, status: 400, body: { message: { base: ['Reference not found'] } } });
  });

  it("unknown API routes answer GitLab's 404", async () => {
    const res = await raw('/nothing/here');
    assert.deepEqual(res.body, { error: '404 Not Found' });
  });
});
