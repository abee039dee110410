// Starts a real VS Code (code-server 4.100.3 = VS Code 1.100.3) on loopback and opens its
// workbench in Debian's Chromium through playwright-core. Shared by the test runner and demo.
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';

export const root = resolve(new URL('..', import.meta.url).pathname);

export function installCodeServer() {
  const out = execFileSync('bash', [join(root, 'scripts/install-code-server.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return out.trim().split('\n').pop();
}

export function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

/** Settings that keep the workbench quiet and fast offline. */
const quietSettings = {
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'update.mode': 'none',
  'telemetry.telemetryLevel': 'off',
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'chat.disableAIFeatures': true,
  'security.workspace.trust.enabled': false,
  'git.enabled': false,
  'typescript.disableAutomaticTypeAcquisition': true,
  'npm.fetchOnlinePackageInfo': false,
  'window.commandCenter': false,
  // The remote extension host scans /proc for listening ports every few seconds (and spawns to do
  // it). It scans whenever a tunnel provider exists, as in code-server, unless the source is
  // 'output' (the workbench's processFindingEnabled), whatever autoForwardPorts says.
  'remote.autoForwardPorts': false,
  'remote.autoForwardPortsSource': 'output',
};

/**
 * Starts code-server with a fresh profile. `settings` are merged into the user settings;
 * `env` reaches the extension host. Returns { url, port, workspace, stop }.
 */
export async function startCodeServer({
  settings = {},
  env = {},
  extensionsDir,
  port: wantedPort,
  log = () => {},
} = {}) {
  const entry = installCodeServer();
  const port = wantedPort ?? (await freePort());
  const base = mkdtempSync(join(tmpdir(), 'runner-ops-vscode-'));
  const userDataDir = join(base, 'user-data');
  const workspace = join(base, 'workspace');
  mkdirSync(join(userDataDir, 'User'), { recursive: true });
  mkdirSync(workspace, { recursive: true });
  writeFileSync(join(userDataDir, 'User', 'settings.json'), JSON.stringify({ ...quietSettings, ...settings }, null, 2));
  const args = [
    entry,
    '--auth',
    'none',
    '--bind-addr',
    `127.0.0.1:${port}`,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--user-data-dir',
    userDataDir,
    '--extensions-dir',
    extensionsDir ?? join(base, 'extensions'),
    workspace,
  ];
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...env, METADATA_SERVER_DETECTION: 'none' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: false,
  });
  child.stdout.on('data', (d) => log(`[code-server] ${d}`));
  child.stderr.on('data', (d) => log(`[code-server] ${d}`));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`code-server exited with ${child.exitCode} before listening`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error('code-server did not start within 60 s');
    await new Promise((r) => setTimeout(r, 200));
  }
  const stop = () =>
    new Promise((done) => {
      if (child.exitCode !== null) return done();
      child.once('exit', () => done());
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 5000).unref();
    });
  return { url, port, workspace, userDataDir, stop, child };
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-dev-shm-usage',
    ],
  });
}

/** URL that opens the workbench on the workspace with this extension in development mode. */
export function workbenchUrl({ url, port, workspace }, { testsPath } = {}) {
  const remote = (path) => `vscode-remote://127.0.0.1:${port}${path}`;
  const payload = [
    ['extensionDevelopmentPath', remote(root)],
    ['skipWelcome', 'true'],
    ['skipReleaseNotes', 'true'],
  ];
  if (testsPath) payload.push(['extensionTestsPath', remote(testsPath)]);
  return `${url}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
}
