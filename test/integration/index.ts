// Entry point loaded by VS Code as extensionTestsPath: runs the mocha suites inside the
// extension host, with the extension under development active.
import Mocha from 'mocha';
import * as vscode from 'vscode';
import { hasUi, hello, ui } from './bridge';
import { loadContinuation } from './reload';
// Inside the extension host too: a test that reaches past loopback fails.
import '../guard/loopback-only.cjs';

export async function run(): Promise<void> {
  if (hasUi) await hello({ vscodeVersion: vscode.version, appName: vscode.env.appName });
  // After a window reload a test asked for, the run goes on with what that test left to do.
  const continued = hasUi ? await loadContinuation() : undefined;
  const mocha = new Mocha({ ui: 'tdd', timeout: 60_000, color: false, reporter: 'spec' });
  const grep = continued?.grep ?? process.env.RUNNER_OPS_TEST_GREP;
  if (grep) mocha.grep(grep);
  // The suites are bundled into this file; define suite()/test() before evaluating them.
  mocha.suite.emit('pre-require', globalThis, 'integration', mocha);
  await import('./suites');
  const sent: Promise<unknown>[] = [];
  const failures = await new Promise<number>((resolve) => {
    const runner = mocha.run(resolve);
    if (!hasUi) return;
    const send = (result: Parameters<typeof ui.report>[0]) => sent.push(ui.report(result).catch(() => undefined));
    runner.on('pass', (test) => send({ title: test.fullTitle(), state: 'passed', ms: test.duration }));
    runner.on('fail', (test, error: Error) => {
      send({ title: test.fullTitle(), state: 'failed', error: error.stack ?? error.message });
      sent.push(ui.screenshot(`failed-${test.fullTitle()}`).catch(() => undefined));
    });
    runner.on('pending', (test) => send({ title: test.fullTitle(), state: 'skipped' }));
  });
  await Promise.all(sent);
  if (hasUi && (await ui.reloadPending())) {
    // This life of the run ends with the window: the harness counts what was reported so far.
    await vscode.commands.executeCommand('workbench.action.reloadWindow');
    await new Promise(() => undefined);
  }
  if (failures) throw new Error(`${failures} test(s) failed`);
}
