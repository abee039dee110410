// npm run demo [-- --screenshot [FILE]] [--port N] [--seed KIND]: the sandbox (demo seed unless --seed) and a real
// VS Code (code-server) with Runner Ops installed, configured for the sandbox and signed in. Prints
// VSCODE_URL to open; Ctrl-C stops both. With --screenshot, saves a picture of the sidebar (by default
// test-results/demo-<seed>.png) and exits: the fleet for the seeds that have one, the Bootstrap
// Checklist for `empty`.
import { spawn } from 'node:child_process';
import { mkdtempSync, symlinkSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { launchBrowser, root, startCodeServer } from './code-server.mjs';
import { workbenchUi } from './workbench-ui.mjs';

const args = process.argv.slice(2);
const option = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const seed = option('--seed') ?? 'demo';
const named = option('--screenshot');
const screenshot = args.includes('--screenshot')
  ? named && !named.startsWith('--')
    ? named
    : join('test-results', `demo-${seed}.png`)
  : undefined;
const unknown = args.filter((a) => a.startsWith('--') && !['--screenshot', '--port', '--seed'].includes(a));
if (unknown.length || (args.includes('--seed') && !option('--seed'))) {
  console.error('usage: npm run demo [-- --screenshot [FILE]] [--port N] [--seed small|demo|scale|empty]');
  process.exit(2);
}

function startSandbox() {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'test/sandbox/main.ts'), '--seed', seed], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, METADATA_SERVER_DETECTION: 'none' },
  });
  return new Promise((resolveStart, reject) => {
    const found = {};
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      const m = /^(SANDBOX_\w+)=(.*)$/.exec(line);
      if (m) found[m[1]] = m[2];
      if (found.SANDBOX_URL && found.SANDBOX_GITLAB_TOKEN && found.SANDBOX_SETTINGS) {
        lines.removeAllListeners('line');
        lines.on('line', () => undefined);
        resolveStart({
          child,
          url: found.SANDBOX_URL,
          token: found.SANDBOX_GITLAB_TOKEN,
          settings: JSON.parse(found.SANDBOX_SETTINGS),
        });
      }
    });
    child.once('exit', (code) => reject(new Error(`the sandbox exited with ${code} before it was ready`)));
  });
}

const sandbox = await startSandbox();
console.log(`SANDBOX_URL=${sandbox.url}`);
// The same sandbox for glab, curl or gcloud while the demo runs (an admin token with the api scope).
console.log(`SANDBOX_GITLAB_TOKEN=${sandbox.token}`);

// The extension as installed: the repository (built into dist/) linked into a fresh extensions folder.
const extensionsDir = mkdtempSync(join(tmpdir(), 'runner-ops-demo-extensions-'));
mkdirSync(extensionsDir, { recursive: true });
symlinkSync(root, join(extensionsDir, 'runner-ops.runner-ops-0.1.0'));
symlinkSync(resolve(root, 'scripts/demo-signin'), join(extensionsDir, 'runner-ops.runner-ops-demo-signin-0.0.1'));

const server = await startCodeServer({
  settings: { ...sandbox.settings, 'workbench.colorTheme': 'Default Dark Modern' },
  env: { RUNNER_OPS_DEMO_GITLAB_URL: sandbox.url, RUNNER_OPS_DEMO_GITLAB_TOKEN: sandbox.token },
  extensionsDir,
  port: option('--port') ? Number(option('--port')) : undefined,
});
const vscodeUrl = `${server.url}/?folder=${encodeURIComponent(server.workspace)}`;

const stop = async () => {
  await server.stop();
  sandbox.child.kill('SIGTERM');
};

if (screenshot) {
  const browser = await launchBrowser();
  let failed = false;
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const ui = workbenchUi(page, tmpdir());
    await page.goto(vscodeUrl);
    await ui.openContainer();
    const until = async (title, accept) => {
      const deadline = Date.now() + 60_000;
      for (;;) {
        const view = await ui.readView({ title });
        if (
          accept(
            view.rows.map((r) => r.text),
            view.rows,
          )
        )
          return;
        if (Date.now() > deadline)
          throw new Error(`${title} did not fill in: ${view.rows.map((r) => r.text).join(', ')}`);
        await new Promise((r) => setTimeout(r, 500));
      }
    };
    // Room for the descriptions: widen the sidebar, fold the views this picture is not about.
    const box = await page.locator('.part.sidebar').boundingBox();
    await page.mouse.move(box.x + box.width - 1, box.y + 300);
    await page.mouse.down();
    await page.mouse.move(box.x + 760, box.y + 300, { steps: 5 });
    await page.mouse.up();
    const fold = async (titles) => {
      for (const title of titles) {
        const header = page.locator(`.sidebar .pane-header:has(h3.title:text-is("${title}"))`).first();
        if ((await header.getAttribute('aria-expanded')) === 'true') await header.click();
      }
    };
    if (seed === 'empty') {
      // Nothing to show but the bootstrap: the checklist's summary and its nine checks, each run to the end.
      await fold(['Runner VMs', 'Registered Runners', 'Pipelines', 'Secrets']);
      await until(
        'Bootstrap Checklist',
        (texts, rows) =>
          texts.length === 10 && texts[0] === 'Summary' && !rows.some((r) => r.description.startsWith('Not signed in')),
      );
    } else {
      await fold(['Secrets', 'Bootstrap Checklist']);
      await until('Runner VMs', (rows) => rows.includes('gitlab-runner-c'));
      await ui.clickRow({ title: 'Runner VMs', label: 'gitlab-runner-c' });
      await until('Registered Runners', (rows) => rows.some((r) => r.startsWith('#3')));
      await until('Pipelines', (rows) => rows.some((r) => r.startsWith('#7 main')));
      await ui.clickRow({ title: 'Pipelines', label: '#7 main' });
      await until('Pipelines', (rows) => rows.includes('plan'));
    }
    await page.mouse.move(900, 500); // no hover tooltip in the picture
    await new Promise((r) => setTimeout(r, 500));
    mkdirSync(dirname(resolve(screenshot)), { recursive: true });
    await page.screenshot({ path: resolve(screenshot) });
    console.log(`SCREENSHOT=${resolve(screenshot)}`);
  } catch (error) {
    failed = true;
    console.error(`demo: ${error.message}`);
  } finally {
    await browser.close();
    await stop();
  }
  process.exit(failed ? 1 : 0);
}

console.log(`VSCODE_URL=${vscodeUrl}`);
console.log('Runner Ops is signed in to the sandbox there. Ctrl-C stops VS Code and the sandbox.');
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => void stop().then(() => process.exit(0)));
