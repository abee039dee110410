// Composition root: builds the services, registers views and commands. Nothing here waits on
// the network; adapters load on first use (src/lazy.ts).
import * as vscode from 'vscode';
import * as auth from './commands/auth';
import * as general from './commands/general';
import { registerViews } from './views';
import { Services } from './services';

export function activate(context: vscode.ExtensionContext) {
  const services = new Services(context);
  context.subscriptions.push(services);
  auth.register(context, services);
  general.register(context, services);
  registerViews(context, services);
  void services.updateContext();
  return { services };
}

export function deactivate(): void {}
