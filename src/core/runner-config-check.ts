// A worker's config.toml for the bootstrap: made from a template around a new runner's glrt-
// token, and read back by the checklist (parses, url is the GitLab server's, each token accepted
// by POST /runners/verify). Parsing is src/core/runner-config.ts's. The token lives in memory
// only; nothing here returns or says it.
import { stringify } from 'smol-toml';
import { runnerEntries, sameGitLabUrl, type RunnerEntry } from './runner-config';

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

export interface ConfigFacts {
  /** Why it does not parse (a position, never content); undefined when it does. */
  unparsable?: string;
  runners: Array<{ name: string; url: string; token?: 'accepted' | 'refused' }>;
}

/** A decrypted config.toml's runners, or why it does not parse (a position, never content). */
export type ParsedConfig = { entries: RunnerEntry[] } | { unparsable: string };

/** Parses a decrypted config.toml; the caller zeroes `plaintext`, nothing here keeps it. */
export function parseRunnerConfig(plaintext: Uint8Array): ParsedConfig {
  try {
    return {
      entries: runnerEntries(Buffer.from(plaintext.buffer, plaintext.byteOffset, plaintext.length).toString('utf8')),
    };
  } catch (e) {
    const where = e as { line?: number; column?: number };
    return { unparsable: `not valid TOML (line ${where.line ?? '?'}, column ${where.column ?? '?'})` };
  }
}

/** Asks GitLab about each parsed runner's token: `verify` answers whether GitLab accepts one (throws when it cannot tell). */
export async function checkRunnerConfig(
  parsed: ParsedConfig,
  gitlabUrl: string,
  verify: (token: string) => Promise<boolean>,
): Promise<ConfigFacts> {
  if ('unparsable' in parsed) return { unparsable: parsed.unparsable, runners: [] };
  const entries = parsed.entries;
  return {
    runners: await Promise.all(
      entries.map(async (r) => ({
        name: r.name,
        url: r.url,
        // A token goes only to the server its own entry names, never to another configured one.
        token:
          r.token && sameGitLabUrl(r.url, gitlabUrl)
            ? (await verify(r.token))
              ? ('accepted' as const)
              : ('refused' as const)
            : undefined,
      })),
    ),
  };
}

/** Why the facts fail the check, or undefined: parses, every url is the GitLab server's, every token accepted. */
export function configProblem(label: string, facts: ConfigFacts, gitlabUrl: string): string | undefined {
  if (facts.unparsable) return `${label} is ${facts.unparsable}.`;
  if (facts.runners.length === 0) return `${label} defines no [[runners]].`;
  for (const r of facts.runners) {
    const who = r.name ? `runner "${r.name}"` : 'a runner';
    if (!sameGitLabUrl(r.url, gitlabUrl)) return `${label}: ${who} points at ${r.url || 'no url'}, not ${gitlabUrl}.`;
    if (!r.token) return `${label}: ${who} has no token.`;
    if (r.token === 'refused') return `${label}: GitLab refuses the token of ${who} (POST /runners/verify: 403).`;
  }
  return undefined;
}
