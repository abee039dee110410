// The GitLab calls of a re-provision: the fleet's, plus POST /runners/verify for the token the
// worker's stored config.toml carries.
import type { ReprovisionGitLab } from '../core/ports';
import { GitLabFleet } from './fleet';
import { RunnerTokens } from './runner-tokens';

export function reprovisionGitLab(url: string, token: string, caFile?: string): ReprovisionGitLab {
  const tokens = new RunnerTokens(url, token, caFile);
  return Object.assign(new GitLabFleet(url, token, caFile), {
    verifyRunnerToken: async (runnerToken: string) => (await tokens.verify(runnerToken)).outcome === 'accepted',
  });
}
