// The worker VM's startup script, generated for review, and the check that a template's script
// fetches and decrypts the secrets from this bucket with this key (by reading it). The script
// asks the metadata server for the VM service account's token, downloads each secret from
// Cloud Storage, decrypts it with Cloud KMS's REST API, starts gitlab-runner in Docker with the
// host's Docker socket, publishes its health as guest attributes (guest-health.ts), and prints a
// completion line the console tail can wait for.
import { GUEST_KEYS as K, GUEST_NAMESPACE, JOB_ID_LABEL } from './guest-health';

export const RUNNER_IMAGE = 'gitlab/gitlab-runner:v17.11.0';
export const COMPLETION_LINE = 'runner-ops: worker ready, gitlab-runner started';

export interface WorkerScriptInput {
  bucket: string;
  /** With its trailing slash, e.g. "runners/". */
  prefix: string;
  kmsKey: string;
  /** Object names under the prefix and where each goes on the VM; `{worker}` is the VM's hostname. */
  secrets: Array<{ object: string; destination: string }>;
}

/** Where each kind of secret goes on the VM (the runner's config is mounted into the container). */
export function destinationOf(object: string): string {
  if (/config\.toml(\.enc)?$/.test(object)) return '/srv/gitlab-runner/config/config.toml';
  if (/deploy-key/.test(object)) return '/root/.ssh/id_ed25519';
  const base = object
    .split('/')
    .pop()!
    .replace(/\.enc$/, '');
  return `/srv/gitlab-runner/${base}`;
}

/** How often the worker publishes its health again (seconds). */
export const GUEST_HEALTH_EVERY_SEC = 300;

/**
 * The part of the script that publishes the worker's health as guest attributes (the VM needs the
 * metadata enable-guest-attributes=TRUE). One write a second, every few minutes, in the background:
 * guest attributes are for small values written rarely. docs/guest-attributes.md explains each key.
 */
export const GUEST_HEALTH_SCRIPT = `# Health from inside the VM, read by Runner Ops without SSH: guest attributes under ${GUEST_NAMESPACE}/.
GA=http://metadata.google.internal/computeMetadata/v1/instance/guest-attributes/${GUEST_NAMESPACE}
put_attr() { curl -sf -X PUT -H 'Metadata-Flavor: Google' --data-binary "$2" "$GA/$1" >/dev/null; sleep 1; }
running_jobs() { # CI_JOB_ID of the processes in the runner's container
  docker top gitlab-runner -eo pid 2>/dev/null | tail -n +2 |
    while read -r pid; do tr '\\0' '\\n' <"/proc/$pid/environ" 2>/dev/null | sed -n 's/^CI_JOB_ID=//p'; done | sort -un | paste -sd' '
}
publish_health() {
  put_attr ${K.runnerState} "$(docker inspect -f '{{.State.Status}}' gitlab-runner 2>/dev/null || echo missing)"
  put_attr ${K.imageTag} "$(docker inspect -f '{{.Config.Image}}' gitlab-runner 2>/dev/null | sed 's/.*://')"
  put_attr ${K.containers} "$(docker ps --format '{{.Names}} {{.Label "${JOB_ID_LABEL}"}}' | grep -v '^gitlab-runner ')"
  put_attr ${K.jobs} "$(running_jobs)"
  put_attr ${K.diskUsedPercent} "$(df --output=pcent / | tail -1 | tr -dc 0-9)"
  put_attr ${K.configSha256} "$(sha256sum /srv/gitlab-runner/config/config.toml | cut -d' ' -f1)"
  put_attr ${K.lastStart} "$STARTED_AT"
  put_attr ${K.updated} "$(date -u +%FT%TZ)"
}
STARTED_AT="$(date -u +%FT%TZ)"
(set +e; while :; do publish_health; sleep ${GUEST_HEALTH_EVERY_SEC}; done) >/dev/null 2>&1 &
`;

const shellWord = (text: string) => (/^[\w@%+=:,./-]+$/.test(text) ? text : `"${text.replace(/(["\\$`])/g, '\\$1')}"`);

export function workerScript(input: WorkerScriptInput): string {
  const fetches = input.secrets.map(({ object, destination }) => {
    const url = `gs://${input.bucket}/${input.prefix}${object}`.replace('{worker}', '$(hostname)');
    return `fetch_secret ${url.includes('$(') ? `"${url}"` : shellWord(url)} ${shellWord(destination)}`;
  });
  return `#!/bin/bash
# Runner Ops worker: fetch the runner's secrets from Cloud Storage, decrypt them with Cloud KMS
# (the VM service account's token from the metadata server), start gitlab-runner in Docker.
set -euo pipefail
KMS_KEY=${shellWord(input.kmsKey)}
token() {
  curl -sf -H 'Metadata-Flavor: Google' \\
    http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/token |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])'
}
fetch_secret() { # gs://BUCKET/OBJECT DESTINATION
  local path="\${1#gs://}" auth
  auth="Authorization: Bearer $(token)"
  mkdir -p "$(dirname "$2")"
  curl -sf -H "$auth" "https://storage.googleapis.com/storage/v1/b/\${path%%/*}/o/$(printf %s "\${path#*/}" | sed 's|/|%2F|g')?alt=media" |
    base64 -w0 | python3 -c 'import json,sys; print(json.dumps({"ciphertext": sys.stdin.read()}))' |
    curl -sf -H "$auth" -H 'Content-Type: application/json' -d @- "https://cloudkms.googleapis.com/v1/$KMS_KEY:decrypt" |
    python3 -c 'import base64,json,sys; sys.stdout.buffer.write(base64.b64decode(json.load(sys.stdin)["plaintext"]))' >"$2"
  chmod 600 "$2"
}
${fetches.join('\n')}
docker run -d --name gitlab-runner --restart always \\
  -v /srv/gitlab-runner/config:/etc/gitlab-runner -v /var/run/docker.sock:/var/run/docker.sock \\
  ${RUNNER_IMAGE}
${GUEST_HEALTH_SCRIPT}echo "${COMPLETION_LINE}"
`;
}

/** What a template's startup script reads, and why it does not fit this bucket and key (undefined: it does). */
export function scriptProblem(
  script: string | undefined,
  metadata: Record<string, string>,
  expected: { bucket: string; kmsKey: string },
): string | undefined {
  if (!script?.trim()) return 'has no startup-script';
  const lines = script.replace(/\\\r?\n\s*/g, ' ').split(/\r?\n/);
  const fetched = lines.flatMap((l) => /^\s*fetch_secret\s+"?(gs:\/\/[^"\s]+)/.exec(l)?.[1] ?? []);
  // The older form reads the object names and the key from the instance metadata.
  const urls = fetched.length
    ? fetched
    : Object.entries(metadata)
        .filter(([k, v]) => k.endsWith('-object') || k.endsWith('-prefix') || v.startsWith('gs://'))
        .map(([, v]) => v);
  const key = fetched.length
    ? /^\s*KMS_KEY=["']?([^"'\s]+)/m.exec(script)?.[1]
    : /kms-key/.test(script)
      ? metadata['kms-key']
      : undefined;
  if (urls.length === 0) return 'fetches no secret from Cloud Storage';
  const elsewhere = urls.filter((u) => !u.startsWith(`gs://${expected.bucket}/`));
  if (elsewhere.length) return `fetches from ${elsewhere[0]}, not gs://${expected.bucket}`;
  if (!key) return 'decrypts with no KMS key';
  if (key !== expected.kmsKey) return `decrypts with ${key}, not ${expected.kmsKey}`;
  return undefined;
}
