// A worker's config.toml: made from a template around a new runner's glrt- token, and read back
// by the checklist (parses, url matches the GitLab server, each token accepted by
// POST /runners/verify). The token lives in memory only; nothing here returns or says it.
import { parse, stringify } from 'smol-toml';

export interface RunnerConfigInput {
  /** The worker's hostname; the runner's name in GitLab's managers list. */
  name: string;
  url: string;
  runnerId: number;
  token: string;
}

/** gitlab-runner's config for one runner: shell executor with the host's Docker socket. */
export function runnerConfigToml(input: RunnerConfigInput): string {
  return stringify({
    concurrent: 1,
    check_interval: 0,
    shutdown_timeout: 0,
    session_server: { session_timeout: 1800 },
    runners: [
      {
        name: input.name,
        url: input.url,
        id: input.runnerId,
        token: input.token,
        executor: 'shell',
        environment: ['DOCKER_HOST=unix:///var/run/docker.sock'],
      },
    ],
  });
}

export type TokenVerdict = 'accepted' | 'refused';

export interface ConfigFacts {
  /** Why it does not parse (a position, never content); undefined when it does. */
  unparsable?: string;
  runners: Array<{ name: string; url: string; token?: TokenVerdict }>;
}

/**
 * Parses a decrypted config.toml and asks GitLab about each runner's token. `plaintext` is
 * zeroed before this returns; `verify` answers whether GitLab accepts a token (throws when it cannot tell).
 */
export async function inspectRunnerConfig(
  plaintext: Buffer,
  verify: (token: string) => Promise<boolean>,
): Promise<ConfigFacts> {
  let config: { runners?: Array<Record<string, unknown>> };
  try {
    config = parse(plaintext.toString('utf8')) as typeof config;
  } catch (e) {
    const where = e as { line?: number; column?: number };
    return { unparsable: `not valid TOML (line ${where.line ?? '?'}, column ${where.column ?? '?'})`, runners: [] };
  } finally {
    plaintext.fill(0);
  }
  const runners = config.runners ?? [];
  return {
    runners: await Promise.all(
      runners.map(async (r) => ({
        name: String(r.name ?? ''),
        url: String(r.url ?? ''),
        token: typeof r.token === 'string' && r.token ? ((await verify(r.token)) ? 'accepted' : 'refused') : undefined,
      })),
    ),
  };
}

/** Why the facts fail the check, or undefined: parses, every url is the GitLab server's, every token accepted. */
export function configProblem(label: string, facts: ConfigFacts, gitlabUrl: string): string | undefined {
  if (facts.unparsable) return `${label} is ${facts.unparsable}.`;
  if (facts.runners.length === 0) return `${label} defines no [[runners]].`;
  const base = (u: string) => u.replace(/\/+$/, '');
  for (const r of facts.runners) {
    const who = r.name ? `runner "${r.name}"` : 'a runner';
    if (base(r.url) !== base(gitlabUrl)) return `${label}: ${who} points at ${r.url || 'no url'}, not ${gitlabUrl}.`;
    if (!r.token) return `${label}: ${who} has no token.`;
    if (r.token === 'refused') return `${label}: GitLab refuses the token of ${who} (POST /runners/verify: 403).`;
  }
  return undefined;
}
