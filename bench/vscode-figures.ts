// The budgets of issue 13 over what bench/vscode.ts measured in the real VS Code.
import type { Figure } from './budgets';
import type { LoggedRequest } from '../test/sandbox/request-log';
import { VIEWS, type RenderSample, type VsCodeBench } from './vscode';

const MB = 1024 * 1024;
const FLEET_VIEWS = ['Runner VMs', 'Registered Runners', 'Pipelines'] as const;

/**
 * A request for a list page (runners, pipelines, VMs, secrets), or a one-time lookup (the
 * projects, the user): what any sidebar must ask. Everything else is per row: details, managers.
 */
export function isPageOrLookup(r: LoggedRequest): boolean {
  if (r.api !== 'gitlab') return true;
  const path = r.path.split('?')[0].replace(/^\/api\/v4/, '');
  return /^\/(user|projects\/[^/]+|runners\/all|projects\/[^/]+\/(runners|pipelines))$/.test(path);
}

export function vscodeFigures(bench: VsCodeBench): Figure[] {
  const figures: Figure[] = [];
  const { real, floor } = bench.activation;
  if (real.length) {
    figures.push(
      {
        id: 'vscode.activation',
        what: 'cold activation in VS Code 1.100.3: ext.activate() from the activation start to activate() returning',
        unit: 'ms',
        samples: real.map((s) => s.ms),
        baseline: { what: 'floor: same package.json, empty activate()', samples: floor.map((s) => s.ms) },
        budget: { max: 15, above: 'baseline' },
      },
      {
        id: 'vscode.activation.heap',
        what: 'extension host heap after activation (after GC)',
        unit: 'MB',
        samples: real.map((s) => s.heapDelta / MB),
        baseline: { what: 'floor', samples: floor.map((s) => s.heapDelta / MB) },
        budget: { max: 3, above: 'baseline' },
      },
      {
        id: 'vscode.activation.clientModules',
        what: 'client libraries and adapter bundles loaded by activation',
        unit: 'modules',
        samples: real.map((s) => s.clientModules.length),
        budget: { max: 0 },
        note: [...new Set(real.flatMap((s) => s.clientModules))].join(', ') || undefined,
      },
    );
  }
  const slowest = (s: RenderSample, views: readonly string[]) =>
    Math.max(...views.map((v) => s.firstRows[v as keyof RenderSample['firstRows']]));
  const demo = bench.render.demo;
  if (demo?.length) {
    figures.push(
      {
        id: 'vscode.demo.firstRender',
        what: 'demo seed: container opened → all three fleet views show rows',
        unit: 'ms',
        samples: demo.map((s) => slowest(s, FLEET_VIEWS)),
        budget: { max: 700 },
      },
      {
        id: 'vscode.demo.secretsChecklist',
        what: 'demo seed: container opened → Secrets and Bootstrap Checklist show rows',
        unit: 'ms',
        samples: demo.map((s) => slowest(s, ['Secrets', 'Bootstrap Checklist'])),
        budget: { max: 1000 },
      },
    );
  }
  const scale = bench.render.scale;
  if (scale?.length) {
    for (const view of VIEWS) {
      figures.push({
        id: `vscode.scale.firstRows.${view}`,
        what: `scale seed: container opened → ${view} shows rows`,
        unit: 'ms',
        samples: scale.map((s) => s.firstRows[view]),
        budget: { max: 2000 },
      });
    }
    // Nothing is expanded in these runs, so every per-row request is over the budget.
    const perRow = (list: LoggedRequest[]) => list.filter((r) => !isPageOrLookup(r)).length;
    figures.push(
      {
        id: 'vscode.scale.requests.first',
        what: 'scale seed, first refresh of the sidebar: requests for list pages and lookups',
        unit: 'requests',
        samples: scale.map((s) => s.requests.filter(isPageOrLookup).length),
      },
      {
        id: 'vscode.scale.requests.firstPerRow',
        what: 'scale seed, first refresh: per-row requests (details, managers) with no row expanded',
        unit: 'requests',
        samples: scale.map((s) => perRow(s.requests)),
        budget: { max: 0 },
      },
      {
        id: 'vscode.scale.requests.second',
        what: 'scale seed, second refresh (Refresh command): all requests',
        unit: 'requests',
        samples: scale.map((s) => s.refreshRequests.length),
      },
      {
        id: 'vscode.scale.requests.secondPerRow',
        what: 'scale seed, second refresh: per-row requests with no row expanded',
        unit: 'requests',
        samples: scale.map((s) => perRow(s.refreshRequests)),
        budget: { max: 0 },
      },
      {
        id: 'vscode.scale.heapGrowth',
        what: 'scale seed: extension host heap growth from activation to after two refreshes (after GC)',
        unit: 'MB',
        samples: scale.map((s) => s.heapGrowth / MB),
        budget: { max: 60 },
      },
    );
  }
  return figures;
}
