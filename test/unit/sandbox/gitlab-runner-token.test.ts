// Runner tokens in the sandbox, checked against GitLab's OpenAPI: reset answers the new token and
// its expiry (restarted when an expiration interval applies), POST /runners/verify accepts only
// the current token (403 otherwise) and ensures the manager for a system_id without counting as a
// contact. In the living world a reset runner stops checking in, goes offline once GitLab's
// online window passes, and comes back only when its VM boots with the new token in config.toml.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { InstancesClient } from '@google-cloud/compute';
import type { GoogleSandbox } from '../../sandbox/google/index';
import { gaxOptions, noRetry } from '../../sandbox/google/testing';
import { startSandbox, type Sandbox } from '../../sandbox/server';
import { assertSchema } from './gitlab-schema';

let sandbox: Sandbox;
let google: GoogleSandbox;
const HOUR = 3_600_000;

async function call(method: string, path: string, body?: unknown, token: string | null = sandbox.tokens.admin) {
  const res = await fetch(`${sandbox.url}/api/v4${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { 'PRIVATE-TOKEN': token } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json().catch(() => undefined)) as any };
}

const runnerNamed = async (description: string) =>
  ((await call('GET', '/runners/all')).body as any[]).find((r) => r.description === description);
const managers = async (id: number) => (await call('GET', `/runners/${id}/managers`)).body as any[];

before(async () => {
  sandbox = await startSandbox({ seed: 'demo' });
  google = sandbox.world.google as GoogleSandbox;
});
after(() => sandbox.close());

describe('POST /runners/verify', () => {
  it('accepts the current token (no user token needed) and answers id, token and token_expires_at', async () => {
    const b = await runnerNamed('gitlab-runner-b');
    const token = sandbox.world.gitlab.runnerToken(b.id)!;
    const [manager] = await managers(b.id);
    const verified = await call('POST', '/runners/verify', { token, system_id: manager.system_id }, null);
    assert.equal(verified.status, 200);
    assertSchema('APIEntitiesCiRunnerRegistrationDetails', verified.body);
    assert.equal(verified.body.id, b.id);
    assert.equal(verified.body.token, token);
    const expires = Date.parse(verified.body.token_expires_at);
    assert.ok(
      expires > sandbox.world.clock.now() + 2 * 24 * HOUR && expires < sandbox.world.clock.now() + 4 * 24 * HOUR,
    );
    assert.equal((await managers(b.id)).length, 1, 'a known system_id adds no manager');
  });

  it('answers 403 for a token GitLab does not know and 400 without one', async () => {
    assert.deepEqual(await call('POST', '/runners/verify', { token: 'glrt-notARealToken0000' }, null), {
      status: 403,
      body: { message: '403 Forbidden' },
    });
    assert.equal((await call('POST', '/runners/verify', {}, null)).status, 400);
  });

  it('ensures the manager of a new system_id, never contacted', async () => {
    const a = await runnerNamed('gitlab-runner-a');
    const before = await managers(a.id);
    const token = sandbox.world.gitlab.runnerToken(a.id)!;
    assert.equal((await call('POST', '/runners/verify', { token, system_id: 's_verifyonly01' }, null)).status, 200);
    const after = await managers(a.id);
    assert.equal(after.length, before.length + 1);
    const added = after.find((m) => m.system_id === 's_verifyonly01');
    assert.equal(added.contacted_at, null);
    assert.equal(added.status, 'never_contacted');
  });
});

describe('token reset in the living world', () => {
  it('restarts the expiry of a token under an expiration interval', async () => {
    const b = await runnerNamed('gitlab-runner-b');
    const reset = await call('POST', `/runners/${b.id}/reset_authentication_token`);
    assert.equal(reset.status, 201);
    assertSchema('APIEntitiesCiResetTokenResult', reset.body);
    const expires = Date.parse(reset.body.token_expires_at);
    assert.ok(Math.abs(expires - (sandbox.world.clock.now() + 30 * 24 * HOUR)) < 60_000);
    assert.equal((await call('POST', '/runners/verify', { token: reset.body.token }, null)).status, 200);
  });

  it('a reset runner goes offline and is back only after its VM boots with the new token', async () => {
    const a = await runnerNamed('gitlab-runner-a');
    assert.equal(a.status, 'online');
    const oldToken = sandbox.world.gitlab.runnerToken(a.id)!;
    const reset = await call('POST', `/runners/${a.id}/reset_authentication_token`);
    assert.equal((await call('POST', '/runners/verify', { token: oldToken }, null)).status, 403);

    const settle = () => {
      const now = sandbox.world.clock.now();
      sandbox.world.gitlab.tick(now);
      google.tick(now);
    };
    sandbox.world.clock.advance(2 * HOUR + 60_000); // past GitLab's online window: its checks-in all fail
    settle();
    assert.equal((await runnerNamed('gitlab-runner-a')).status, 'offline');

    const instances = new InstancesClient(gaxOptions(Number(new URL(sandbox.url).port)));
    const project = sandbox.settings['runnerOps.gcp.project'] as string;
    const reboot = async () => {
      await instances.reset({ project, zone: 'europe-west1-b', instance: 'gitlab-runner-a' }, noRetry);
      sandbox.world.clock.advance(10_000); // boot, startup script, first check-in
      settle();
    };
    await reboot();
    assert.equal(
      (await runnerNamed('gitlab-runner-a')).status,
      'offline',
      'the old config.toml still has the old token',
    );

    // What Rotate Runner Token writes: the same config with the new token, encrypted under the key.
    const bucket = google.state.storage.bucket(sandbox.settings['runnerOps.secrets.bucket'] as string);
    const kmsKey = sandbox.settings['runnerOps.secrets.kmsKey'] as string;
    const name = 'runners/gitlab-runner-a/config.toml.enc';
    const text = google.state.kms.decrypt(kmsKey, google.state.storage.find(bucket, name).data).plaintext.toString();
    assert.ok(text.includes(oldToken));
    const config = text.replace(oldToken, reset.body.token);
    google.state.storage.write(bucket, name, google.state.kms.encrypt(kmsKey, Buffer.from(config)).ciphertext, {});
    await reboot();
    assert.equal((await runnerNamed('gitlab-runner-a')).status, 'online');
    await instances.close();
  });
});
