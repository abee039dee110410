// The metadata server's guest-attributes endpoint as a VM's own scripts use it
// (PUT http://metadata.google.internal/computeMetadata/v1/instance/guest-attributes/NAMESPACE/KEY),
// and the values a worker's `publish_health` writes there, computed from the VM's state the way
// its shell commands would find them (docker inspect/ps, df, sha256sum, date).
import { createHash } from 'node:crypto';
import type { Vm } from './compute/model';

/** Instance metadata that lets the guest write; project-wide metadata is not modelled. */
export const ENABLE_GUEST_ATTRIBUTES = 'enable-guest-attributes';

export function guestAttributesEnabled(vm: Vm): boolean {
  return /^true$/i.test(vm.spec.metadata.find((m) => m.key === ENABLE_GUEST_ATTRIBUTES)?.value ?? '');
}

/** One PUT to the metadata server; the HTTP status it answers (403 while guest attributes are disabled). */
export function putGuestAttribute(vm: Vm, namespace: string, key: string, value: string): number {
  if (!guestAttributesEnabled(vm)) return 403;
  if (!/^[\w-]+$/.test(namespace) || !/^[\w.-]+$/.test(key)) return 400;
  vm.guest.attributes.set(`${namespace}/${key}`, value);
  return 200;
}

export interface WorkerFacts {
  /** `docker inspect -f '{{.State.Status}}' gitlab-runner`. */
  runnerState: 'running' | 'restarting';
  imageTag: string;
  /** The config.toml the script wrote, if it wrote one. */
  configToml?: Buffer;
  /** When the script started gitlab-runner. */
  startedAt: number;
}

/** `date -u +%FT%TZ`: seconds, no fraction. */
const dateUtc = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** What each key the worker script knows reads on the VM at `now`, with `jobs` running on it. */
export function healthValues(vm: Vm, facts: WorkerFacts, jobs: number[], now: number): Record<string, string> {
  return {
    'runner-state': facts.runnerState,
    'image-tag': facts.imageTag,
    // docker ps --format '{{.Names}} {{.Label "com.gitlab.gitlab-runner.job.id"}}', gitlab-runner left out
    containers: vm.guest.containers.map((c) => `${c.name} ${c.jobId ?? ''}`).join('\n'),
    jobs: jobs.join(' '),
    'disk-used-percent': String(vm.guest.diskUsedPercent),
    'config-sha256': facts.configToml ? createHash('sha256').update(facts.configToml).digest('hex') : '',
    'last-start': dateUtc(facts.startedAt),
    updated: dateUtc(now),
  };
}
