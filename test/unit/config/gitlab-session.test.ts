// The GitLab token store: each token is read from SecretStorage once (a round trip through the
// window), and read again after any change, from this window or another.
import '../views/vscode-fake';
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { EventEmitter } from '../views/vscode-fake';
import { GitLabSessionStore } from '../../../src/config/gitlab-session';

function secretStorage() {
  const values = new Map<string, string>();
  const changed = new EventEmitter<{ key: string }>();
  const reads: string[] = [];
  return {
    reads,
    values,
    /** Another window changed a secret. */
    changeElsewhere: (key: string, value: string) => (values.set(key, value), changed.fire({ key })),
    storage: {
      get: async (key: string) => (reads.push(key), values.get(key)),
      store: async (key: string, value: string) => (values.set(key, value), changed.fire({ key })),
      delete: async (key: string) => (values.delete(key), changed.fire({ key })),
      onDidChange: changed.event,
    },
  };
}

const KEY = 'runnerOps.gitlabToken:https://gitlab.example.com';

test('a token is read once, however many ask at once, and again after a change in another window', async () => {
  const s = secretStorage();
  const store = new GitLabSessionStore(s.storage as never);
  await store.save('https://gitlab.example.com', 'glpat-one');
  const sessions = await Promise.all([1, 2, 3].map(() => store.get('https://gitlab.example.com/')));
  assert.deepEqual(
    sessions.map((x) => x?.token),
    ['glpat-one', 'glpat-one', 'glpat-one'],
  );
  assert.equal(s.reads.length, 1);
  s.changeElsewhere(KEY, 'glpat-two');
  assert.equal((await store.get('https://gitlab.example.com'))?.token, 'glpat-two');
  s.changeElsewhere('runnerOps.other', 'x');
  await store.get('https://gitlab.example.com');
  assert.equal(s.reads.length, 2, 'an unrelated key changes nothing');
});

test('after sign-out the token is gone at once; a failed read is asked again', async () => {
  const s = secretStorage();
  const store = new GitLabSessionStore(s.storage as never);
  await store.save('https://gitlab.example.com', 'glpat-one');
  assert.ok(await store.get('https://gitlab.example.com'));
  await store.delete('https://gitlab.example.com');
  assert.equal(await store.get('https://gitlab.example.com'), undefined);
  let fail = true;
  const flaky = {
    ...s.storage,
    get: async (key: string) => (fail ? Promise.reject(new Error('busy')) : s.storage.get(key)),
  };
  const again = new GitLabSessionStore(flaky as never);
  await assert.rejects(again.get('https://gitlab.example.com'), /busy/);
  fail = false;
  await store.save('https://gitlab.example.com', 'glpat-three');
  assert.equal((await again.get('https://gitlab.example.com'))?.token, 'glpat-three');
});
