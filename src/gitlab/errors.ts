// One place that turns whatever gitbeaker or fetch threw into a GitLabFailure the UI can explain.
import { GitbeakerRequestError, GitbeakerTimeoutError } from '@gitbeaker/requester-utils';
import { GitLabFailure } from '../core/failures';

export function toGitLabFailure(error: unknown, host: string): GitLabFailure {
  if (error instanceof GitLabFailure) return error;
  if (error instanceof GitbeakerTimeoutError)
    return new GitLabFailure('timeout', `GitLab at ${host} did not answer in time.`);
  if (error instanceof GitbeakerRequestError) {
    const response = (error.cause as { response?: Response } | undefined)?.response;
    const status = response?.status;
    const retryAfter = Number(response?.headers.get('retry-after'));
    const scope = response?.headers.get('www-authenticate')?.match(/scope="([^"]+)"/)?.[1];
    return GitLabFailure.fromStatus(status ?? 0, error.message, host, {
      retryAfterSeconds: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined,
      missingScope: scope,
    });
  }
  const cause = (error as { cause?: { code?: string } })?.cause;
  const code = cause?.code ?? (error as { code?: string })?.code;
  return new GitLabFailure(
    'network',
    `Cannot reach GitLab at ${host}${code ? ` (${code})` : ''}. Check the URL and your network.`,
  );
}
