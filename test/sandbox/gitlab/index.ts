// The GitLab half: state + simulation + /api/v4 routes, exposed through the World contract.
import type { SandboxClock } from '../clock';
import { Router } from '../http';
import type { GitLabWorld, RunnerHost } from '../world';
import { registerBootstrapRoutes } from './bootstrap';
import type { GitLabContext } from './context';
import { registerPipelineRoutes } from './pipelines';
import { registerRunnerRoutes } from './runners';
import { GitLabSimulation } from './simulation';
import { GitLabState } from './state';
import { registerUserRoutes } from './users';

export interface GitLabHalf extends GitLabWorld {
  router: Router;
  state: GitLabState;
  sim: GitLabSimulation;
}

export function createGitLab(options: { clock: SandboxClock; baseUrl: string }): GitLabHalf {
  const state = new GitLabState();
  const sim = new GitLabSimulation(state);
  const ctx: GitLabContext = { state, sim, clock: options.clock, baseUrl: options.baseUrl };
  const router = new Router();
  registerUserRoutes(router, ctx);
  registerRunnerRoutes(router, ctx);
  registerPipelineRoutes(router, ctx);
  registerBootstrapRoutes(router, ctx);
  return {
    router,
    state,
    sim,
    runnerCheckIn: (token: string, host: RunnerHost) => sim.runnerCheckIn(token, host, options.clock.now()),
    runnerHostGone: (systemId: string) => sim.runnerHostGone(systemId, options.clock.now()),
    runningJobs: (systemId: string) =>
      [...state.managers.values()]
        .filter((m) => m.systemId === systemId)
        .flatMap((m) =>
          (state.jobsByRunner.get(m.runnerId) ?? []).filter((j) => j.status === 'running' && j.managerId === m.id),
        )
        .map((j) => j.id)
        .sort((a, b) => a - b),
    runnerToken: (runnerId: number) => state.runners.get(runnerId)?.token,
    tick: (now: number) => sim.tick(now),
  };
}
