// The worker VM's startup script, generated for review, and the check that a template's script
// fetches and decrypts the secrets from this bucket with this key (by reading it). The script
// asks the metadata server for the VM service account's token, downloads each secret from
// Cloud Storage, decrypts it with Cloud KMS's REST API, starts gitlab-runner in Docker with the
// host's Docker socket, and prints a completion line the console tail can wait for.

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
echo "${COMPLETION_LINE}"
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
