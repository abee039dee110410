// A pipeline's stages in the order the pipeline defines them. GitLab's job list carries no stage
// index, and a retried job gets a new, higher id, so "order of the first job id" breaks after a
// retry. Read with the retried jobs included: the jobs created with the pipeline keep the
// definition order, and of each job name only the newest (the retry) is shown.
import type { Job } from './model';

export interface Stage {
  name: string;
  /** The current attempt of each job in the stage, in id order. */
  jobs: Job[];
}

export function pipelineStages(jobsWithRetries: readonly Job[]): Stage[] {
  const byId = [...jobsWithRetries].sort((a, b) => a.id - b.id);
  const firstIdOfStage = new Map<string, number>();
  const current = new Map<string, Job>();
  for (const job of byId) {
    if (!firstIdOfStage.has(job.stage)) firstIdOfStage.set(job.stage, job.id);
    current.set(`${job.stage}\u0000${job.name}`, job); // later ids replace earlier attempts
  }
  const stages = new Map<string, Job[]>();
  for (const job of current.values()) stages.set(job.stage, [...(stages.get(job.stage) ?? []), job]);
  return [...stages]
    .sort(([a], [b]) => firstIdOfStage.get(a)! - firstIdOfStage.get(b)!)
    .map(([name, jobs]) => ({ name, jobs: jobs.sort((a, b) => a.id - b.id) }));
}

/** The current attempt of each job (what GitLab lists without include_retried). */
export function currentJobs(jobsWithRetries: readonly Job[]): Job[] {
  return pipelineStages(jobsWithRetries).flatMap((stage) => stage.jobs);
}
