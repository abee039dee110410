// The extension's body, loaded on first use by src/extension.ts: builds the services, fills the
// views it created and registers the commands. Nothing here waits on the network; adapters load
// on first use (src/lazy.ts).
import * as vscode from 'vscode';
import * as auth from './commands/auth';
import * as checklist from './commands/checklist';
import { confirmation } from './commands/confirm';
import { external } from './commands/external';
import { filePicker } from './commands/file-pick';
import * as general from './commands/general';
import * as insights from './commands/insights';
import * as operations from './commands/operation-ui';
import * as pipelines from './commands/pipelines';
import * as reprovision from './commands/reprovision';
import * as revealSecret from './commands/reveal-secret';
import * as rotate from './commands/rotate';
import * as runnerToken from './commands/runner-token';
import * as rows from './commands/rows';
import * as runners from './commands/runners';
import * as secretWrite from './commands/secret-write';
import * as secrets from './commands/secrets';
import * as tail from './commands/tail';
import * as tokenConsent from './commands/token-consent';
import * as vms from './commands/vms';
import type { BundleLoader } from './code-cache';
import { useBundleLoader } from './lazy';
import { Services } from './services';
import { registerViews, type AttachTree } from './views';

/** `bundles`: how the client bundles load (V8's code cache, src/code-cache.ts); plain require without it. */
export function start(context: vscode.ExtensionContext, attachTree: AttachTree, bundles?: BundleLoader) {
  if (bundles) useBundleLoader(bundles);
  const services = new Services(context);
  context.subscriptions.push(services);
  const views = registerViews(context, services, attachTree);
  // Each command family registers its commands; two of them also act on the views.
  for (const family of [
    auth,
    tokenConsent,
    general,
    operations,
    tail,
    runners,
    insights,
    secrets,
    vms,
    secretWrite,
    revealSecret,
    runnerToken,
    rotate,
    reprovision,
  ])
    family.register(context, services);
  pipelines.register(context, services, views);
  checklist.register(context, services, views);
  rows.register(context, views);
  void services.updateContext();
  // Exposed for the integration tests, which drive the same objects the UI uses.
  return { services, views, confirmation, external, filePicker };
}
