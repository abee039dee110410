// Who is behind: each runner manager's version against the GitLab server's (`GET /version`).
// GitLab supports a runner on the server's major.minor; patches do not matter here.
import type { Runner } from './model';
import { plural, runnerRef } from './names';

interface Version {
  major: number;
  minor: number;
  text: string;
}

/** "17.11.2-ee" → 17.11; undefined for anything else. */
export function parseVersion(text: string | undefined): Version | undefined {
  const m = /^v?(\d+)\.(\d+)(?:\.\d+)?/.exec(text?.trim() ?? '');
  return m ? { major: Number(m[1]), minor: Number(m[2]), text: text!.trim() } : undefined;
}

export interface VersionGap {
  kind: 'current' | 'behind' | 'newer';
  /** "behind GitLab 17.11.3 by 2 minor versions", "newer than GitLab 17.11.3". */
  text: string;
  /** Short, for a row's description: "2 minor behind". */
  short?: string;
  /** The runner image tag that matches the server: `v17.11.0`. */
  upgradeTag?: string;
}

export function versionGap(
  runnerVersion: string | undefined,
  serverVersion: string | undefined,
): VersionGap | undefined {
  const runner = parseVersion(runnerVersion);
  const server = parseVersion(serverVersion);
  if (!runner || !server) return undefined;
  const serverText = `${server.major}.${server.minor}`;
  const upgradeTag = `v${server.major}.${server.minor}.0`;
  if (runner.major === server.major && runner.minor === server.minor)
    return { kind: 'current', text: `on GitLab's version (${server.text})` };
  if (runner.major > server.major || (runner.major === server.major && runner.minor > server.minor))
    return {
      kind: 'newer',
      text: `newer than GitLab ${server.text}: GitLab supports runners on ${serverText}`,
      short: 'newer than GitLab',
      upgradeTag,
    };
  if (runner.major < server.major)
    return {
      kind: 'behind',
      text: `behind GitLab ${server.text} by ${plural(server.major - runner.major, 'major version')}`,
      short: `${server.major - runner.major} major behind`,
      upgradeTag,
    };
  const minors = server.minor - runner.minor;
  return {
    kind: 'behind',
    text: `behind GitLab ${server.text} by ${plural(minors, 'minor version')}`,
    short: `${minors} minor behind`,
    upgradeTag,
  };
}

/**
 * An A/B pair (runners sharing a tag, so one stands in for the other) on different minor
 * versions: "runner #2 'gitlab-runner-b', which shares `gcp`, runs 17.9.2". Undefined when they agree.
 */
export function pairMismatch(runner: Runner, all: readonly Runner[]): string | undefined {
  const own = parseVersion(runner.version);
  if (!own) return undefined;
  const differing = all.filter((other) => {
    const theirs = parseVersion(other.version);
    return (
      other.id !== runner.id &&
      theirs !== undefined &&
      (theirs.major !== own.major || theirs.minor !== own.minor) &&
      other.tags.some((t) => runner.tags.includes(t))
    );
  });
  return (
    differing
      .map((other) => {
        const shared = other.tags.filter((t) => runner.tags.includes(t)).map((t) => `\`${t}\``);
        return `${runnerRef(other)}, which shares ${shared.join(', ')}, runs ${other.version}`;
      })
      .join('; ') || undefined
  );
}
