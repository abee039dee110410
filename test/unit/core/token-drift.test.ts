// Token drift from what GitLab says about each stored token: a rejected one, one expiring inside
// the window (not outside it), one runner's token in two VMs' config.toml, and entries for another
// GitLab left alone. The system id sent is the manager's on that VM; no finding names a token.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { RunnerTokenPort } from '../../../src/core/runner-token-port';
import { readConfigTokens, TokenDrift, type ConfigTokens } from '../../../src/core/token-drift';

const URL = 'https://gitlab.example.com';
const NOW = Date.parse('2025-06-01T12:00:00Z');
const DAY = 86_400_000;

const config = (vm: string, entries: Array<{ id: number; token: string; url?: string }>): ConfigTokens =>
  readConfigTokens(
    `runners/${vm}/config.toml.enc`,
    Buffer.from(
      entries
        .map((e) => `[[runners]]\nname = "${vm}"\nurl = "${e.url ?? URL}"\nid = ${e.id}\ntoken = "${e.token}"\n`)
        .join('\n'),
    ),
  )!;

function gitlab(valid: Record<string, { runnerId: number; expiresAt?: number }>) {
  const asked: string[] = [];
  const port: Pick<RunnerTokenPort, 'verify'> = {
    verify: async (token, systemId) => {
      asked.push(`${token} ${systemId}`);
      const known = valid[token];
      return known ? { outcome: 'accepted', ...known } : { outcome: 'rejected' };
    },
  };
  return { port, asked };
}

test('flags a rejected token and one expiring within the window, on the secret and the runner', async () => {
  const gl = gitlab({ 'glrt-a': { runnerId: 1 }, 'glrt-b': { runnerId: 2, expiresAt: NOW + 3 * DAY } });
  const drift = new TokenDrift();
  const found = await drift.check(
    [
      config('vm-a', [{ id: 1, token: 'glrt-a' }]),
      config('vm-b', [{ id: 2, token: 'glrt-b' }]),
      config('vm-c', [{ id: 3, token: 'glrt-stale' }]),
    ],
    { gitlabUrl: URL, gitlab: gl.port, systemIdOn: (vm) => `s_${vm}`, now: NOW, windowMs: 14 * DAY },
  );
  assert.deepEqual(
    found.map((f) => [f.vmName, f.kind]),
    [
      ['vm-b', 'expiring'],
      ['vm-c', 'rejected'],
    ],
  );
  assert.match(
    drift.forSecret('runners/vm-c/config.toml.enc')[0].sentence,
    /^token not accepted by GitLab: runner #3 on vm-c cannot connect/,
  );
  assert.match(drift.forRunner(2)[0].sentence, /^runner #2's token expires in 3 d/);
  assert.deepEqual(drift.forSecret('runners/vm-a/config.toml.enc'), []);
  assert.ok(gl.asked.includes('glrt-a s_vm-a'), 'the manager on that VM is named');
  for (const f of found) assert.doesNotMatch(f.sentence, /glrt-/);
});

test('an expiry outside the window is fine; another GitLab url is not asked about', async () => {
  const gl = gitlab({ 'glrt-b': { runnerId: 2, expiresAt: NOW + 30 * DAY } });
  const drift = new TokenDrift();
  const found = await drift.check(
    [
      config('vm-b', [
        { id: 2, token: 'glrt-b' },
        { id: 9, token: 'glrt-x', url: 'https://other.example' },
      ]),
    ],
    {
      gitlabUrl: URL,
      gitlab: gl.port,
      systemIdOn: () => undefined,
      now: NOW,
      windowMs: 14 * DAY,
    },
  );
  assert.deepEqual(found, []);
  assert.deepEqual(gl.asked, ['glrt-b undefined']);
});

test('one runner token in the config.toml of two VMs is flagged on both, also across separate checks', async () => {
  const gl = gitlab({ 'glrt-a': { runnerId: 1 } });
  const drift = new TokenDrift();
  const deps = { gitlabUrl: URL, gitlab: gl.port, systemIdOn: () => undefined, now: NOW, windowMs: DAY };
  await drift.check([config('vm-a', [{ id: 1, token: 'glrt-a' }])], deps);
  assert.deepEqual(drift.forRunner(1), []);
  await drift.check([config('vm-b', [{ id: 1, token: 'glrt-a' }])], deps);
  assert.deepEqual(
    drift.forRunner(1).map((f) => [f.vmName, f.kind, f.sentence]),
    [
      [
        'vm-a',
        'shared',
        "runner #1's token is also used on vm-b: managers sharing one token disconnect each other after a rotation",
      ],
      [
        'vm-b',
        'shared',
        "runner #1's token is also used on vm-a: managers sharing one token disconnect each other after a rotation",
      ],
    ],
  );
  drift.forget('runners/vm-b/config.toml.enc');
  await drift.check([config('vm-a', [{ id: 1, token: 'glrt-a' }])], deps);
  assert.deepEqual(drift.forRunner(1), [], 'gone once the other copy is gone');
});
