// The contract between the sandbox's two halves. The GitLab half (gitlab/) and the Google half
// (google/) each keep their own state; the living world crosses between them only here.
import type { SandboxClock } from './clock';
import type { Router } from './http';

/** What a gitlab-runner process on a VM reports when it checks in (POST /api/v4/runners/verify, jobs/request). */
export interface RunnerHost {
  systemId: string; // e.g. "s_0123456789ab", stable per VM boot disk
  ipAddress: string; // the VM's internal IP
  version: string; // e.g. "17.11.0"
  platform: string; // "linux"
  architecture: string; // "amd64"
  executor: string; // "shell" | "docker"
}

export interface GitLabWorld {
  /** A runner process presenting `token` checks in. false when the token is unknown or was reset. */
  runnerCheckIn(token: string, host: RunnerHost): boolean;
  /** The process on that host stopped (VM stopped/deleted): its manager stops contacting. */
  runnerHostGone(systemId: string): void;
  /** Ids of the jobs running on that host now (what its processes' CI_JOB_ID say). */
  runningJobs(systemId: string): number[];
  /** The current authentication token of a runner (seeds put it into config.toml). */
  runnerToken(runnerId: number): string | undefined;
  /** Advance pipelines and jobs. */
  tick(now: number): void;
}

export interface GoogleWorld {
  /** Advance operations, VM lifecycles, boots and serial consoles. */
  tick(now: number): void;
}

export interface SandboxHalf {
  router: Router;
}

export interface World {
  clock: SandboxClock;
  gitlab: GitLabWorld;
  google: GoogleWorld;
}
