// correlate() on the scale fleet: as the sidebar gets it (managers for the first 100 runners
// only, the adapter's bound) and with every runner's managers (what an unbounded fetch would give).
import { performance } from 'node:perf_hooks';
import { correlate } from '../src/core/correlate';
import type { Runner, WorkerVm } from '../src/core/model';
import type { GitLabHalf } from '../test/sandbox/gitlab/index';
import type { Sandbox } from '../test/sandbox/server';
import { summarize, type Summary } from './stats';

export interface CorrelationResult {
  label: string;
  vms: number;
  runners: number;
  managers: number;
  linked: number;
  ms: Summary;
  withWarningsMs: Summary;
}

/** Every runner with all its managers, from the sandbox's state (no requests). */
export function runnersWithAllManagers(sandbox: Sandbox, runners: Runner[]): Runner[] {
  const state = (sandbox.world.gitlab as GitLabHalf).state;
  return runners.map((r) => ({
    ...r,
    managers: (state.managersByRunner.get(r.id) ?? []).map((m) => ({
      systemId: m.systemId,
      ipAddress: m.ipAddress || undefined,
      version: m.version,
      platform: m.platform,
      architecture: m.architecture,
      executor: m.executor,
      contactedAt: m.contactedAt ?? undefined,
    })),
  }));
}

export function measureCorrelation(label: string, vms: WorkerVm[], runners: Runner[], reps: number): CorrelationResult {
  const now = Date.now();
  for (let i = 0; i < 3; i++) correlate({ vms, runners }); // warm-up: JIT, not the first call's cost
  const times: number[] = [];
  const withWarnings: number[] = [];
  let linked = 0;
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    const links = correlate({ vms, runners });
    const t1 = performance.now();
    let warnings = 0;
    for (const vm of vms) warnings += links.vmWarnings(vm, now).length;
    const t2 = performance.now();
    times.push(t1 - t0);
    withWarnings.push(t2 - t0);
    linked = vms.filter((vm) => links.runnersOfVm(vm.id).length > 0).length;
    void warnings;
  }
  return {
    label,
    vms: vms.length,
    runners: runners.length,
    managers: runners.reduce((n, r) => n + (r.managers?.length ?? 0), 0),
    linked,
    ms: summarize(times),
    withWarningsMs: summarize(withWarnings),
  };
}
