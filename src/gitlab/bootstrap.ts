// GitLab calls the bootstrap makes: the server's version, a runner token checked the way
// gitlab-runner checks it (POST /runners/verify: 200 or 403), the configured projects'
// schedules and creating one, and creating a runner (POST /user/runners, its glrt- token
// returned to the caller only, never logged).
import type { BootstrapGitLabReads, ExistingSchedule, ScheduleSpec } from '../core/checklist';
import { createGitLabApi, type GitLabApi } from './client';
import { PACE } from '../core/pace';
import { failureFromStatus, toGitLabFailure } from './errors';
import { certificateFailure, certificateProblem, privateCa, withDispatcher } from './tls';

type Json = Record<string, unknown>;

export interface CreatedRunner {
  id: number;
  /** glrt-…: goes straight into the encrypted config.toml. */
  token: string;
}

export class GitLabBootstrap implements BootstrapGitLabReads {
  private readonly api: GitLabApi;
  /** Runs a call; what it throws becomes a Failure that names this server. */
  private readonly call: <T>(what: () => Promise<T>) => Promise<T>;

  constructor(url: string, token: string, caFile?: string) {
    this.api = createGitLabApi(url, token, caFile);
    this.call = (what) =>
      what().catch((error: unknown) => {
        throw toGitLabFailure(error, url);
      });
  }

  /** GET /version (gitbeaker has only /metadata). */
  async version(): Promise<string> {
    const response = await this.call(() => this.api.Runners.requester.get('version'));
    return String((response.body as Json).version ?? '');
  }

  async schedules(project: string | number): Promise<ExistingSchedule[]> {
    const list = await this.call(() => this.api.PipelineSchedules.all(project, { perPage: 100, maxPages: 5 } as never));
    return (list as unknown as Json[]).map((s) => ({
      project,
      description: String(s.description ?? ''),
      active: s.active === true,
    }));
  }

  async createSchedule(spec: ScheduleSpec): Promise<number> {
    const created = await this.call(() =>
      this.api.PipelineSchedules.create(spec.project, spec.description, spec.ref, spec.cron, {
        cronTimezone: spec.timezone,
        active: true,
      }),
    );
    return Number((created as unknown as Json).id);
  }

  /** POST /user/runners for a project: a project runner with these tags. */
  async createRunner(project: string | number, description: string, tags: string[]): Promise<CreatedRunner> {
    const { id: projectId } = (await this.call(() => this.api.Projects.show(project))) as unknown as { id: number };
    const created = (await this.call(() =>
      this.api.Users.createCIRunner('project_type', { projectId, description, tagList: tags, runUntagged: false }),
    )) as unknown as Json;
    return { id: Number(created.id), token: String(created.token ?? '') };
  }
}

/** POST /runners/verify with the runner's own token: true when GitLab accepts it, false on 403; throws otherwise. */
export async function verifyRunnerToken(url: string, token: string, caFile?: string): Promise<boolean> {
  const endpoint = new URL(`${url.replace(/\/+$/, '')}/api/v4/runners/verify`);
  const ca = privateCa(caFile);
  let response: Response;
  try {
    const dispatcher = await ca?.dispatcherFor(endpoint);
    response = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token }),
      signal: AbortSignal.timeout(PACE.gitlab.queryTimeoutMs),
      // A redirect is an answer to refuse, not to follow with the token in the body.
      redirect: 'manual',
      ...withDispatcher(dispatcher),
    });
  } catch (error) {
    const untrusted = certificateProblem(error);
    throw untrusted ? certificateFailure(url, untrusted, ca?.file) : toGitLabFailure(error, url);
  }
  if (response.status === 403) return false;
  if (response.ok) return true;
  throw failureFromStatus(response.status, '', url);
}
