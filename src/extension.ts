// Activation: registers the views and commands the manifest declares, and nothing else. The
// body (src/main.ts, its own bundle dist/main.js) loads on first use: a view asking for rows or
// a command run. So activation parses a few kilobytes, whatever the extension grows into.
import { join } from 'node:path';
// Named imports: a plain require of the API, nothing copied (scripts/build.mjs).
import { commands, window } from 'vscode';
import type * as vscode from 'vscode';
import { codeCachedLoader, type BundleLoader } from './code-cache';
import { DeferredTree } from './views/deferred-tree';

type Main = typeof import('./main');
type Body = ReturnType<Main['start']>;

interface Manifest {
  contributes: { commands: Array<{ command: string }>; views: Record<string, Array<{ id: string }>> };
}

export function activate(context: vscode.ExtensionContext) {
  const manifest = context.extension.packageJSON as Manifest;
  const trees = new Map<string, { view: vscode.TreeView<unknown>; provider: DeferredTree<unknown> }>();
  const standIns: vscode.Disposable[] = [];
  let body: Body | undefined;
  const bundles = bundleLoader(context);
  const load = (): Body => {
    if (body) return body;
    // The body registers the real commands; the stand-ins step aside first (an id is registered once).
    for (const d of standIns.splice(0)) d.dispose();
    const main = (bundles ? bundles('main') : require('./main')) as Main;
    body = main.start(
      context,
      (id, provider, pace) => {
        const tree = trees.get(id);
        if (!tree) throw new Error(`No view ${id} in package.json.`);
        tree.provider.attach(provider as vscode.TreeDataProvider<unknown>, pace);
        return { view: tree.view as vscode.TreeView<never>, drawn: tree.provider.drawn };
      },
      bundles,
    );
    return body;
  };
  for (const id of Object.values(manifest.contributes.views).flatMap((list) => list.map((v) => v.id))) {
    const provider = new DeferredTree<unknown>(load);
    const view = window.createTreeView(id, { treeDataProvider: provider, showCollapseAll: true });
    trees.set(id, { view, provider });
    context.subscriptions.push(view, provider);
  }
  for (const { command } of manifest.contributes.commands) {
    standIns.push(
      commands.registerCommand(command, (...args: unknown[]) => {
        load();
        return commands.executeCommand(command, ...args);
      }),
    );
  }
  context.subscriptions.push({ dispose: () => standIns.forEach((d) => d.dispose()) });
  // Exposed for the integration tests, which drive the same objects the UI uses.
  return {
    get services() {
      return load().services;
    },
    get views() {
      return load().views;
    },
    get confirmation() {
      return load().confirmation;
    },
    get external() {
      return load().external;
    },
    get filePicker() {
      return load().filePicker;
    },
    /** How each bundle loaded so far was compiled (from V8's code cache or from source): for the bench. */
    get compiledFrom() {
      return Object.fromEntries(bundles?.compiledFrom ?? []);
    },
  };
}

export function deactivate(): void {}

/** The bundles through V8's code cache, kept in the extension's global storage (a local folder in every desktop and remote host). */
function bundleLoader(context: vscode.ExtensionContext): BundleLoader | undefined {
  if (context.globalStorageUri.scheme !== 'file') return undefined;
  return codeCachedLoader(__dirname, join(context.globalStorageUri.fsPath, 'code-cache'), module);
}
