// The sandbox's bootstrap surface, through real clients and GitLab's OpenAPI description: the
// `empty` seed (a project, no runner; a Google project with nothing in it), GET /version,
// creating a pipeline schedule, a bucket's iamConfiguration as state, and a startup script read
// as bash would run it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Storage } from '@google-cloud/storage';
import { PassThroughClient } from 'google-auth-library';
import { interpretScript } from '../../sandbox/google/script-interpreter';
import { startSandbox, type Sandbox } from '../../sandbox/server';
import { assertSchema } from './gitlab-schema';

let sandbox: Sandbox;
const gitlab = async (path: string, init: RequestInit = {}) => {
  const res = await fetch(`${sandbox.url}/api/v4${path}`, {
    ...init,
    headers: { 'PRIVATE-TOKEN': sandbox.tokens.admin, 'content-type': 'application/json' },
  });
  return { status: res.status, body: (await res.json()) as any };
};

before(async () => {
  sandbox = await startSandbox({ seed: 'empty' });
});
after(() => sandbox.close());

describe('the empty seed', () => {
  it('has one project, no runner and no schedule; its Google names point at nothing yet', async () => {
    assert.deepEqual(sandbox.settings['runnerOps.gitlab.projects'], ['infra/runner-fleet']);
    assert.deepEqual((await gitlab('/runners/all')).body, []);
    assert.deepEqual((await gitlab('/projects/infra%2Frunner-fleet/pipeline_schedules')).body, []);
    const bucket = await fetch(`${sandbox.url}/storage/v1/b/${sandbox.settings['runnerOps.secrets.bucket']}`);
    assert.equal(bucket.status, 404);
    const ring = await fetch(
      `${sandbox.url}/v1/${String(sandbox.settings['runnerOps.secrets.kmsKey']).replace(/\/cryptoKeys\/.*$/, '')}`,
    );
    assert.equal(ring.status, 404);
  });
});

describe('GitLab: version and schedules', () => {
  it('GET /version answers the Metadata entity', async () => {
    const { status, body } = await gitlab('/version');
    assert.equal(status, 200);
    assertSchema('APIEntitiesMetadata', body);
    assert.match(body.version, /^17\.11\.\d+-ee$/);
  });

  it('POST /projects/:id/pipeline_schedules creates an active schedule; a bad cron is a 400', async () => {
    const created = await gitlab('/projects/infra%2Frunner-fleet/pipeline_schedules', {
      method: 'POST',
      body: JSON.stringify({ description: 'Nightly', ref: 'main', cron: '0 3 * * *', cron_timezone: 'UTC' }),
    });
    assert.equal(created.status, 201);
    // GitLab sends `variables` and `inputs` as arrays where the description says object: the fields, not their types.
    const { variables, inputs, ...rest } = created.body;
    assertSchema('APIEntitiesCiPipelineSchedule', rest);
    assert.deepEqual([variables, inputs], [[], []]);
    assert.equal(created.body.active, true);
    const listed = await gitlab('/projects/infra%2Frunner-fleet/pipeline_schedules');
    assert.deepEqual(
      listed.body.map((s: { description: string }) => s.description),
      ['Nightly'],
    );
    const bad = await gitlab('/projects/infra%2Frunner-fleet/pipeline_schedules', {
      method: 'POST',
      body: JSON.stringify({ description: 'x', ref: 'main', cron: 'every day' }),
    });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body, { message: { cron: ['is invalid syntax'] } });
  });
});

describe('Storage: iamConfiguration', () => {
  it('a new bucket has uniform access off and prevention inherited; insert and patch set them', async () => {
    const storage = new Storage({
      projectId: 'runner-ops-empty',
      apiEndpoint: sandbox.url,
      authClient: new PassThroughClient() as never,
    });
    const [plain] = await storage.createBucket('plain-bucket-1');
    const [before] = await plain.getMetadata();
    assert.deepEqual(before.iamConfiguration?.uniformBucketLevelAccess, { enabled: false });
    assert.equal(before.iamConfiguration?.publicAccessPrevention, 'inherited');
    await plain.setMetadata({
      versioning: { enabled: true },
      iamConfiguration: { uniformBucketLevelAccess: { enabled: true }, publicAccessPrevention: 'enforced' },
    });
    const [after] = await plain.getMetadata();
    assert.equal(after.iamConfiguration?.uniformBucketLevelAccess?.enabled, true);
    assert.match(String(after.iamConfiguration?.uniformBucketLevelAccess?.lockedTime), /^\d{4}-/);
    assert.equal(after.iamConfiguration?.publicAccessPrevention, 'enforced');
    assert.equal(after.versioning?.enabled, true);
    const [strict] = await storage.createBucket('strict-bucket-1', {
      iamConfiguration: { uniformBucketLevelAccess: { enabled: true }, publicAccessPrevention: 'enforced' },
    } as never);
    assert.equal((await strict.getMetadata())[0].iamConfiguration?.publicAccessPrevention, 'enforced');
  });
});

describe('the startup script interpreter', () => {
  it('reads fetch_secret lines with $(hostname), the key, docker run and echo; no token, no fetch', () => {
    const script = [
      'KMS_KEY=projects/p/locations/l/keyRings/r/cryptoKeys/k',
      'token() { curl -H "Metadata-Flavor: Google" http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/token; }',
      'fetch_secret gs://b/runners/deploy-key.enc /root/.ssh/id_ed25519',
      'fetch_secret "gs://b/runners/$(hostname)/config.toml.enc" /srv/gitlab-runner/config/config.toml',
      'docker run -d --name gitlab-runner \\',
      '  gitlab/gitlab-runner:v17.11.0',
      'echo "done on $(hostname)"',
    ].join('\n');
    const plan = interpretScript(script, 'w1');
    assert.equal(plan.kmsKey, 'projects/p/locations/l/keyRings/r/cryptoKeys/k');
    assert.equal(plan.usesMetadataToken, true);
    assert.deepEqual(plan.commands, [
      { kind: 'fetch', source: { url: 'gs://b/runners/deploy-key.enc' }, destination: '/root/.ssh/id_ed25519' },
      {
        kind: 'fetch',
        source: { url: 'gs://b/runners/w1/config.toml.enc' },
        destination: '/srv/gitlab-runner/config/config.toml',
      },
      { kind: 'docker-run', image: 'gitlab/gitlab-runner:v17.11.0' },
      { kind: 'echo', text: 'done on w1' },
    ]);
    assert.equal(interpretScript(script.replace(/computeMetadata\S+token/, 'x'), 'w1').usesMetadataToken, false);
  });
});
