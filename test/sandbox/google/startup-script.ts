// What a worker VM's startup script does, step by step. The metadata names the secrets and the
// key; each step reads the sandbox's real Storage and KMS state, so a disabled key version or a
// missing object breaks the boot exactly where it would break on Google Cloud.
import { parse as parseToml } from 'smol-toml';
// The health-publishing part is the one the bootstrap generates: operators copy it (docs/guest-attributes.md).
import { GUEST_HEALTH_SCRIPT } from '../../../src/core/worker-script';
import type { KmsState } from './kms-state';
import type { StorageState } from './storage-state';
import type { MetadataItem } from './compute/model';

export const RUNNER_IMAGE_REPOSITORY = 'gitlab/gitlab-runner';
/** The tag the script runs when the metadata names none. */
export const DEFAULT_IMAGE_TAG = 'v17.11.0';
export const RUNNER_VERSION = '17.11.0';
/** gitlab-runner's published tags: `v17.11.1`, `alpine-v17.11.1`, `ubuntu-v17.11.1`, `latest`, `alpine-latest`. */
const PUBLISHED_TAG = /^(?:(?:alpine|ubuntu)[\w.]*-)?(?:v(\d+\.\d+\.\d+)|latest)$/;

/** The image a tag pulls: its version, or undefined when the registry has no such tag. */
export function runnerImage(tag: string): { image: string; version: string } | undefined {
  const match = PUBLISHED_TAG.exec(tag);
  if (!match) return undefined;
  return { image: `${RUNNER_IMAGE_REPOSITORY}:${tag}`, version: match[1] ?? RUNNER_VERSION };
}

/** Metadata keys the worker's startup script reads. */
export const METADATA_KEYS = {
  configObject: 'runner-config-object',
  /** Per-host config: `<prefix>/<hostname>/config.toml.enc`, so one template serves every worker. */
  configPrefix: 'runner-config-prefix',
  deployKeyObject: 'deploy-key-object',
  serviceAccountKeyObject: 'sa-key-object',
  kmsKey: 'kms-key',
  /** The gitlab-runner image tag to run; the script's default when absent. */
  imageTag: 'runner-image-tag',
} as const;

export interface RunnerConfig {
  name: string;
  url: string;
  token: string;
  executor: string;
}

export type ScriptStep = { log: string[] } & ({ ok: true; runners?: RunnerConfig[] } | { ok: false });

/** The script text operators see in the template (the sandbox executes its meaning, not bash). */
export const STARTUP_SCRIPT = `#!/bin/bash
# Fetch the runner's secrets from Cloud Storage, decrypt them with Cloud KMS, start gitlab-runner.
set -euo pipefail
md() { curl -sf -H 'Metadata-Flavor: Google' "http://metadata.google.internal/computeMetadata/v1/instance/attributes/$1"; }
KEY="$(md kms-key)"
fetch() { gcloud storage cat "$1" | gcloud kms decrypt --key "$KEY" --ciphertext-file=- --plaintext-file="$2"; }
mkdir -p /srv/gitlab-runner/config /root/.ssh
fetch "$(md deploy-key-object)" /root/.ssh/id_ed25519 && chmod 600 /root/.ssh/id_ed25519
fetch "$(md sa-key-object)" /srv/gitlab-runner/sa-key.json
fetch "$(md runner-config-prefix)/$(hostname)/config.toml.enc" /srv/gitlab-runner/config/config.toml
TAG="$(md runner-image-tag || echo ${DEFAULT_IMAGE_TAG})"
docker run -d --name gitlab-runner --restart always --log-driver=gcplogs \\
  -v /srv/gitlab-runner/config:/etc/gitlab-runner -v /var/run/docker.sock:/var/run/docker.sock \\
  ${RUNNER_IMAGE_REPOSITORY}:"$TAG"
${GUEST_HEALTH_SCRIPT}`;

export class StartupScript {
  constructor(
    private readonly storage: StorageState,
    private readonly kms: KmsState,
    private readonly metadata: MetadataItem[],
    private readonly hostname: string,
  ) {}

  private item(key: string): string | undefined {
    if (key === METADATA_KEYS.configObject) {
      const prefix = this.metadata.find((m) => m.key === METADATA_KEYS.configPrefix)?.value;
      const explicit = this.metadata.find((m) => m.key === key)?.value;
      return explicit ?? (prefix ? `${prefix.replace(/\/$/, '')}/${this.hostname}/config.toml.enc` : undefined);
    }
    return this.metadata.find((m) => m.key === key)?.value;
  }

  get imageTag(): string {
    return this.item(METADATA_KEYS.imageTag) || DEFAULT_IMAGE_TAG;
  }

  get hasRunnerSecrets(): boolean {
    return this.item(METADATA_KEYS.configObject) !== undefined;
  }

  /** The script the VM runs (its `startup-script` metadata item). */
  get text(): string {
    return this.item('startup-script') ?? '';
  }

  /** Fetch + decrypt one secret named by a metadata item; the object's current generation, the key's current state. */
  fetchSecret(metadataKey: string, destination: string): ScriptStep & { plaintext?: Buffer } {
    const url = this.item(metadataKey);
    if (!url) return { ok: true, log: [`${metadataKey} not set in metadata, skipping ${destination}`] };
    return this.fetchUrl(url, destination, this.item(METADATA_KEYS.kmsKey) ?? '');
  }

  /** Fetch + decrypt `gs://bucket/object` with `keyName`. */
  fetchUrl(
    url: string,
    destination: string,
    keyName: string,
    tool: 'gcloud' | 'curl' = 'gcloud',
  ): ScriptStep & { plaintext?: Buffer } {
    const match = /^gs:\/\/([^/]+)\/(.+)$/.exec(url);
    const bucket = match ? this.storage.buckets.get(match[1]) : undefined;
    const object = bucket && match ? this.storage.live(bucket, match[2]) : undefined;
    const log = [`Fetching ${url}`];
    if (!object)
      return {
        ok: false,
        log:
          tool === 'curl'
            ? [...log, 'curl: (22) The requested URL returned error: 404']
            : [...log, `ERROR: (gcloud.storage.cat) The following URLs matched no objects or files:`, `-${url}`],
      };
    log.push(`Fetched ${url}#${object.generation} (${object.data.length} bytes); decrypting with ${keyName}`);
    try {
      const { plaintext } = this.kms.decrypt(keyName, object.data);
      return { ok: true, log: [...log, `Wrote ${destination}`], plaintext };
    } catch (e) {
      const body = (e as { body?: { error?: { status?: string; message?: string } } }).body;
      const reason = body?.error ? `${body.error.status}: ${body.error.message}` : String(e);
      const status = (e as { status?: number }).status ?? 400;
      return {
        ok: false,
        log: [
          ...log,
          tool === 'curl'
            ? `curl: (22) The requested URL returned error: ${status} (${reason})`
            : `ERROR: (gcloud.kms.decrypt) ${reason}`,
        ],
      };
    }
  }
}

/** The runners a config.toml defines; throws with gitlab-runner's own wording on bad TOML. */
export function runnersFromConfig(text: string): RunnerConfig[] {
  const config = parseToml(text) as { runners?: Array<Record<string, unknown>> };
  return (config.runners ?? []).map((r) => ({
    name: String(r.name ?? ''),
    url: String(r.url ?? ''),
    token: String(r.token ?? ''),
    executor: String(r.executor ?? 'shell'),
  }));
}
