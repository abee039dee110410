// Every operation of GitLab's OpenAPI subset (../shared/gitlab-api/), called on the sandbox once
// as the product calls it: the status must be one the description declares for the operation (the
// success one, unless a documented difference says otherwise), the body must match the declared
// response schema, and carry every field that schema lists (a field GitLab itself only sends
// sometimes is named, with why). Differences that remain are listed in test/sandbox/gitlab/README.md,
// and the last test fails when an operation of the description is not exercised here.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { startSandbox, type Sandbox } from '../../sandbox/server';
import { assertSchema, missingFields } from './gitlab-schema';

type Method = 'get' | 'post' | 'put' | 'delete';
interface Operation {
  responses: Record<string, { content?: Record<string, { schema?: { $ref?: string; items?: { $ref?: string } } }> }>;
}
const doc = JSON.parse(readFileSync('/work/shared/gitlab-api/openapi-subset.json', 'utf8')) as {
  paths: Record<string, Partial<Record<Method, Operation>>>;
};

let sandbox: Sandbox;
before(async () => {
  sandbox = await startSandbox({ seed: 'demo' });
});
after(() => sandbox.close());

const PROJECT = encodeURIComponent('infra/runner-fleet');

interface Answer {
  status: number;
  type: string;
  body: any;
}

async function call(method: string, path: string, body?: unknown, token: string | null = sandbox.tokens.admin) {
  const res = await fetch(`${sandbox.url}/api/v4${path}`, {
    method,
    headers: {
      ...(token ? { 'PRIVATE-TOKEN': token } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  const type = (res.headers.get('content-type') ?? '').split(';')[0];
  return { status: res.status, type, body: type === 'application/json' && text ? JSON.parse(text) : text } as Answer;
}

const runnerNamed = async (name: string) =>
  ((await call('GET', '/runners/all')).body as Array<{ id: number; description: string }>).find(
    (r) => r.description === name,
  )!;

/** The demo's failed pipeline and one of its jobs; a runner and its token; a schedule. */
async function facts() {
  const pipelines = (await call('GET', `/projects/${PROJECT}/pipelines`)).body as Array<{ id: number; status: string }>;
  const failed = pipelines.find((p) => p.status === 'failed')!;
  const jobs = (await call('GET', `/projects/${PROJECT}/pipelines/${failed.id}/jobs`)).body as Array<{ id: number }>;
  const b = await runnerNamed('gitlab-runner-b');
  const schedules = (await call('GET', `/projects/${PROJECT}/pipeline_schedules`)).body as Array<{ id: number }>;
  const project = (await call('GET', `/projects/${PROJECT}`)).body as { id: number; namespace: { id: number } };
  return { failed, job: jobs[0], b, schedule: schedules[0], project };
}
type Facts = Awaited<ReturnType<typeof facts>>;

interface Row {
  /** `GET /api/v4/runners/{id}`, as the description spells it. */
  op: string;
  call: (f: Facts) => Promise<Answer>;
  /** The status the sandbox must answer; one the description declares unless `difference` says why not. */
  status: number;
  /** Fields of the declared schema that may be absent, each with GitLab's reason (README "Known differences"). */
  sometimes?: string[];
  /** A documented way the real API differs from the description (and so the sandbox with it). */
  difference?: string;
  /** For an entity of a hundred fields: only those the product reads must be there (the others are in the README). */
  read?: string[];
}

/** GitLab's job entity exposes failure_reason only for a failed job, artifacts_file only when it has artifacts. */
const JOB_SOMETIMES = ['failure_reason', 'artifacts_file'];
/** GET /user: avatar_path, custom_attributes (admins asking for them) and is_followed (another user's) are conditional. */
const USER_SOMETIMES = ['avatar_path', 'custom_attributes', 'is_followed'];

const rows: Row[] = [
  { op: 'GET /api/v4/runners', call: () => call('GET', '/runners'), status: 200 },
  { op: 'GET /api/v4/runners/all', call: () => call('GET', '/runners/all'), status: 200 },
  { op: 'GET /api/v4/runners/{id}', call: (f) => call('GET', `/runners/${f.b.id}`), status: 200 },
  {
    op: 'PUT /api/v4/runners/{id}',
    call: (f) => call('PUT', `/runners/${f.b.id}`, { paused: false }),
    status: 200,
  },
  {
    op: 'GET /api/v4/runners/{id}/jobs',
    call: (f) => call('GET', `/runners/${f.b.id}/jobs`),
    status: 200,
    sometimes: JOB_SOMETIMES,
  },
  { op: 'GET /api/v4/runners/{id}/managers', call: (f) => call('GET', `/runners/${f.b.id}/managers`), status: 200 },
  {
    op: 'GET /api/v4/projects/{id}/runners',
    call: () => call('GET', `/projects/${PROJECT}/runners?type=project_type`),
    status: 200,
  },
  {
    op: 'GET /api/v4/groups/{id}/runners',
    call: (f) => call('GET', `/groups/${f.project.namespace.id}/runners?type=group_type`),
    status: 200,
  },
  {
    op: 'POST /api/v4/runners/verify',
    call: (f) => call('POST', '/runners/verify', { token: sandbox.world.gitlab.runnerToken(f.b.id) }, null),
    status: 200,
  },
  {
    op: 'GET /api/v4/projects/{id}/pipelines',
    call: () => call('GET', `/projects/${PROJECT}/pipelines`),
    status: 200,
  },
  {
    op: 'GET /api/v4/projects/{id}/pipelines/{pipeline_id}',
    call: (f) => call('GET', `/projects/${PROJECT}/pipelines/${f.failed.id}`),
    status: 200,
  },
  {
    op: 'GET /api/v4/projects/{id}/pipelines/{pipeline_id}/jobs',
    call: (f) => call('GET', `/projects/${PROJECT}/pipelines/${f.failed.id}/jobs`),
    status: 200,
    sometimes: JOB_SOMETIMES,
  },
  {
    op: 'GET /api/v4/projects/{id}/jobs',
    call: () => call('GET', `/projects/${PROJECT}/jobs?scope[]=failed&scope[]=success`),
    status: 200,
    sometimes: JOB_SOMETIMES,
  },
  {
    op: 'GET /api/v4/projects/{id}/jobs/{job_id}',
    call: (f) => call('GET', `/projects/${PROJECT}/jobs/${f.job.id}`),
    status: 200,
    sometimes: JOB_SOMETIMES,
  },
  {
    op: 'GET /api/v4/projects/{id}/jobs/{job_id}/trace',
    call: (f) => call('GET', `/projects/${PROJECT}/jobs/${f.job.id}/trace`),
    status: 200,
    difference: 'the trace is plain text, not Job JSON',
  },
  {
    op: 'GET /api/v4/projects/{id}/pipeline_schedules',
    call: () => call('GET', `/projects/${PROJECT}/pipeline_schedules`),
    status: 200,
  },
  {
    op: 'PUT /api/v4/projects/{id}/pipeline_schedules/{pipeline_schedule_id}',
    call: (f) => call('PUT', `/projects/${PROJECT}/pipeline_schedules/${f.schedule.id}`, { active: true }),
    status: 200,
  },
  {
    op: 'POST /api/v4/projects/{id}/pipeline_schedules',
    call: () =>
      call('POST', `/projects/${PROJECT}/pipeline_schedules`, {
        description: 'contract',
        ref: 'main',
        cron: '0 4 * * *',
        cron_timezone: 'UTC',
      }),
    status: 201,
  },
  {
    op: 'POST /api/v4/projects/{id}/pipeline_schedules/{pipeline_schedule_id}/play',
    call: (f) => call('POST', `/projects/${PROJECT}/pipeline_schedules/${f.schedule.id}/play`),
    status: 201,
    difference: 'play answers {"message":"201 Created"}; the description declares no body',
  },
  {
    op: 'POST /api/v4/projects/{id}/pipeline',
    call: () => call('POST', `/projects/${PROJECT}/pipeline`, { ref: 'main' }),
    status: 201,
  },
  {
    op: 'POST /api/v4/projects/{id}/pipelines/{pipeline_id}/retry',
    call: (f) => call('POST', `/projects/${PROJECT}/pipelines/${f.failed.id}/retry`),
    status: 201,
  },
  {
    op: 'POST /api/v4/projects/{id}/pipelines/{pipeline_id}/cancel',
    call: (f) => call('POST', `/projects/${PROJECT}/pipelines/${f.failed.id}/cancel`),
    status: 200,
    difference: 'GitLab’s documentation answers 200 (the description says 201)',
  },
  {
    op: 'POST /api/v4/projects/{id}/jobs/{job_id}/retry',
    call: (f) => call('POST', `/projects/${PROJECT}/jobs/${f.job.id}/retry`),
    status: 201,
    sometimes: JOB_SOMETIMES,
  },
  {
    op: 'POST /api/v4/projects/{id}/jobs/{job_id}/cancel',
    call: (f) => call('POST', `/projects/${PROJECT}/jobs/${f.job.id}/cancel`),
    status: 201,
    sometimes: JOB_SOMETIMES,
  },
  { op: 'GET /api/v4/user', call: () => call('GET', '/user'), status: 200, sometimes: USER_SOMETIMES },
  {
    op: 'GET /api/v4/personal_access_tokens/self',
    call: () => call('GET', '/personal_access_tokens/self'),
    status: 200,
  },
  {
    op: 'GET /api/v4/projects/{id}',
    call: () => call('GET', `/projects/${PROJECT}`),
    status: 200,
    read: ['id', 'name', 'path_with_namespace', 'web_url', 'namespace', 'default_branch'],
  },
  { op: 'GET /api/v4/version', call: () => call('GET', '/version'), status: 200 },
  { op: 'GET /api/v4/metadata', call: () => call('GET', '/metadata'), status: 200 },
  // Last, as they change the runners: a new runner, its token reset (by id and by token), its manager removed, deleted.
  {
    op: 'POST /api/v4/user/runners',
    call: (f) =>
      call('POST', '/user/runners', {
        runner_type: 'project_type',
        project_id: f.project.id,
        description: 'contract-runner',
      }),
    status: 201,
  },
  {
    op: 'POST /api/v4/runners/{id}/reset_authentication_token',
    call: async () => call('POST', `/runners/${(await runnerNamed('contract-runner')).id}/reset_authentication_token`),
    status: 201,
  },
  {
    op: 'POST /api/v4/runners/reset_authentication_token',
    call: async () => {
      const token = sandbox.world.gitlab.runnerToken((await runnerNamed('contract-runner')).id);
      return call('POST', '/runners/reset_authentication_token', { token }, null);
    },
    status: 201,
  },
  {
    op: 'DELETE /api/v4/runners/managers',
    call: async () => {
      const token = sandbox.world.gitlab.runnerToken((await runnerNamed('contract-runner')).id)!;
      await call('POST', '/runners/verify', { token, system_id: 's_contract0001' }, null);
      return call('DELETE', '/runners/managers', { token, system_id: 's_contract0001' }, null);
    },
    status: 204,
  },
  {
    op: 'DELETE /api/v4/runners/{id}',
    call: async () => call('DELETE', `/runners/${(await runnerNamed('contract-runner')).id}`),
    status: 204,
    difference: 'GitLab answers 204 No Content (its documentation); the description declares 200 with a runner',
  },
];

/** The operation's declared response schema name for `status`, and whether the description declares a list. */
function declared(op: string, status: number) {
  const [method, path] = op.split(' ');
  const operation = doc.paths[path]?.[method.toLowerCase() as Method];
  assert.ok(operation, `${op} is in the description`);
  const response = operation.responses[String(status)];
  const schema = response?.content?.['application/json']?.schema;
  return {
    statuses: Object.keys(operation.responses).map(Number),
    name: (schema?.$ref ?? schema?.items?.$ref)?.split('/').pop(),
    list: schema?.items !== undefined,
  };
}

let shared: Facts;
for (const row of rows) {
  test(`${row.op}: ${row.status}${row.difference ? ` (${row.difference})` : ''}, the declared shape`, async () => {
    shared ??= await facts();
    const answer = await row.call(shared);
    assert.equal(answer.status, row.status, JSON.stringify(answer.body).slice(0, 300));
    const { statuses, name, list } = declared(row.op, row.status);
    if (!row.difference) assert.ok(statuses.includes(row.status), `${row.status} is declared for ${row.op}`);
    if (row.difference || !name) return;
    assert.equal(answer.type, 'application/json');
    // README "Known differences": list endpoints send arrays although the description declares one object.
    const items: unknown[] = Array.isArray(answer.body) ? answer.body : [answer.body];
    if (list) assert.ok(Array.isArray(answer.body), 'a list, as declared');
    assert.ok(items.length > 0, 'something to check');
    for (const item of items) {
      assertSchema(name, item);
      const missing: string[] = row.read
        ? row.read.filter((f) => (item as Record<string, unknown>)[f] === undefined)
        : missingFields(name, item as Record<string, unknown>, row.sometimes);
      assert.deepEqual(missing, [], `fields of ${name}`);
    }
  });
}

test('every operation of the description is exercised above', () => {
  const described = Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
  );
  const exercised = new Set(rows.map((r) => r.op));
  assert.deepEqual(
    described.filter((op) => !exercised.has(op)),
    [],
  );
});
