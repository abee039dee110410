import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { InvalidGitLabUrl, normalizeGitLabUrl, tokenStorageKey } from '../../../src/core/gitlab-host';

test('a GitLab URL is reduced to its origin and install path', () => {
  assert.equal(normalizeGitLabUrl('https://gitlab.example.com/'), 'https://gitlab.example.com');
  assert.equal(normalizeGitLabUrl('gitlab.example.com'), 'https://gitlab.example.com');
  assert.equal(normalizeGitLabUrl(' https://GitLab.Example.com/gitlab/api/v4/ '), 'https://gitlab.example.com/gitlab');
  assert.equal(normalizeGitLabUrl('http://127.0.0.1:8080'), 'http://127.0.0.1:8080');
});

test('URLs that cannot be a GitLab server are refused with a message saying what to enter', () => {
  assert.throws(() => normalizeGitLabUrl(''), /empty.*e\.g\. https:\/\/gitlab\.example\.com/);
  assert.throws(() => normalizeGitLabUrl('ftp://gitlab.example.com'), InvalidGitLabUrl);
  assert.throws(
    () => normalizeGitLabUrl('https://user:glpat-secret@gitlab.example.com'),
    (e: Error) => {
      assert.match(e.message, /token prompt/);
      assert.doesNotMatch(e.message, /glpat-secret/);
      return true;
    },
  );
  assert.throws(() => normalizeGitLabUrl('http://exa mple.com'), /is not a URL/);
});

test('tokens are stored per host, so a token saved for one server is never found for another', () => {
  assert.equal(tokenStorageKey('https://gitlab.example.com/'), tokenStorageKey('gitlab.example.com'));
  assert.notEqual(
    tokenStorageKey('https://gitlab.example.com'),
    tokenStorageKey('https://gitlab.example.com.evil.test'),
  );
  assert.notEqual(tokenStorageKey('https://gitlab.example.com'), tokenStorageKey('http://gitlab.example.com'));
  assert.notEqual(tokenStorageKey('https://gitlab.example.com'), tokenStorageKey('https://gitlab.example.com:8443'));
});
