// What the core needs from the outside world. The adapters in src/gitlab and src/gcp implement
// these; tests can implement them too.
import type { Job, Pipeline, PipelineSchedule, Project, Runner, WorkerVm } from './model';

export interface ComputePort {
  listWorkers(): Promise<WorkerVm[]>;
}

export interface GitLabPort {
  project(idOrPath: string | number): Promise<Project>;
  isAdmin(): Promise<boolean>;
  /** GET /version; undefined when the answer has none. */
  serverVersion(): Promise<string | undefined>;
  runners(projects: Project[], admin: boolean): Promise<Runner[]>;
  runnerJobs(runnerId: number, count?: number): Promise<Job[]>;
  setRunnerPaused(runnerId: number, paused: boolean): Promise<Runner>;
  pipelines(projectId: number, page?: number, perPage?: number): Promise<{ pipelines: Pipeline[]; nextPage?: number }>;
  pipeline(projectId: number, pipelineId: number): Promise<Pipeline>;
  pipelineJobs(projectId: number, pipelineId: number): Promise<Job[]>;
  retryPipeline(projectId: number, pipelineId: number): Promise<Pipeline>;
  cancelPipeline(projectId: number, pipelineId: number): Promise<Pipeline>;
  schedules(projectId: number): Promise<PipelineSchedule[]>;
  /** One schedule with its last pipeline (GitLab's list leaves that out). */
  schedule(projectId: number, scheduleId: number): Promise<PipelineSchedule>;
  playSchedule(projectId: number, scheduleId: number): Promise<void>;
}
