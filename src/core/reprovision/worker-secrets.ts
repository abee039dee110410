// Which secrets a worker's startup script reads, from the VM's metadata (the keys the bootstrap
// sets: deploy-key-object, sa-key-object, runner-config-object or runner-config-prefix + hostname),
// and the runner tokens in a config.toml. Pure: the adapter downloads and decrypts.

export const SECRET_KEYS = {
  deployKey: 'deploy-key-object',
  serviceAccountKey: 'sa-key-object',
  config: 'runner-config-object',
  configPrefix: 'runner-config-prefix',
  kmsKey: 'kms-key',
} as const;

export interface WorkerSecretRefs {
  /** gs:// URLs, config last. */
  urls: string[];
  /** The runner's config.toml, whose token GitLab must accept. */
  config?: string;
  /** The key the startup script decrypts with. */
  kmsKey?: string;
}

export function workerSecrets(
  metadata: ReadonlyArray<{ key: string; value: string }>,
  hostname: string,
): WorkerSecretRefs {
  const item = (key: string) => metadata.find((m) => m.key === key)?.value || undefined;
  const prefix = item(SECRET_KEYS.configPrefix);
  const config =
    item(SECRET_KEYS.config) ?? (prefix ? `${prefix.replace(/\/$/, '')}/${hostname}/config.toml.enc` : undefined);
  const urls = [item(SECRET_KEYS.deployKey), item(SECRET_KEYS.serviceAccountKey), config].filter(
    (u): u is string => u !== undefined,
  );
  return { urls, config, kmsKey: item(SECRET_KEYS.kmsKey) };
}

/** `gs://bucket/a/b` as bucket and object; undefined for anything else. */
export function parseGsUrl(url: string): { bucket: string; object: string } | undefined {
  const m = /^gs:\/\/([^/]+)\/(.+)$/.exec(url);
  return m ? { bucket: m[1], object: m[2] } : undefined;
}

/** The `token = "..."` values of a config.toml's [[runners]]. */
export function tokensInConfig(text: string): string[] {
  return [...text.matchAll(/^\s*token\s*=\s*["']([^"']+)["']/gm)].map((m) => m[1]);
}
