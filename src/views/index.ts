// Registers four views (the Bootstrap Checklist registers with its command, src/commands/checklist.ts). The three fleet views render from the shared FleetStore, each with
// a poller that runs only while its view is visible and the window focused.
import * as vscode from 'vscode';
import { correlate, type FleetLinks } from '../core/correlate';
import type { FleetArea, FleetStore } from '../core/fleet-store';
import { paceFor } from '../core/pace';
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

  const fleetViews: Array<{
    id: string;
    provider: vscode.TreeDataProvider<unknown> & { fire(): void };
    areas: FleetArea[];
    transitional: (s: FleetStore) => boolean;
  }> = [
    {
      id: 'runnerOps.workers',
      provider: workers as never,
      areas: ['workers', 'runners'],
      transitional: (s) => (s.workers.value ?? []).some((vm) => vmStatus(vm.status).transitional),
    },
    {
      id: 'runnerOps.runners',
      provider: runners as never,
      areas: ['runners', 'workers'],
      transitional: (s) => [...s.busy.keys()].some((k) => k.startsWith('runner:')),
    },
    {
      id: 'runnerOps.pipelines',
      provider: pipelines as never,
      areas: ['pipelines', 'runners', 'workers'],
      transitional: (s) =>
        [...s.pipelines.values()].some((l) =>
          (l.value?.pipelines ?? []).some((p) => pipelineStatus(p.status).transitional),
        ),
    },
  ];

  /** Per view: its scheduler and whether what it shows is in motion, for the nudge below. */
  const paced: Array<{
    scheduler: PollingScheduler;
    areas: FleetArea[];
    transitional: (s: FleetStore) => boolean;
    inMotion: boolean;
  }> = [];
  const areaViews = new Map<FleetArea, Array<{ fire(): void }>>([
    ['workers', [workers, runners, pipelines]],
    ['runners', [runners, workers, pipelines]],
    ['pipelines', [pipelines]],
  ]);
  let unsubscribe: (() => void) | undefined;
  const subscribe = (s: FleetStore) => {
    unsubscribe?.();
    unsubscribe = s.onChange((area) => {
      for (const view of areaViews.get(area) ?? []) view.fire();
      // An action (retry, resume…) can set something in motion between two slow polls: a
      // visible view then switches to the fast pace now rather than at its next slow poll.
      for (const view of paced) {
        if (!view.areas.includes(area) || view.inMotion || !view.scheduler.active || !view.transitional(s)) continue;
        view.inMotion = true; // until a refresh says otherwise: one nudge, no loop
        void view.scheduler.refreshNow();
      }
    });
  };
  subscribe(services.store());

  for (const { id, provider, areas, transitional } of fleetViews) {
    const pace = { areas, transitional, inMotion: false } as (typeof paced)[number];
    const scheduler = new PollingScheduler({
      pace: () => paceFor(services.settings().refresh).views,
      refresh: async () => {
        const s = services.store();
        await s.refresh(areas[0], areas.slice(1));
        pace.inMotion = transitional(s);
        const error = s.errorOf(areas);
        if (error) throw error;
        return { transitional: pace.inMotion };
      },
    });
    pace.scheduler = scheduler;
    const view = vscode.window.createTreeView(id, { treeDataProvider: provider, showCollapseAll: true });
    scheduler.setFocused(vscode.window.state.focused);
    scheduler.setVisible(view.visible);
    context.subscriptions.push(
      view,
      { dispose: () => scheduler.dispose() },
      view.onDidChangeVisibility((e) => scheduler.setVisible(e.visible)),
      vscode.window.onDidChangeWindowState((e) => scheduler.setFocused(e.focused)),
    );
    paced.push(pace);
  }
  context.subscriptions.push(vscode.window.registerFileDecorationProvider(workers));

  context.subscriptions.push(
    services.onRefresh(() => {
      services.store().invalidate();
      for (const { scheduler } of paced) void scheduler.refreshNow();
    }),
    services.onStoreReplaced((s) => {
      linksMemo = undefined;
      if (s) subscribe(s);
      for (const { provider } of fleetViews) provider.fire();
      // A new project, token or filter: read everything again, now, for the views on screen.
      for (const { scheduler } of paced) if (scheduler.active) void scheduler.refreshNow();
    }),
    { dispose: () => unsubscribe?.() },
  );

  registerSecretsView(context, services);

  return {
    workers,
    runners,
    pipelines,
    refreshAll: async () => {
      await Promise.all(paced.map(({ scheduler }) => scheduler.refreshNow()));
    },
  };
}
