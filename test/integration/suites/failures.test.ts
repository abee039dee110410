// Failures reach the "Runner Ops" log once each, with their request and never the token; an
// error row's "Show Failure Details" opens that log at the row's entry, in the real workbench.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { eventually, ui, type ViewSnapshot } from '../bridge';
import { useDemoSandbox } from '../demo-sandbox';

const FORBIDDEN_ROW = /^GitLab at http:\/\/127\.0\.0\.1:\d+ refused this \(403\)/;
const PIPELINES_403 = /GET \/api\/v4\/projects\/\d+\/pipelines · 403 · forbidden, permanent/;

const api = () => vscode.extensions.getExtension('runner-ops.runner-ops')!.exports;
const rowsOf = (view: ViewSnapshot) => view.rows.map((r) => `${r.text} — ${r.description}`);
const untilRows = (title: string, accept: (rows: string[]) => boolean) =>
  eventually(
    () => ui.readView(title),
    (v) => accept(rowsOf(v)),
    20_000,
  ).then((v) => {
    assert.ok(accept(rowsOf(v)), `${title} shows:\n${rowsOf(v).join('\n')}`);
    return v;
  });

/** What the active editor shows: its document and the text of the selected line. */
function activeEditor() {
  const editor = vscode.window.activeTextEditor;
  if (!editor) return undefined;
  return {
    scheme: editor.document.uri.scheme,
    text: editor.document.getText(),
    selected: editor.document.lineAt(editor.selection.active.line).text,
  };
}

suite('Failure details', function () {
  const sandbox = useDemoSandbox({ signIn: true });
  suiteTeardown(() => vscode.commands.executeCommand('workbench.action.closeAllEditors'));

  test('a 403 shows an error row whose Show Failure Details opens the log at its entry, without the token', async () => {
    await untilRows('Pipelines', (rows) => rows.some((r) => /^#7 main — Failed/.test(r)));
    const mark = sandbox().requests.mark();
    sandbox().faults.add('gitlab:/api/v4/projects/*/pipelines=403');
    await vscode.commands.executeCommand('runnerOps.refresh');
    const view = await untilRows('Pipelines', (rows) => rows.some((r) => FORBIDDEN_ROW.test(r)));
    // The first error row is the first project's (each project's list fails on its own).
    const row = view.rows.find((r) => FORBIDDEN_ROW.test(r.text))!;
    assert.match(row.icon, /codicon-error/);
    const above = view.rows.slice(0, view.rows.indexOf(row)).filter((r) => r.level === row.level - 1);
    const projectPath = above[above.length - 1].text;
    const projectId = api()
      .services.store()
      .projects.value.find((p: { path: string }) => p.path === projectPath).id;

    // A later failure (a sign-in with a wrong token), so the row's entry is not simply the latest.
    const wrongToken = 'glpat-WrongTokenNeverLogged0123';
    const refusedSignIn = await vscode.commands.executeCommand<{ ok: boolean }>('runnerOps.signIn', {
      url: sandbox().url,
      token: wrongToken,
    });
    assert.equal(refusedSignIn.ok, false);

    await ui.clickRowAction('Pipelines', row.text, 'Show Failure Details');
    const shown = await eventually(
      async () => activeEditor(),
      (e) => e?.scheme === 'output' && /\[failure \d+\]/.test(e.selected),
    );
    assert.ok(shown, 'an editor opened');
    assert.equal(shown.scheme, 'output', 'the Runner Ops log, as VS Code shows output');
    assert.match(shown.selected, /\[failure \d+\] gitlab · /, 'the selected line is a failure entry');
    assert.match(shown.selected, PIPELINES_403, 'with its request and status');
    assert.ok(
      shown.selected.includes(`GET /api/v4/projects/${projectId}/pipelines · 403`),
      `the entry of the clicked row (${projectPath}), not another project's: ${shown.selected}`,
    );
    assert.ok(!shown.text.includes(sandbox().gitlabToken), 'the token appears nowhere in the log');
    assert.ok(!shown.text.includes(wrongToken), 'nor the refused one');
    await ui.screenshot('failure-details');

    // Every failure once: as many entries as 403s the sandbox sent, however often the rows re-rendered.
    sandbox().faults.clear();
    await vscode.commands.executeCommand('runnerOps.refresh');
    await untilRows('Pipelines', (rows) => !rows.some((r) => FORBIDDEN_ROW.test(r)));
    const refused = sandbox()
      .requests.since(mark)
      .filter((r) => r.status === 403).length;
    assert.ok(refused >= 1);
    const log = vscode.window.activeTextEditor!.document;
    const signInLogged = await eventually(
      async () => /gitlab · GET \/api\/v4\/user · 401 · unauthorized/.test(log.getText()),
      (found) => found,
    );
    assert.ok(signInLogged, 'the refused sign-in is logged too');
    assert.ok(!log.getText().includes(wrongToken), 'without its token');
    const logged = await eventually(
      async () =>
        log
          .getText()
          .split('\n')
          .filter((line) => PIPELINES_403.test(line)).length,
      (count) => count === refused,
    );
    assert.equal(logged, refused);
  });

  test('from the palette, Show Failure Details opens the log at the latest failure', async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    sandbox().faults.clear(); // whatever the previous test left
    sandbox().faults.add('gitlab:/api/v4/projects/*/pipelines=404');
    try {
      await vscode.commands.executeCommand('runnerOps.refresh');
      await untilRows('Pipelines', (rows) => rows.some((r) => /^Not found on GitLab/.test(r)));
    } finally {
      sandbox().faults.clear();
    }
    await vscode.commands.executeCommand('runnerOps.showFailureDetails');
    const shown = await eventually(
      async () => activeEditor(),
      (e) => e?.scheme === 'output' && /· 404 · not-found/.test(e.selected),
    );
    assert.match(
      shown?.selected ?? '',
      /\[failure \d+\] gitlab · GET \/api\/v4\/projects\/\d+\/pipelines · 404 · not-found/,
    );
    const entries = (shown?.text ?? '').split('\n').filter((line) => /\[failure \d+\]/.test(line));
    assert.equal(entries[entries.length - 1], shown?.selected, 'the latest entry');
    await vscode.commands.executeCommand('runnerOps.refresh');
  });
});
