// Reads a worker's startup script the way bash would run it, for the few commands a Runner Ops
// script is made of: `KMS_KEY="…"`, `fetch_secret gs://BUCKET/OBJECT DEST` (download from
// Storage, decrypt with KMS using the metadata server's token), `docker run … IMAGE`, and
// `echo "…"`, and the background loop that publishes the worker's health as guest attributes
// (`put_attr KEY …` lines PUT each key under the metadata server's guest-attributes/NAMESPACE/).
// A script without `fetch_secret` lines is the older metadata-driven one (startup-script.ts
// STARTUP_SCRIPT): its fetches come from the instance metadata instead.
import { METADATA_KEYS } from './startup-script';

export type ScriptCommand =
  | { kind: 'fetch'; source: { url: string } | { metadataKey: string }; destination: string }
  /** `image` undefined: the tag the instance metadata names (the metadata-driven script). */
  | { kind: 'docker-run'; image?: string }
  | { kind: 'echo'; text: string }
  /** `while :; do publish_health; sleep N; done &`: the keys `put_attr` writes, again every `everyMs`. */
  | { kind: 'publish-health'; namespace: string; keys: string[]; everyMs: number };

export interface ScriptPlan {
  /** The key `fetch_secret` decrypts with; undefined: the metadata's `kms-key`. */
  kmsKey?: string;
  /** Whether the script asks the metadata server for the service account's token (KMS needs one). */
  usesMetadataToken: boolean;
  commands: ScriptCommand[];
}

const TOKEN_PATH = 'computeMetadata/v1/instance/service-accounts/default/token';

/** The commands of a startup script, `$(hostname)` already replaced. */
export function interpretScript(script: string, hostname: string): ScriptPlan {
  const lines = joinContinuations(script);
  const fetches = lines.filter((l) => /^fetch_secret\s/.test(l));
  if (fetches.length === 0) return metadataDriven(publishHealth(lines));
  const expand = (word: string) => unquote(word).replace(/\$\(hostname\)|\$\{?HOSTNAME\}?/g, hostname);
  const kmsKey = lines.map((l) => /^KMS_KEY=(\S+)$/.exec(l)?.[1]).find(Boolean);
  const commands: ScriptCommand[] = [];
  for (const line of lines) {
    const fetch = /^fetch_secret\s+("[^"]*"|\S+)\s+("[^"]*"|\S+)$/.exec(line);
    if (fetch) commands.push({ kind: 'fetch', source: { url: expand(fetch[1]) }, destination: expand(fetch[2]) });
    const docker = /^docker run\s.*\s(\S+)$/.exec(line);
    if (docker) commands.push({ kind: 'docker-run', image: docker[1] });
    const echo = /^echo\s+("[^"]*"|'[^']*')$/.exec(line);
    if (echo) commands.push({ kind: 'echo', text: expand(echo[1]) });
    if (isPublishLoop(line)) commands.push(publishHealth(lines)!);
  }
  return { kmsKey: kmsKey && unquote(kmsKey), usesMetadataToken: script.includes(TOKEN_PATH), commands };
}

/**
 * STARTUP_SCRIPT: gcloud (which gets its token from the metadata server) reads the objects named
 * in metadata, then the runner image starts with the tag the metadata names.
 */
function metadataDriven(publish: ScriptCommand | undefined): ScriptPlan {
  return {
    usesMetadataToken: true,
    commands: [
      { kind: 'fetch', source: { metadataKey: METADATA_KEYS.deployKeyObject }, destination: '/root/.ssh/id_ed25519' },
      {
        kind: 'fetch',
        source: { metadataKey: METADATA_KEYS.serviceAccountKeyObject },
        destination: '/srv/gitlab-runner/sa-key.json',
      },
      {
        kind: 'fetch',
        source: { metadataKey: METADATA_KEYS.configObject },
        destination: '/srv/gitlab-runner/config/config.toml',
      },
      { kind: 'docker-run' },
      ...(publish ? [publish] : []),
    ],
  };
}

const isPublishLoop = (line: string) => /\bpublish_health\b/.test(line) && /\bwhile\b/.test(line);

/** The health-publishing loop, if the script starts one: its namespace (the GA= URL), keys and interval. */
function publishHealth(lines: string[]): ScriptCommand | undefined {
  const loop = lines.find(isPublishLoop);
  const namespace = lines.map((l) => /guest-attributes\/([\w-]+)/.exec(l)?.[1]).find(Boolean);
  if (!loop || !namespace) return undefined;
  const keys = lines.flatMap((l) => /^put_attr\s+([\w.-]+)\s/.exec(l)?.[1] ?? []);
  return { kind: 'publish-health', namespace, keys, everyMs: Number(/\bsleep\s+(\d+)/.exec(loop)?.[1] ?? 60) * 1000 };
}

/** Lines without comments, continuations (`\` at the end) joined. */
function joinContinuations(script: string): string[] {
  const joined = script.replace(/\\\r?\n\s*/g, ' ');
  return joined
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
}

const unquote = (word: string) => word.replace(/^(["'])(.*)\1$/, '$2');
