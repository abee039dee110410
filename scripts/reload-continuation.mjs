// What outlives a window reload during an integration run: a test that reloads the window (to
// interrupt an operation as a user's reload or crash does) leaves here what the next life of the
// run needs, and the sandbox it used runs in its own process so the extension host's death does
// not take it along. Ops of the UI bridge, answered by the test runner's process.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { root } from './code-server.mjs';

export function reloadContinuation() {
  let continuation;
  let reloaded = false;
  let sandbox;
  let child;

  /** `npm run sandbox` with simulated time nearly stopped: the test moves it through /_sandbox/clock/advance. */
  async function startSandbox() {
    child = spawn(
      process.execPath,
      [join(root, 'node_modules/tsx/dist/cli.mjs'), 'test/sandbox/main.ts', '--seed', 'demo', '--time-scale', '0.001'],
      { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const found = {};
    const lines = createInterface({ input: child.stdout });
    await new Promise((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`the sandbox process exited with ${code} before it was ready`)));
      lines.on('line', (line) => {
        const [key, ...rest] = line.split('=');
        if (key.startsWith('SANDBOX_')) found[key] = rest.join('=');
        if (found.SANDBOX_SETTINGS) resolve();
      });
    });
    return {
      url: found.SANDBOX_URL,
      gitlabToken: found.SANDBOX_GITLAB_TOKEN,
      settings: JSON.parse(found.SANDBOX_SETTINGS),
    };
  }

  const stopSandbox = () => {
    child?.kill('SIGTERM');
    child = undefined;
    sandbox = undefined;
  };

  return {
    handlers: {
      /** Starts the out-of-process sandbox once; later calls (from the next life) get the same one. */
      sandboxProcess: async () => {
        sandbox ??= startSandbox();
        return sandbox;
      },
      stopSandboxProcess: () => stopSandbox(),
      /** What the run continues with after the reload: `{ grep, ...data }`. */
      continueAfterReload: ({ value }) => {
        continuation = value;
      },
      continuation: () => ({ value: continuation ?? null, reloaded }),
      /** Asked once the suites ran: true (once) when a test asked for a reload. */
      reloadPending: () => {
        if (!continuation || reloaded) return false;
        reloaded = true;
        return true;
      },
    },
    close: stopSandbox,
  };
}
