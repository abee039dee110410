// Runner authentication tokens: reset one (an admin's or owner's personal access token) and ask
// GitLab whether a stored token is still the one it accepts (POST /runners/verify, authenticated
// by the runner token itself). Tokens travel in request bodies only, never in a URL or an error.
import type { RunnerTokenPort, TokenCheck } from '../core/runner-token-port';
import { createGitLabApi, type GitLabApi } from './client';
import { toGitLabFailure } from './errors';

type Json = Record<string, unknown>;

export class RunnerTokens implements RunnerTokenPort {
  private readonly api: GitLabApi;

  constructor(
    private readonly url: string,
    token: string,
    caFile?: string,
  ) {
    this.api = createGitLabApi(url, token, caFile);
  }

  async reset(runnerId: number): Promise<{ token: string; expiresAt?: number }> {
    try {
      const response = await this.api.Runners.requester.post(`runners/${runnerId}/reset_authentication_token`);
      const body = (response.body ?? {}) as Json;
      if (typeof body.token !== 'string' || body.token === '') throw new Error('GitLab answered without a token.');
      return { token: body.token, expiresAt: time(body.token_expires_at) };
    } catch (error) {
      throw toGitLabFailure(error, this.url);
    }
  }

  async verify(token: string, systemId?: string): Promise<TokenCheck> {
    try {
      const response = await this.api.Runners.requester.post('runners/verify', {
        body: systemId ? { token, system_id: systemId } : { token },
      });
      const body = (response.body ?? {}) as Json;
      return { outcome: 'accepted', runnerId: Number(body.id), expiresAt: time(body.token_expires_at) };
    } catch (error) {
      const failure = toGitLabFailure(error, this.url);
      if (failure.request?.status === 403) return { outcome: 'rejected' };
      if (failure.request?.status === 422) return { outcome: 'orphaned' };
      throw failure;
    }
  }
}

const time = (v: unknown) => (typeof v === 'string' && v ? Date.parse(v) : undefined);
