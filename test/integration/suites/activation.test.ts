// The extension activates lazily, contributes its container and five views, and shows the
// not-configured welcome content before any setting is made.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { eventually, hasUi, ui } from '../bridge';

const EXTENSION_ID = 'runner-ops.runner-ops';
const VIEWS = ['Runner VMs', 'Registered Runners', 'Pipelines', 'Secrets', 'Bootstrap Checklist'];

suite('Activation', () => {
  test('the extension is installed and activates when its container opens', async () => {
    const extension = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(extension, `${EXTENSION_ID} is not installed`);
    if (hasUi) await ui.openContainer();
    else await vscode.commands.executeCommand('workbench.view.extension.runnerOps');
    await eventually(
      async () => extension.isActive,
      (active) => active,
    );
    assert.equal(extension.isActive, true);
  });

  test('activation loads no Google client and no GitLab client', () => {
    const loaded = Object.keys(require.cache);
    const heavy = loaded.filter((path) =>
      /[\\/](@google-cloud|google-gax|googleapis|@gitbeaker)[\\/]|[\\/]dist[\\/](gitlab|gcp-[\w-]+)\.js$/.test(path),
    );
    assert.deepEqual(heavy, [], 'modules loaded during activation');
    assert.ok(
      loaded.some((path) => /[\\/]dist[\\/]extension\.js$/.test(path)),
      'dist/extension.js should be loaded (sanity check of this test)',
    );
  });

  test('every contributed command is registered once active, and every one an operator needs is in the palette', async () => {
    const manifest = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON as {
      contributes: {
        commands: Array<{ command: string }>;
        menus: { commandPalette?: Array<{ command: string; when?: string }> };
      };
    };
    const registered = new Set(await vscode.commands.getCommands(true));
    const contributed = manifest.contributes.commands.map((c) => c.command);
    assert.deepEqual(
      contributed.filter((id) => !registered.has(id)),
      [],
      'contributed but not registered: the palette would say "command not found"',
    );
    // None is hidden: a row's helpers ask for their target from the palette (a checklist row's
    // fix, its copy and its re-run ask which check; Load More Pipelines asks which project).
    const hidden = (manifest.contributes.menus.commandPalette ?? [])
      .filter((m) => m.when === 'false')
      .map((m) => m.command);
    assert.deepEqual(hidden, []);
  });

  test('the Runner Ops container shows its five views, each with welcome content before configuration', async function () {
    if (!hasUi) this.skip();
    await ui.openContainer();
    for (const title of VIEWS) {
      const view = await eventually(
        () => ui.readView(title),
        (v) => v.welcome.length > 0,
      );
      assert.equal(view.rows.length, 0, `${title} should have no rows before configuration`);
      assert.match(
        view.welcome,
        /not configured|No Google Cloud project|No GitLab server|No secrets bucket/i,
        `${title} welcome: ${view.welcome}`,
      );
    }
    await ui.screenshot('activation-welcome');
  });
});
