// Job trace and status for the job tail, through the GitLab adapter. Loaded lazily (src/lazy.ts).
import type { Job } from '../core/model';
import { PACE } from '../core/pace';
import type { JobTraceSource, TracedJob } from '../core/tail/ports';
import { createGitLabApi, type GitLabApi } from './client';
import { toGitLabFailure } from './errors';
import { toJob } from './fleet';

export async function fetchJobTrace(api: GitLabApi, projectId: number, jobId: number): Promise<string> {
  const trace = await api.Jobs.showLog(projectId, jobId);
  return typeof trace === 'string' ? trace : String(trace ?? '');
}

/** The job's status and, until it starts, since when it waits and for which runner tags. */
export async function fetchJob(api: GitLabApi, projectId: number, jobId: number): Promise<TracedJob> {
  const job = (await api.Jobs.show(projectId, jobId)) as unknown as Record<string, unknown>;
  const createdAt = typeof job.created_at === 'string' ? Date.parse(job.created_at) : Number.NaN;
  return {
    status: String(job.status ?? 'unknown'),
    createdAt: Number.isFinite(createdAt) ? createdAt : undefined,
    queuedDurationSec: typeof job.queued_duration === 'number' ? job.queued_duration : undefined,
    tags: Array.isArray(job.tag_list) ? job.tag_list.filter((t): t is string => typeof t === 'string') : undefined,
  };
}

export function jobTraceSource(url: string, token: string, caFile?: string): JobTraceSource {
  const api = createGitLabApi(url, token, caFile);
  return {
    async trace(projectId, jobId) {
      try {
        return await fetchJobTrace(api, projectId, jobId);
      } catch (error) {
        throw toGitLabFailure(error, url);
      }
    },
    async job(projectId, jobId) {
      try {
        return await fetchJob(api, projectId, jobId);
      } catch (error) {
        throw toGitLabFailure(error, url);
      }
    },
  };
}

/** The newest jobs of a project (its id or path: GitLab takes either), for the palette's picker. */
export async function recentJobs(
  url: string,
  token: string,
  project: string | number,
  caFile?: string,
): Promise<Job[]> {
  const api = createGitLabApi(url, token, caFile);
  try {
    const jobs = await api.Jobs.all(project, { perPage: PACE.tails.recentJobs, maxPages: 1 });
    return (jobs as unknown as Array<Record<string, unknown>>).map(toJob);
  } catch (error) {
    throw toGitLabFailure(error, url);
  }
}
