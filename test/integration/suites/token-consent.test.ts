// A cloned repository can carry .vscode/settings.json naming a GitLab server. When that server
// is not the one in the user settings, the token saved for it is sent only after the user agreed
// to a question naming the host; until then the views say why nothing loads. Read from what
// reached each server (the PRIVATE-TOKEN header) and from the views.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { startSandbox, type Sandbox } from '../../sandbox/server';
import { eventually, hasUi, ui } from '../bridge';
import { answerConfirmations } from '../confirmations';
import { applySettings, clearSettings } from '../settings';

type SignInResult = { ok: boolean; message?: string };
const signIn = (url: string, token: string) =>
  vscode.commands.executeCommand<SignInResult>('runnerOps.signIn', { url, token });
const setWorkspaceUrl = (url: string | undefined) =>
  vscode.workspace.getConfiguration().update('runnerOps.gitlab.url', url, vscode.ConfigurationTarget.Workspace);
const setWorkspaceCaFile = (file: string | undefined) =>
  vscode.workspace.getConfiguration().update('runnerOps.gitlab.caFile', file, vscode.ConfigurationTarget.Workspace);
const views = () => vscode.extensions.getExtension('runner-ops.runner-ops')!.exports.views;
const AWAITS_CONSENT = /settings point Runner Ops at a GitLab server other than the one in your user settings/;
const withToken = (sandbox: Sandbox, mark: number) => sandbox.requests.since(mark).filter((r) => r.privateToken);
/** Every view reads now, then a second for anything started in the background. */
const readEverything = async () => {
  await vscode.commands.executeCommand('runnerOps.refresh');
  await views().refreshAll();
  await new Promise((resolve) => setTimeout(resolve, 1000));
};

suite('Workspace GitLab URL', () => {
  /** The user's own server (user settings). */
  let mine: Sandbox;
  /** The server a workspace names; a token for it is saved too. */
  let theirs: Sandbox;

  suiteSetup(async () => {
    mine = await startSandbox({ seed: 'small' });
    theirs = await startSandbox({ seed: 'small' });
    await applySettings(mine.settings);
    assert.equal((await signIn(theirs.url, theirs.gitlabToken)).ok, true);
    assert.equal((await signIn(mine.url, mine.gitlabToken)).ok, true);
    if (hasUi) await ui.openContainer();
    // Whatever the sign-ins started (token checks, the checklist) has answered before the tests mark.
    await readEverything();
  });

  suiteTeardown(async () => {
    await setWorkspaceCaFile(undefined);
    await setWorkspaceUrl(undefined);
    await vscode.commands.executeCommand('runnerOps.signOut');
    await applySettings({ 'runnerOps.gitlab.url': theirs.url });
    await vscode.commands.executeCommand('runnerOps.signOut');
    await clearSettings(mine.settings);
    await mine.close();
    await theirs.close();
  });

  test('a workspace URL gets no token while the question is declined, and the views say why', async () => {
    const asked = answerConfirmations(false);
    const markTheirs = theirs.requests.mark();
    await setWorkspaceUrl(theirs.url);
    await eventually(
      async () => asked.length,
      (n) => n > 0,
    );
    assert.equal(asked.length, 1);
    assert.match(asked[0], new RegExp(`point Runner Ops at ${theirs.url.replace(/\./g, '\\.')}\\.`));
    assert.match(
      asked[0],
      new RegExp(`saved GitLab token for ${new URL(theirs.url).host.replace(/\./g, '\\.')} there\\?`),
    );

    await readEverything();
    assert.deepEqual(withToken(theirs, markTheirs), [], 'no request to the workspace server carried the token');
    assert.equal(asked.length, 1, 'asked once, not on every refresh');
    if (hasUi) {
      const runners = await eventually(
        () => ui.readView('Registered Runners'),
        (v) => AWAITS_CONSENT.test(v.welcome),
      );
      assert.match(runners.welcome, AWAITS_CONSENT);
      await ui.screenshot('workspace-url-awaiting-consent');
    }
  });

  test('allowing it (the question names the host) sends the token there and the views load', async () => {
    const asked = answerConfirmations(true);
    const mark = theirs.requests.mark();
    assert.equal(await vscode.commands.executeCommand('runnerOps.allowWorkspaceGitLab'), true);
    assert.equal(asked.length, 1);
    assert.match(asked[0], new RegExp(`point Runner Ops at ${theirs.url.replace(/\./g, '\\.')}\\.`));

    await readEverything();
    const sent = withToken(theirs, mark).map((r) => r.path.split('?')[0]);
    assert.ok(
      sent.some((path) => path.includes('/runners')),
      `token-carrying requests: ${sent.join(', ')}`,
    );
    if (hasUi) {
      const runners = await eventually(
        () => ui.readView('Registered Runners'),
        (v) => v.rows.length > 0,
        20_000,
      );
      assert.doesNotMatch(runners.welcome, AWAITS_CONSENT);
      assert.ok(runners.rows.length > 0, 'runners from the workspace server are listed');
    }
  });

  test('signing out of that server withdraws the consent: a token saved again is held back', async () => {
    answerConfirmations(false);
    await vscode.commands.executeCommand('runnerOps.signOut');
    // Saved again from the user settings, as a user signing in elsewhere would.
    await setWorkspaceUrl(undefined);
    assert.equal((await signIn(theirs.url, theirs.gitlabToken)).ok, true);
    assert.equal((await signIn(mine.url, mine.gitlabToken)).ok, true);
    await setWorkspaceUrl(theirs.url);

    const mark = theirs.requests.mark();
    await readEverything();
    assert.deepEqual(withToken(theirs, mark), []);
    if (hasUi) {
      const runners = await eventually(
        () => ui.readView('Registered Runners'),
        (v) => AWAITS_CONSENT.test(v.welcome),
      );
      assert.match(runners.welcome, AWAITS_CONSENT);
    }
  });

  test('a certificate authority file named by the workspace is trusted only after a question naming it', async () => {
    await setWorkspaceUrl(undefined); // back on the user's own server, signed in
    const asked = answerConfirmations(false);
    await setWorkspaceCaFile('/repo/certs/corp-ca.pem');
    await eventually(
      async () => asked.length,
      (n) => n > 0,
    );
    const question = `This workspace's settings tell Runner Ops to trust the certificate authority in /repo/certs/corp-ca.pem for ${mine.url}. Whoever holds that authority's key could read your GitLab token on its way. Trust it? Only do this if you trust this workspace and know this file.`;
    assert.deepEqual(asked, [question]);
    await readEverything();
    assert.equal(asked.length, 1, 'declined: not asked again on every refresh');

    const yes = answerConfirmations(true);
    assert.equal(await vscode.commands.executeCommand('runnerOps.allowWorkspaceGitLab'), true);
    assert.deepEqual(yes, [question], 'the command asks again, naming the file');
    assert.equal(await vscode.commands.executeCommand('runnerOps.allowWorkspaceGitLab'), true);
    assert.equal(yes.length, 1, 'allowed: nothing left to ask');
    await setWorkspaceCaFile(undefined);
  });
});
