// The GitLab bundle (dist/gitlab.js): everything that talks to GitLab, loaded on first use.
export { createGitLabApi, fetchTokenIdentity } from './client';
export { GitLabFleet, MAX_RUNNERS_WITH_DETAILS } from './fleet';
export { fetchJob, fetchJobTrace, jobTraceSource, recentJobs } from './jobs';
