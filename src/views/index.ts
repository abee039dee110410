// Registers four views (the Bootstrap Checklist registers with its command, src/commands/checklist.ts). The three fleet views render from the shared FleetStore, each with
// a poller that runs only while its view is visible and the window focused.
import * as vscode from 'vscode';
import { correlate, type FleetLinks } from '../core/correlate';
import type { FleetArea, FleetStore } from '../core/fleet-store';
import { PollingScheduler } from '../core/polling';
import { pipelineStatus, vmStatus } from '../core/status-table';
import type { Services } from '../services';
import { PipelinesView } from './pipelines-view';
import { RunnersView } from './runners-view';
import { registerSecretsView } from './secrets-view';
import { WorkersView } from './workers-view';

export interface FleetViews {
  workers: WorkersView;
  runners: RunnersView;
  pipelines: PipelinesView;
  /** Refreshes the areas now (commands, after sign-in). */
  refreshAll(): Promise<void>;
}

export function registerViews(context: vscode.ExtensionContext, services: Services): FleetViews {
  let linksMemo: { workers?: unknown; runners?: unknown; links: FleetLinks } | undefined;
  const links = (): FleetLinks => {
    const store = services.store();
    const workers = store.workers.value;
    const runners = store.runners.value;
    if (!linksMemo || linksMemo.workers !== workers || linksMemo.runners !== runners) {
      linksMemo = { workers, runners, links: correlate({ vms: workers ?? [], runners }) };
    }
    return linksMemo.links;
  };
  const store = () => services.store();
  const workers = new WorkersView(store, links);
  const runners = new RunnersView(store, links);
  const pipelines = new PipelinesView(store, links);

  const fleetViews: Array<{ id: string; provider: vscode.TreeDataProvider<unknown> & { fire(): void }; areas: FleetArea[]; transitional: (s: FleetStore) => boolean }> = [
    { id: 'runnerOps.workers', provider: workers as never, areas: ['workers', 'runners'], transitional: (s) => (s.workers.value ?? []).some((vm) => vmStatus(vm.status).transitional) },
    { id: 'runnerOps.runners', provider: runners as never, areas: ['runners', 'workers'], transitional: (s) => [...s.busy.keys()].some((k) => k.startsWith('runner:')) },
    { id: 'runnerOps.pipelines', provider: pipelines as never, areas: ['pipelines', 'runners', 'workers'], transitional: (s) => [...s.pipelines.values()].some((l) => (l.value?.pipelines ?? []).some((p) => pipelineStatus(p.status).transitional)) },
  ];

  const schedulers: PollingScheduler[] = [];
  const areaViews = new Map<FleetArea, Array<{ fire(): void }>>([['workers', [workers, runners, pipelines]], ['runners', [runners, workers, pipelines]], ['pipelines', [pipelines]]]);
  let unsubscribe: (() => void) | undefined;
  const subscribe = (s: FleetStore) => {
    unsubscribe?.();
    unsubscribe = s.onChange((area) => {
      for (const view of areaViews.get(area) ?? []) view.fire();
    });
  };
  subscribe(services.store());

  for (const { id, provider, areas, transitional } of fleetViews) {
    const scheduler = new PollingScheduler({
      refresh: async () => {
        const s = services.store();
        await s.refresh(areas[0], areas.slice(1));
        const error = s.errorOf(areas);
        if (error) throw error;
        return { transitional: transitional(s) };
      },
    });
    const view = vscode.window.createTreeView(id, { treeDataProvider: provider, showCollapseAll: true });
    scheduler.setFocused(vscode.window.state.focused);
    scheduler.setVisible(view.visible);
    context.subscriptions.push(
      view,
      { dispose: () => scheduler.dispose() },
      view.onDidChangeVisibility((e) => scheduler.setVisible(e.visible)),
      vscode.window.onDidChangeWindowState((e) => scheduler.setFocused(e.focused)),
    );
    schedulers.push(scheduler);
  }
  context.subscriptions.push(vscode.window.registerFileDecorationProvider(workers));

  context.subscriptions.push(
    services.onRefresh(() => {
      services.store().invalidate();
      for (const s of schedulers) void s.refreshNow();
    }),
    services.onStoreReplaced((s) => {
      linksMemo = undefined;
      if (s) subscribe(s);
      for (const { provider } of fleetViews) provider.fire();
      // A new project, token or filter: read everything again, now, for the views on screen.
      for (const scheduler of schedulers) if (scheduler.active) void scheduler.refreshNow();
    }),
    { dispose: () => unsubscribe?.() },
  );

  registerSecretsView(context, services);

  return {
    workers,
    runners,
    pipelines,
    refreshAll: async () => {
      await Promise.all(schedulers.map((s) => s.refreshNow()));
    },
  };
}
