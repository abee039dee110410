// The GitLab adapter: a gitbeaker client bound to one host and token, with short timeouts and
// bounded retries, plus the few calls gitbeaker lacks. Loaded lazily (see src/lazy.ts).
import type { Agent } from 'node:http';
import { Jobs, PersonalAccessTokens, PipelineSchedules, Pipelines, Projects, Runners, Users } from '@gitbeaker/core';
import { realClock, type Clock } from '../core/clock';
import { PACE } from '../core/pace';
import type { TokenIdentity } from '../core/token-check';
import { toGitLabFailure } from './errors';
import { boundedRequesterFn } from './requester';
import { privateCa } from './tls';

/** `caFile`: runnerOps.gitlab.caFile as the token gate allows it (src/gitlab/tls.ts); `clock`: what its
 * deadlines and retry waits run on (a simulated one in soak tests). */
export function createGitLabApi(url: string, token: string, caFile?: string, clock: Clock = realClock) {
  const options = {
    host: url,
    token,
    queryTimeout: PACE.gitlab.queryTimeoutMs,
    requesterFn: boundedRequesterFn(clock),
    // Handed to our requester untouched (gitbeaker types it as an http.Agent).
    agent: privateCa(caFile) as unknown as Agent,
  };
  // The resources Runner Ops calls, not gitbeaker's whole Gitlab (about 200 of them, each built
  // on every new client): 36 ms less for a sign-in's first client, and a smaller dist/gitlab.js.
  return {
    Jobs: new Jobs(options),
    PersonalAccessTokens: new PersonalAccessTokens(options),
    PipelineSchedules: new PipelineSchedules(options),
    Pipelines: new Pipelines(options),
    Projects: new Projects(options),
    Runners: new Runners(options),
    Users: new Users(options),
  };
}
export type GitLabApi = ReturnType<typeof createGitLabApi>;

/** Who the token belongs to and what it may do: GET /user and GET /personal_access_tokens/self. */
export async function fetchTokenIdentity(url: string, token: string, caFile?: string): Promise<TokenIdentity> {
  const api = createGitLabApi(url, token, caFile);
  try {
    const user = (await api.Users.showCurrentUser()) as { username: string; name: string; is_admin?: boolean };
    let self: { scopes?: string[]; expires_at?: string | null; active?: boolean; revoked?: boolean } | undefined;
    try {
      self = (await api.PersonalAccessTokens.show()) as typeof self;
    } catch (error) {
      // OAuth and project/group tokens may not have a self endpoint answer; /user already proved the token.
      const failure = toGitLabFailure(error, url);
      if (failure.kind !== 'not-found' && failure.kind !== 'forbidden') throw failure;
    }
    return {
      username: user.username,
      name: user.name,
      isAdmin: user.is_admin === true,
      scopes: self?.scopes,
      expiresAt: self?.expires_at ?? null,
      active: self?.active,
      revoked: self?.revoked,
    };
  } catch (error) {
    throw toGitLabFailure(error, url);
  }
}
