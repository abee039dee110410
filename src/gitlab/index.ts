// The GitLab bundle (dist/gitlab.js): everything that talks to GitLab, loaded on first use.
export { createGitLabApi, fetchTokenIdentity } from './client';
export { GitLabFleet } from './fleet';
export { fetchJob, fetchJobTrace, jobTraceSource, recentJobs } from './jobs';
export { reprovisionGitLab } from './reprovision';
export { RunnerTokens } from './runner-tokens';
