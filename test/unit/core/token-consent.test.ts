// The gate between a stored GitLab token and the configured server: a URL the workspace (a
// cloned repository's .vscode/settings.json) chose never gets a token without consent.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { consentQuestion, decideTokenUse, gitlabTarget, type UrlLayers } from '../../../src/core/token-consent';

const DEFAULT = 'https://gitlab.com';
const decide = (layers: UrlLayers, tokenStored = true, consented = false) =>
  decideTokenUse(gitlabTarget({ defaultValue: DEFAULT, ...layers }), tokenStored, consented);

test('a URL from the user settings (or the default) gets its stored token without a question', () => {
  assert.deepEqual(decide({}), { kind: 'send', host: DEFAULT });
  assert.deepEqual(decide({ globalValue: 'https://gitlab.example.com/' }), {
    kind: 'send',
    host: 'https://gitlab.example.com',
  });
});

test('no stored token for the host, or no valid URL: signed out, whoever chose it', () => {
  assert.deepEqual(decide({ globalValue: 'https://gitlab.example.com' }, false), { kind: 'signed-out' });
  assert.deepEqual(decide({ workspaceValue: 'https://evil.example' }, false), { kind: 'signed-out' });
  assert.deepEqual(decide({ workspaceValue: 'ftp://gitlab.example.com' }), { kind: 'signed-out' });
  assert.deepEqual(decide({ globalValue: '' }), { kind: 'signed-out' });
});

test('a workspace URL for a host with a stored token is asked about, until consented', () => {
  const layers = { globalValue: 'https://gitlab.example.com', workspaceValue: 'https://other.example.com' };
  assert.deepEqual(decide(layers), { kind: 'ask', host: 'https://other.example.com' });
  assert.deepEqual(decide(layers, true, true), { kind: 'send', host: 'https://other.example.com' });
});

test('a folder URL wins over the workspace one and is asked about the same way', () => {
  const layers = { workspaceValue: 'https://gitlab.com', workspaceFolderValue: 'https://folder.example.com' };
  assert.deepEqual(decide(layers), { kind: 'ask', host: 'https://folder.example.com' });
});

test('a workspace URL on the default server, with no user setting, is still a workspace choice only if it differs', () => {
  assert.deepEqual(decide({ workspaceValue: 'https://gitlab.com/' }), { kind: 'send', host: DEFAULT });
  assert.deepEqual(decide({ workspaceValue: 'https://gitlab.com/gitlab' }), {
    kind: 'ask',
    host: 'https://gitlab.com/gitlab',
  });
});

test('a workspace repeating the user URL (spelled differently) needs no question', () => {
  const layers = { globalValue: 'https://gitlab.example.com', workspaceValue: 'gitlab.example.com/api/v4/' };
  assert.deepEqual(decide(layers), { kind: 'send', host: 'https://gitlab.example.com' });
});

test('the same name over http, or another port, is another server and is asked about', () => {
  const user = { globalValue: 'https://gitlab.example.com' };
  assert.equal(decide({ ...user, workspaceValue: 'http://gitlab.example.com' }).kind, 'ask');
  assert.equal(decide({ ...user, workspaceValue: 'https://gitlab.example.com:8443' }).kind, 'ask');
});

test('the question names the host', () => {
  const question = consentQuestion('https://gitlab.example.com');
  assert.match(question, /point Runner Ops at https:\/\/gitlab\.example\.com\./);
  assert.match(question, /Send your saved GitLab token for gitlab\.example\.com there\?/);
});
