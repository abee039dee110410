// Token drift: whether the runner token stored in each config.toml secret is the one GitLab
// accepts (POST /runners/verify with the token and the manager's system id), whether it expires
// soon (token_expires_at), and whether one runner's token sits in the config.toml of two VMs
// (two managers sharing a token disconnect each other after a rotation). Checked on demand, when
// the secrets are verified: one request per [[runners]] entry, no polling. Tokens pass through
// here from the verify's decrypt and are never kept; only the findings are.
import { runnerEntries, sameGitLabUrl, type RunnerEntry } from './runner-config';
import type { RunnerTokenPort } from './runner-token-port';
import { isConfigToml } from './secret-write';
import { formatWhen } from './time-format';

export type DriftKind = 'ok' | 'rejected' | 'orphaned' | 'expiring' | 'shared';

export interface TokenFinding {
  objectName: string;
  vmName: string;
  /** The runner the token belongs to, when GitLab or the entry's id says. */
  runnerId?: number;
  kind: DriftKind;
  /** "token not accepted by GitLab (…)": for the rows; never the token. */
  sentence: string;
}

/** The [[runners]] entries a decrypted config.toml holds, read during a secret's verify. */
export interface ConfigTokens {
  objectName: string;
  vmName: string;
  entries: RunnerEntry[];
}

/** The VM a config.toml secret belongs to: the folder it sits in (`<prefix><vm>/config.toml.enc`). */
export function configVmName(objectName: string): string {
  return objectName.split('/').slice(-2)[0] ?? '';
}

/** Reads the entries of a config.toml plaintext; undefined for any other secret or bad TOML. */
export function readConfigTokens(objectName: string, plaintext: Uint8Array): ConfigTokens | undefined {
  if (!isConfigToml(objectName)) return undefined;
  try {
    const entries = runnerEntries(new TextDecoder().decode(plaintext));
    return { objectName, vmName: configVmName(objectName), entries };
  } catch {
    return undefined;
  }
}

export interface DriftCheck {
  gitlabUrl: string;
  gitlab: Pick<RunnerTokenPort, 'verify'>;
  /** The system id of the runner's manager on that VM, when GitLab knows one. */
  systemIdOn(vmName: string, runnerId?: number): string | undefined;
  now: number;
  windowMs: number;
}

const DAY_MS = 86_400_000;

/** The findings per config.toml secret and per runner, kept until the next check of that secret. */
export class TokenDrift {
  private readonly bySecret = new Map<string, TokenFinding[]>();
  private readonly listeners = new Set<() => void>();

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** What is wrong with the tokens of a config.toml secret (nothing when none was found, or never checked). */
  forSecret(objectName: string): TokenFinding[] {
    return (this.bySecret.get(objectName) ?? []).filter((f) => f.kind !== 'ok');
  }

  forRunner(runnerId: number): TokenFinding[] {
    return [...this.bySecret.values()].flat().filter((f) => f.kind !== 'ok' && f.runnerId === runnerId);
  }

  /** Forgets a secret's findings (it was rewritten): the next verify checks it again. */
  forget(objectName: string): void {
    if (this.bySecret.delete(objectName)) this.changed();
  }

  /** Asks GitLab about every entry for its url, then flags tokens shared between VMs; returns the problems. */
  async check(configs: readonly ConfigTokens[], deps: DriftCheck): Promise<TokenFinding[]> {
    const checked = await Promise.all(configs.map((config) => checkConfig(config, deps)));
    configs.forEach((config, i) => this.bySecret.set(config.objectName, checked[i]));
    this.flagShared();
    this.changed();
    return configs.flatMap((c) => this.forSecret(c.objectName));
  }

  /** One runner whose token is in the config.toml of two VMs: each of those secrets says so. */
  private flagShared(): void {
    for (const [name, findings] of this.bySecret)
      this.bySecret.set(
        name,
        findings.filter((f) => f.kind !== 'shared'),
      );
    const all = [...this.bySecret.values()].flat().filter((f) => f.kind !== 'rejected' && f.runnerId !== undefined);
    for (const finding of all) {
      const others = [
        ...new Set(
          all.filter((f) => f.runnerId === finding.runnerId && f.vmName !== finding.vmName).map((f) => f.vmName),
        ),
      ];
      if (others.length === 0) continue;
      this.bySecret.get(finding.objectName)!.push({
        ...finding,
        kind: 'shared',
        sentence: `runner #${finding.runnerId}'s token is also used on ${others.join(', ')}: managers sharing one token disconnect each other after a rotation`,
      });
    }
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }
}

async function checkConfig(config: ConfigTokens, deps: DriftCheck): Promise<TokenFinding[]> {
  const entries = config.entries.filter((e) => sameGitLabUrl(e.url, deps.gitlabUrl) && e.token !== '');
  return Promise.all(
    entries.map(async (entry): Promise<TokenFinding> => {
      const base = { objectName: config.objectName, vmName: config.vmName, runnerId: entry.id };
      const check = await deps.gitlab.verify(entry.token, deps.systemIdOn(config.vmName, entry.id));
      const who = entry.id !== undefined ? `runner #${entry.id}` : `[[runners]] "${entry.name}"`;
      if (check.outcome === 'rejected')
        return {
          ...base,
          kind: 'rejected',
          sentence: `token not accepted by GitLab: ${who} on ${config.vmName} cannot connect until its token is rotated`,
        };
      if (check.outcome === 'orphaned')
        return { ...base, kind: 'orphaned', sentence: `${who}'s token is valid but the runner belongs to no project` };
      const accepted = { ...base, runnerId: check.runnerId };
      if (check.expiresAt !== undefined && check.expiresAt - deps.now <= deps.windowMs)
        return {
          ...accepted,
          kind: 'expiring',
          sentence: `runner #${check.runnerId}'s token ${check.expiresAt <= deps.now ? 'expired' : 'expires'} ${formatWhen(check.expiresAt, deps.now)}: rotate it before then`,
        };
      return { ...accepted, kind: 'ok', sentence: `runner #${check.runnerId}'s token is accepted by GitLab` };
    }),
  );
}

/** The expiry window of the setting, in milliseconds. */
export const expiryWindowMs = (days: number) => days * DAY_MS;
