import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { judgeToken, TokenRejected, type TokenIdentity } from '../../../src/core/token-check';

const now = new Date('2026-11-25T12:00:00Z');
const base: TokenIdentity = {
  username: 'ops',
  name: 'Ops',
  isAdmin: false,
  scopes: ['api'],
  expiresAt: '2027-06-01',
  active: true,
  revoked: false,
};

test('an api token gives full access with nothing to say', () => {
  assert.deepEqual(judgeToken(base, now), { access: 'full', notes: [] });
});

test('a read_api token is accepted read-only, and the user is told what will be refused', () => {
  const verdict = judgeToken({ ...base, scopes: ['read_api', 'read_user'] }, now);
  assert.equal(verdict.access, 'read-only');
  assert.match(verdict.notes.join(' '), /pausing runners.*refused/);
});

test('a token without api or read_api is rejected, naming the scopes it has', () => {
  assert.throws(
    () => judgeToken({ ...base, scopes: ['read_repository'] }, now),
    (e: Error) => {
      assert.ok(e instanceof TokenRejected);
      assert.match(e.message, /\(read_repository\).*api scope/);
      return true;
    },
  );
});

test('revoked, inactive and expired tokens are rejected with the fix', () => {
  assert.throws(() => judgeToken({ ...base, revoked: true }, now), /revoked/);
  assert.throws(() => judgeToken({ ...base, active: false }, now), /not active/);
  assert.throws(() => judgeToken({ ...base, expiresAt: '2026-11-24' }, now), /expired on 2026-11-24/);
});

test('a token that expires within a week is accepted with a warning; the expiry day itself still works', () => {
  assert.match(judgeToken({ ...base, expiresAt: '2026-11-30' }, now).notes.join(' '), /expires on 2026-11-30/);
  assert.equal(judgeToken({ ...base, expiresAt: '2026-11-25' }, now).access, 'full');
});

test('when the server does not report scopes (OAuth), /user having answered is enough', () => {
  assert.equal(judgeToken({ ...base, scopes: undefined }, now).access, 'full');
});
