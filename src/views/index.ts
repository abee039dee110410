// Every Runner Ops view, from one declarative list: its id, the provider that renders it, the
// fleet areas it shows (a change to any re-renders it; the first is its own) and how it reads.
// Fleet views poll the shared FleetStore at the views' pace while visible; the Secrets and
// Checklist views read on demand.
import * as vscode from 'vscode';
import { correlate, type FleetLinks } from '../core/correlate';
import { readFleetView } from '../core/fleet-read';
import type { FleetArea, FleetStore } from '../core/fleet-store';
import { areaInMotion } from '../core/motion';
import { onDemand, PACE, paceFor } from '../core/pace';
import type { RefreshOutcome } from '../core/polling';
import type { Services } from '../services';
import { ChecklistView } from './checklist-view';
import type { TreePace } from './deferred-tree';
import { PacedView, type RefreshableTree } from './paced-view';
import { PipelinesView } from './pipelines-view';
import { RunnersView } from './runners-view';
import { SecretsView } from './secrets-view';
import { WorkersView, type WorkerNode } from './workers-view';

interface ViewSpec {
  id: string;
  provider: RefreshableTree<unknown>;
  /** Fleet areas it shows, its own first; none for the on-demand views. */
  areas: FleetArea[];
  refresh: () => Promise<RefreshOutcome>;
}

export interface RunnerOpsViews {
  workers: WorkersView;
  runners: RunnersView;
  pipelines: PipelinesView;
  secrets: SecretsView;
  checklist: ChecklistView;
  /** Each view by id, with its TreeView (reveal) and scheduler. */
  byId: ReadonlyMap<string, PacedView<unknown>>;
  /** Reads every view now (tests, after sign-in). */
  refreshAll(): Promise<void>;
}

/**
 * Gives a provider the tree view activation created for its id (src/extension.ts), whose changes
 * reach VS Code at most once per `pace.changeGapMs` (core/change-pacer.ts), and whose first roots
 * wait up to `pace.firstRowsHoldMs` for rows; `drawn` resolves once VS Code has fetched the
 * view's whole first tree with rows (views/deferred-tree.ts).
 */
export type AttachTree = <T>(
  id: string,
  provider: vscode.TreeDataProvider<T>,
  pace: TreePace,
) => { view: vscode.TreeView<T>; drawn: Promise<void> };

export function registerViews(
  context: vscode.ExtensionContext,
  services: Services,
  attachTree: AttachTree,
): RunnerOpsViews {
  const store = () => services.store();
  const links = linksOf(store);
  const workers = new WorkersView(store, links);
  const runners = new RunnersView(store, links);
  runners.tokenProblems = (id) => [...new Set(services.tokenDrift.forRunner(id).map((f) => f.sentence))];
  const pipelines = new PipelinesView(store, links);
  const secrets = new SecretsView(services);
  const checklist = new ChecklistView((only, onResult) => services.runChecklist(only, onResult));

  const readFleet = (areas: FleetArea[]) => () => readFleetView(services.store(), areas);
  const specs: ViewSpec[] = [
    {
      id: 'runnerOps.workers',
      provider: workers,
      areas: ['workers', 'runners'],
      refresh: readFleet(['workers', 'runners']),
    },
    {
      id: 'runnerOps.runners',
      provider: runners,
      areas: ['runners', 'workers'],
      refresh: readFleet(['runners', 'workers']),
    },
    {
      id: 'runnerOps.pipelines',
      provider: pipelines,
      areas: ['pipelines', 'runners', 'workers'],
      refresh: readFleet(['pipelines', 'runners', 'workers']),
    },
    {
      id: 'runnerOps.secrets',
      provider: secrets,
      areas: [],
      refresh: async () => (await services.secrets()?.read(), { transitional: false }),
    },
    {
      id: 'runnerOps.checklist',
      provider: checklist,
      areas: [],
      refresh: async () => (await checklist.run(), { transitional: false }),
    },
  ];
  const paced = specs.map((spec) => {
    const tree = attachTree(spec.id, spec.provider, {
      changeGapMs: PACE.treeChangeGapMs,
      firstRowsHoldMs: PACE.treeFirstRowsHoldMs,
    });
    return {
      spec,
      drawn: tree.drawn,
      // The slow pace follows runnerOps.refresh.slowSeconds without a reload: read before each wait.
      view: new PacedView(tree.view, spec.provider, spec.refresh, () =>
        spec.areas.length
          ? paceFor(services.settings().refresh).views
          : onDemand(paceFor(services.settings().refresh).views),
      ),
    };
  });
  // The on-demand views' heavy start (the Storage and KMS bundle) waits for the fleet views on screen to be drawn.
  services.fleetDrawn = () =>
    Promise.all(paced.filter((p) => p.spec.areas.length && p.view.view.visible).map((p) => p.drawn)).then(
      () => undefined,
    );
  const secretsView = paced.find((p) => p.spec.id === 'runnerOps.secrets')!;
  services.secretsDrawn = () => (secretsView.view.view.visible ? secretsView.drawn : Promise.resolve());
  context.subscriptions.push(
    ...paced.map((p) => p.view),
    vscode.window.registerFileDecorationProvider(workers),
    paced
      .find((p) => p.spec.provider === workers)!
      .view.view.onDidExpandElement((e) => workers.expanded(e.element as WorkerNode)),
  );

  let unsubscribe: Array<() => void> = [];
  const subscribe = (s: FleetStore) => {
    for (const u of unsubscribe) u();
    unsubscribe = [
      s.onChange((area) => {
        for (const { spec, view } of paced) {
          if (!spec.areas.includes(area)) continue;
          // Another area's news redraws rows the view shows; before its own arrive there are none
          // (and a redraw would take the slot its own rows need: ChangePacer).
          if (area !== spec.areas[0] && !s.hasRows(spec.areas[0])) continue;
          spec.provider.fire();
          // An action (retry, resume…) can set something in motion between two slow polls: a
          // visible view then switches to the fast pace now rather than at its next slow poll.
          if (view.inMotion || !view.active || !areaInMotion(s, spec.areas[0])) continue;
          view.inMotion = true; // until a read says otherwise: one nudge, no loop
          void view.refreshNow();
        }
      }),
      services.secrets()?.onChange(() => secrets.fire()) ?? (() => undefined),
    ];
  };
  subscribe(services.store());

  context.subscriptions.push(
    services.onRefresh(() => {
      services.store().invalidate();
      for (const { view } of paced) view.invalidate();
    }),
    services.onStoreReplaced((s) => {
      subscribe(s);
      checklist.outdated(); // a check read before a sign-in must not show after it
      // A new project, token or filter: everything shown is out of date.
      for (const { spec, view } of paced) {
        spec.provider.fire();
        view.invalidate();
      }
    }),
    { dispose: () => unsubscribe.forEach((u) => u()) },
    {
      dispose: services.tokenDrift.onChange(() => {
        runners.fire();
        secrets.fire();
      }),
    },
  );

  return {
    workers,
    runners,
    pipelines,
    secrets,
    checklist,
    byId: new Map(paced.map(({ spec, view }) => [spec.id, view])),
    refreshAll: async () => {
      await Promise.all(paced.map(({ view }) => view.refreshNow()));
    },
  };
}

/** The runner <-> VM links, computed once per change of either list. */
function linksOf(store: () => FleetStore): () => FleetLinks {
  let memo: { workers?: unknown; runners?: unknown; links: FleetLinks } | undefined;
  return () => {
    const { workers, runners } = store();
    if (!memo || memo.workers !== workers.value || memo.runners !== runners.value) {
      memo = {
        workers: workers.value,
        runners: runners.value,
        links: correlate({ vms: workers.value ?? [], runners: runners.value }),
      };
    }
    return memo.links;
  };
}
