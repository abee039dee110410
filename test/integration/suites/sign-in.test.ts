// Signing in to GitLab against the sandbox: what the user sees, what is stored, what reached
// the server, and that the token never goes to another host.
import * as assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as vscode from 'vscode';
import { startSandbox, type Sandbox } from '../../sandbox/server';
import { eventually, hasUi, ui } from '../bridge';
import { applySettings, clearSettings } from '../settings';

type SignInResult = { ok: true; url: string; username: string; access: string } | { ok: false; message: string };
const signIn = (url: string, token: string) =>
  vscode.commands.executeCommand<SignInResult>('runnerOps.signIn', { url, token });
const SIGNED_OUT = /not signed in to GitLab/;

suite('Sign in to GitLab', () => {
  let sandbox: Sandbox;

  suiteSetup(async () => {
    sandbox = await startSandbox({ seed: 'small' });
    await applySettings(sandbox.settings);
    if (hasUi) await ui.openContainer();
  });

  suiteTeardown(async () => {
    await vscode.commands.executeCommand('runnerOps.signOut');
    await clearSettings(sandbox.settings);
    await sandbox.close();
  });

  test('a wrong token is refused with a clear error, and nothing is stored', async () => {
    const mark = sandbox.requests.mark();
    const wrong = 'glpat-this-is-not-a-valid-token';
    const result = await signIn(sandbox.url, wrong);
    assert.equal(result.ok, false);
    assert.match(result.ok ? '' : result.message, /rejected the token \(401\).*Sign in again/);
    assert.doesNotMatch(result.ok ? '' : result.message, new RegExp(wrong));

    // With the token: the checklist, run on the sign-in, also verifies runner tokens (no PRIVATE-TOKEN).
    const reached = sandbox.requests
      .since(mark)
      .filter((r) => r.api === 'gitlab' && r.privateToken)
      .map((r) => `${r.method} ${r.path.split('?')[0]} ${r.status}`);
    assert.deepEqual(reached, ['GET /api/v4/user 401']);

    if (hasUi) {
      const toasts = await eventually(
        () => ui.notifications(),
        (n) => n.some((t) => /rejected the token/.test(t)),
        20_000,
      );
      assert.ok(
        toasts.some((t) =>
          /Sign-in to http:\/\/127\.0\.0\.1:\d+ failed: GitLab at .* rejected the token \(401\)/.test(t),
        ),
        toasts.join('\n'),
      );
      await ui.screenshot('sign-in-bad-token');
      await ui.clearNotifications();
      const runners = await ui.readView('Registered Runners');
      assert.match(runners.welcome, SIGNED_OUT);
    }
  });

  test('a read_api token signs in read-only and says what will be refused', async () => {
    const result = await signIn(sandbox.url, sandbox.tokens.readOnly);
    assert.equal(result.ok, true);
    assert.equal(result.ok && result.access, 'read-only');
    if (hasUi) {
      const toasts = await eventually(
        () => ui.notifications(),
        (n) => n.some((t) => /Read-only/.test(t)),
        20_000,
      );
      assert.ok(
        toasts.some((t) => /Signed in to GitLab at .* as @\S+\. Read-only/.test(t)),
        toasts.join('\n'),
      );
      await ui.clearNotifications();
    }
    await vscode.commands.executeCommand('runnerOps.signOut');
  });

  test('a valid api token is checked with the server and stored for its host', async () => {
    const mark = sandbox.requests.mark();
    const result = await signIn(`${sandbox.url}/`, sandbox.gitlabToken);
    assert.equal(result.ok, true, result.ok ? '' : result.message);
    assert.equal(result.ok && result.url, sandbox.url);
    assert.equal(result.ok && result.access, 'full');

    // With the token: the checklist, run on the sign-in, also verifies runner tokens (no PRIVATE-TOKEN).
    const reached = sandbox.requests
      .since(mark)
      .filter((r) => r.api === 'gitlab' && r.privateToken)
      .map((r) => `${r.method} ${r.path.split('?')[0]} ${r.status}`);
    assert.deepEqual(reached.slice(0, 2), ['GET /api/v4/user 200', 'GET /api/v4/personal_access_tokens/self 200']);

    if (hasUi) {
      const runners = await eventually(
        () => ui.readView('Registered Runners'),
        (v) => !SIGNED_OUT.test(v.welcome),
      );
      assert.doesNotMatch(runners.welcome, SIGNED_OUT);
      await ui.screenshot('sign-in-signed-in');
    }
  });

  test('the token is never sent to another host: pointing the URL elsewhere signs out', async () => {
    const seen: IncomingHttpHeaders[] = [];
    const other = createServer((req, res) => {
      seen.push(req.headers);
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"message":"401 Unauthorized"}');
    });
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    const otherUrl = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
    try {
      await applySettings({ 'runnerOps.gitlab.url': otherUrl });
      await vscode.commands.executeCommand('runnerOps.refresh');
      if (hasUi) {
        const runners = await eventually(
          () => ui.readView('Registered Runners'),
          (v) => SIGNED_OUT.test(v.welcome),
        );
        assert.match(runners.welcome, SIGNED_OUT);
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const leaked = seen.filter((h) => JSON.stringify(h).includes(sandbox.gitlabToken));
      assert.deepEqual(leaked, []);
    } finally {
      other.close();
      await applySettings({ 'runnerOps.gitlab.url': sandbox.url });
    }
    if (hasUi) {
      // Back on the original host, the stored token is found again.
      const runners = await eventually(
        () => ui.readView('Registered Runners'),
        (v) => !SIGNED_OUT.test(v.welcome),
      );
      assert.doesNotMatch(runners.welcome, SIGNED_OUT);
    }
  });

  test('sign out removes the token and the views return to the signed-out state', async () => {
    await vscode.commands.executeCommand('runnerOps.signOut');
    if (hasUi) {
      const runners = await eventually(
        () => ui.readView('Registered Runners'),
        (v) => SIGNED_OUT.test(v.welcome),
      );
      assert.match(runners.welcome, SIGNED_OUT);
    }
    const mark = sandbox.requests.mark();
    await vscode.commands.executeCommand('runnerOps.refresh');
    await new Promise((resolve) => setTimeout(resolve, 500));
    // The checklist may still ask GitLab about a runner's own token (POST /runners/verify); the
    // signed-out user's token must not go anywhere.
    const withToken = sandbox.requests.since(mark).filter((r) => r.api === 'gitlab' && r.privateToken);
    assert.deepEqual(withToken, [], 'no GitLab request after signing out');
  });
});
