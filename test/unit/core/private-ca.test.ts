// Which runnerOps.gitlab.caFile is trusted: the user's always; a workspace's (a cloned
// repository's .vscode/settings.json) only once the user allowed that file for that workspace,
// since whoever holds that authority's key could read the token on its way.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { caConsentQuestion, chooseCaFile, type CaFileLayers } from '../../../src/core/private-ca';

const choose = (layers: CaFileLayers, allowed: string[] = []) => chooseCaFile(layers, (f) => allowed.includes(f));

test('no CA file anywhere: the usual trust store only', () => {
  assert.deepEqual(choose({}), { file: undefined });
  assert.deepEqual(choose({ globalValue: '  ' }), { file: undefined });
});

test('the user’s own CA file is trusted without a question', () => {
  assert.deepEqual(choose({ globalValue: '/etc/ssl/company-ca.pem' }), { file: '/etc/ssl/company-ca.pem' });
});

test('a workspace’s CA file is not used until allowed; the user’s stays in force meanwhile', () => {
  assert.deepEqual(choose({ workspaceValue: '/tmp/evil-ca.pem' }), {
    file: undefined,
    awaitingConsent: '/tmp/evil-ca.pem',
  });
  assert.deepEqual(choose({ globalValue: '/etc/ssl/company-ca.pem', workspaceFolderValue: '/repo/ca.pem' }), {
    file: '/etc/ssl/company-ca.pem',
    awaitingConsent: '/repo/ca.pem',
  });
  assert.deepEqual(choose({ workspaceValue: '/repo/ca.pem' }, ['/repo/ca.pem']), { file: '/repo/ca.pem' });
});

test('a folder’s value wins over the workspace’s, and is the one asked about', () => {
  assert.deepEqual(choose({ workspaceValue: '/a.pem', workspaceFolderValue: '/b.pem' }, ['/a.pem']), {
    file: undefined,
    awaitingConsent: '/b.pem',
  });
});

test('a workspace repeating the user’s file, or clearing it, trusts nothing new and asks nothing', () => {
  assert.deepEqual(choose({ globalValue: '/ca.pem', workspaceValue: ' /ca.pem ' }), { file: '/ca.pem' });
  assert.deepEqual(choose({ globalValue: '/ca.pem', workspaceValue: '' }), { file: undefined });
});

test('the question names the file and the host', () => {
  assert.equal(
    caConsentQuestion('/repo/ca.pem', 'https://gitlab.example.com'),
    "This workspace's settings tell Runner Ops to trust the certificate authority in /repo/ca.pem for https://gitlab.example.com. Whoever holds that authority's key could read your GitLab token on its way. Trust it? Only do this if you trust this workspace and know this file.",
  );
});
