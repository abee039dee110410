// What an operator can tune about re-provisioning (the runnerOps.reprovision.* settings), with
// the defaults that fit the worker's startup script as the bootstrap sets it up.

export interface ReprovisionOptions {
  /** The template a standalone VM is recreated from; '' means the project's only template. */
  instanceTemplate: string;
  /** The instance metadata key naming the gitlab-runner image tag the startup script runs. */
  imageTagMetadataKey: string;
  /** A serial-console line matching this means the startup script finished well. */
  bootCompleted: RegExp;
  /** A serial-console line matching this means the startup script failed. */
  bootFailed: RegExp;
  /** Serial-console lines worth streaming to the log while the VM boots. */
  bootProgress: RegExp;
  drainTimeoutMs: number;
  bootTimeoutMs: number;
  checkInTimeoutMs: number;
  /** How often GitLab and Compute are asked while waiting: the check-in is noticed within one interval. */
  pollMs: number;
  /** The smoke test: a pipeline on this project and ref after the runner is back; none when project is ''. */
  smokeProject: string;
  smokeRef: string;
  smokeTimeoutMs: number;
}

export const REPROVISION_DEFAULTS = {
  instanceTemplate: '',
  imageTagMetadataKey: 'runner-image-tag',
  bootCompleted: 'startup-script exit status 0',
  bootFailed: 'startup-script exit status [1-9]',
  bootProgress: 'startup-script|gitlab-runner\\[',
  drainTimeoutMinutes: 30,
  bootTimeoutMinutes: 10,
  checkInTimeoutMinutes: 5,
  pollSeconds: 2,
  smokeProject: '',
  smokeRef: 'main',
  smokeTimeoutMinutes: 30,
} as const;

export function defaultOptions(): ReprovisionOptions {
  const d = REPROVISION_DEFAULTS;
  return {
    instanceTemplate: d.instanceTemplate,
    imageTagMetadataKey: d.imageTagMetadataKey,
    bootCompleted: new RegExp(d.bootCompleted),
    bootFailed: new RegExp(d.bootFailed),
    bootProgress: new RegExp(d.bootProgress),
    drainTimeoutMs: d.drainTimeoutMinutes * 60_000,
    bootTimeoutMs: d.bootTimeoutMinutes * 60_000,
    checkInTimeoutMs: d.checkInTimeoutMinutes * 60_000,
    pollMs: d.pollSeconds * 1000,
    smokeProject: d.smokeProject,
    smokeRef: d.smokeRef,
    smokeTimeoutMs: d.smokeTimeoutMinutes * 60_000,
  };
}
