// Job trace and status for the job tail, through the GitLab adapter. Loaded lazily (src/lazy.ts).
import type { Job } from '../core/model';
import { PACE } from '../core/pace';
import { TailSourceFailure, type JobTraceSource } from '../core/tail/ports';
import { createGitLabApi, type GitLabApi } from './client';
import { toGitLabFailure } from './errors';

function toTailFailure(error: unknown, url: string): TailSourceFailure {
  const failure = toGitLabFailure(error, url);
  const permanent = ['unauthorized', 'forbidden', 'not-found'].includes(failure.kind);
  const retryAfterMs = failure.details.retryAfterSeconds ? failure.details.retryAfterSeconds * 1000 : undefined;
  return new TailSourceFailure(failure.message, { permanent, retryAfterMs });
}

export async function fetchJobTrace(api: GitLabApi, projectId: number, jobId: number): Promise<string> {
  const trace = await api.Jobs.showLog(projectId, jobId);
  return typeof trace === 'string' ? trace : String(trace ?? '');
}

export async function fetchJob(
  api: GitLabApi,
  projectId: number,
  jobId: number,
): Promise<Pick<Job, 'id' | 'name' | 'status' | 'projectId'>> {
  const job = (await api.Jobs.show(projectId, jobId)) as { id: number; name: string; status: string };
  return { id: job.id, name: job.name, status: job.status, projectId };
}

export function jobTraceSource(url: string, token: string): JobTraceSource {
  const api = createGitLabApi(url, token);
  return {
    async trace(projectId, jobId) {
      try {
        return await fetchJobTrace(api, projectId, jobId);
      } catch (error) {
        throw toTailFailure(error, url);
      }
    },
    async job(projectId, jobId) {
      try {
        return await fetchJob(api, projectId, jobId);
      } catch (error) {
        throw toTailFailure(error, url);
      }
    },
  };
}

/** Recent jobs of a project, for the palette's picker (running ones first). */
export async function recentJobs(
  url: string,
  token: string,
  project: string | number,
): Promise<Array<{ id: number; name: string; status: string; projectId: number }>> {
  const api = createGitLabApi(url, token);
  try {
    const projectInfo = (await api.Projects.show(project)) as { id: number };
    const jobs = (await api.Jobs.all(projectInfo.id, { perPage: PACE.tails.recentJobs, maxPages: 1 })) as Array<{
      id: number;
      name: string;
      status: string;
    }>;
    const rank = (s: string) => (s === 'running' ? 0 : s === 'pending' ? 1 : 2);
    return jobs
      .map((j) => ({ id: j.id, name: j.name, status: j.status, projectId: projectInfo.id }))
      .sort((a, b) => rank(a.status) - rank(b.status));
  } catch (error) {
    throw toGitLabFailure(error, url);
  }
}
