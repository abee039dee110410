// Runs the integration suite inside a real VS Code (code-server 4.100.3 = VS Code 1.100.3),
// driven by Debian's Chromium. The suite runs in the extension host; it asks this process what
// the workbench shows through a loopback "UI bridge". Exit code 1 when any test fails.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { launchBrowser, root, startCodeServer, workbenchUrl } from './code-server.mjs';
import { reloadContinuation } from './reload-continuation.mjs';
import { startUiBridge } from './ui-bridge.mjs';
import { workbenchUi } from './workbench-ui.mjs';

const RUN_TIMEOUT_MS = 15 * 60_000;
const verbose = process.env.RUNNER_OPS_VERBOSE === '1';
const resultsDir = join(root, 'test-results');
rmSync(resultsDir, { recursive: true, force: true });

const results = [];
let meta = {};
let page;

const reload = reloadContinuation();
const bridge = await startUiBridge({
  ...reload.handlers,
  report(args) {
    results.push(args);
    const mark = { passed: '✔', failed: '✘', skipped: '-' }[args.state] ?? '?';
    console.log(`  ${mark} ${args.title}${args.ms !== undefined ? ` (${args.ms} ms)` : ''}`);
    if (args.error)
      console.log(
        args.error
          .split('\n')
          .map((l) => `      ${l}`)
          .join('\n'),
      );
  },
  hello(args) {
    meta = args;
  },
});
const bridgeUrl = bridge.url;

const started = Date.now();
const server = await startCodeServer({
  env: {
    RUNNER_OPS_UI_BRIDGE: bridgeUrl,
    ...(process.env.RUNNER_OPS_TEST_GREP ? { RUNNER_OPS_TEST_GREP: process.env.RUNNER_OPS_TEST_GREP } : {}),
  },
  log: (line) => verbose && process.stderr.write(line),
});
const browser = await launchBrowser();
let exitCode = 1;
try {
  page = await browser.newPage({ viewport: { width: 1400, height: 1300 } });
  const ui = workbenchUi(page, resultsDir);
  bridge.setUi(ui);
  const exited = new Promise((resolve) => {
    page.exposeFunction('codeAutomationExit', (code) => resolve(Number(code)));
  });
  await page.exposeFunction('codeAutomationLog', (type, args) => {
    if (verbose) console.error(`[workbench ${type}]`, ...(Array.isArray(args) ? args : [args]));
  });
  console.log('integration: starting VS Code (code-server) with the extension under test');
  await page.goto(workbenchUrl(server, { testsPath: join(root, 'out/integration/index.js') }));
  const timeout = new Promise((resolve) => setTimeout(() => resolve('timeout'), RUN_TIMEOUT_MS).unref());
  const outcome = await Promise.race([exited, timeout]);
  if (outcome === 'timeout')
    console.error(`integration: the suite did not finish within ${RUN_TIMEOUT_MS / 60_000} minutes`);
  else exitCode = outcome;
  await ui.screenshot({ name: 'final' }).catch(() => undefined);
} finally {
  await browser.close().catch(() => undefined);
  await server.stop();
  bridge.close();
  reload.close();
}

const count = (state) => results.filter((r) => r.state === state).length;
const passed = count('passed');
const failed = count('failed');
const skipped = count('skipped');
console.log(
  `integration: ran inside VS Code ${meta.vscodeVersion ?? '?'} (${meta.appName ?? 'code-server'}) in ${Math.round((Date.now() - started) / 1000)} s; screenshots in test-results/`,
);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
if (exitCode === 0 && failed > 0) exitCode = 1;
if (exitCode === 0 && passed === 0) {
  console.error('integration: no test passed; treating the run as failed');
  exitCode = 1;
}
process.exit(exitCode);
