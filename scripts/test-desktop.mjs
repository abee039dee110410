// The same integration suite through @vscode/test-electron, for a desktop that can download
// VS Code or that names one with VSCODE_EXECUTABLE. UI-reading tests skip themselves here
// (no harness bridge); everything asserted through the API still runs.
import { join } from 'node:path';
import { runTests } from '@vscode/test-electron';
import { root } from './code-server.mjs';

try {
  await runTests({
    extensionDevelopmentPath: root,
    extensionTestsPath: join(root, 'out/integration/index.js'),
    vscodeExecutablePath: process.env.VSCODE_EXECUTABLE || undefined,
    version: process.env.VSCODE_EXECUTABLE ? undefined : '1.100.3',
    launchArgs: ['--disable-extensions', '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes'],
    extensionTestsEnv: { METADATA_SERVER_DETECTION: 'none' },
  });
} catch (error) {
  console.error(`desktop integration run failed: ${error instanceof Error ? error.message : error}`);
  if (!process.env.VSCODE_EXECUTABLE)
    console.error('No VS Code could be downloaded here? Set VSCODE_EXECUTABLE to a local VS Code binary.');
  process.exit(1);
}
