// What every route file needs: the state, the simulation, the clock and the public base URL.
import type { SandboxClock } from '../clock';
import type { EntityContext } from './entities';
import type { GitLabSimulation } from './simulation';
import type { GitLabState } from './state';

export interface GitLabContext {
  state: GitLabState;
  sim: GitLabSimulation;
  clock: SandboxClock;
  baseUrl: string;
}

export function entityContext(ctx: GitLabContext): EntityContext {
  return { state: ctx.state, baseUrl: ctx.baseUrl, now: ctx.clock.now() };
}
