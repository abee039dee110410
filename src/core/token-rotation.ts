// Rotate Runner Token: reset the runner's token in GitLab and carry the new one into the
// encrypted config.toml of the VM that hosts it. The plan is checked before anything changes
// (the VM, its config.toml secret, the [[runners]] entry, a dry-run of the edit); the steps run
// through core/operation.ts. The new token lives only in memory (TokenVault), never in the
// journal, a log line or a message: if the write fails after the reset, the operator can retry
// while this window lives, and is told plainly what is lost if it does not.
import type { FleetLinks } from './correlate';
import type { Runner, WorkerVm } from './model';
import { runnerRef } from './names';
import type { Step } from './operation';
import { replaceRunnerToken, runnerEntries, sameGitLabUrl, type RunnerEntry } from './runner-config';
import type { RunnerTokenPort } from './runner-token-port';
import { isConfigToml } from './secret-write';
import { secretLabel, type SecretObject, type SecretsPort } from './secrets';
import { formatWhen } from './time-format';

export const ROTATE_TOKEN_KIND = 'rotate-runner-token';

/** The journal's state: where the token goes and how far the run got. Never a token. */
export interface RotationState {
  runnerId: number;
  /** "runner #12 'gitlab-runner-a'". */
  runnerName: string;
  gitlabUrl: string;
  vm: { name: string; zone: string };
  /** The runner's manager on that VM, for POST /runners/verify. */
  systemId?: string;
  bucket: string;
  objectName: string;
  label: string;
  /** The config.toml generation the write replaces (only while it is still current). */
  generation: string;
  resetAt?: number;
  expiresAt?: number;
  /** The generation written with the new token. */
  written?: string;
}

/** New tokens between the reset and the verified write, by journal key: memory only. */
export class TokenVault {
  private readonly tokens = new Map<string, string>();
  hold(key: string, token: string): void {
    this.tokens.set(key, token);
  }
  get(key: string): string | undefined {
    return this.tokens.get(key);
  }
  drop(key: string): void {
    this.tokens.delete(key);
  }
}

/** Thrown by the write step when the reset's token is no longer in memory (the window was reloaded). */
export class TokenLost extends Error {
  constructor(readonly state: RotationState) {
    super(
      `the token GitLab issued ${state.resetAt ? `at ${new Date(state.resetAt).toISOString()} ` : ''}was kept only in the memory of the window that reset it, and that memory is gone`,
    );
  }
}

export interface RotationInput {
  runner: Runner;
  links: FleetLinks;
  secrets: readonly SecretObject[];
  prefix: string;
  bucket: string;
  gitlabUrl: string;
}

/** The VM hosting the runner and its config.toml secret, or why there is no single one. */
export function locateConfig(input: RotationInput): { vm: WorkerVm; systemId?: string; secret: SecretObject } | string {
  const { runner, links } = input;
  const who = runnerRef(runner);
  const vms = links.vmsOfRunner(runner.id);
  if (vms.length === 0)
    return `${capitalize(who)} is not linked to any runner VM (${links.ambiguity(runner.id) ?? 'no manager IP, system id or name matches one'}): Runner Ops cannot tell which config.toml holds its token.`;
  if (vms.length > 1)
    return `${capitalize(who)} runs on ${vms.length} VMs (${vms.map((v) => v.name).join(', ')}) with one shared token: a rotation would disconnect all but one. Register a runner per VM first.`;
  const vm = vms[0];
  const configs = input.secrets.filter((s) => isConfigToml(s.name) && s.name.split('/').slice(-2)[0] === vm.name);
  if (configs.length !== 1)
    return configs.length === 0
      ? `No config.toml secret for VM ${vm.name} under gs://${input.bucket}/${input.prefix} (expected ${input.prefix}${vm.name}/config.toml.enc).`
      : `${configs.length} config.toml secrets match VM ${vm.name} (${configs.map((s) => s.name).join(', ')}): cannot tell which one it reads.`;
  return { vm, systemId: links.link(runner.id, vm.id)?.manager?.systemId, secret: configs[0] };
}

/** The runner's [[runners]] entry: same GitLab url and the runner's id, or the only entry for that url. */
export function pickEntry(entries: readonly RunnerEntry[], url: string, runnerId: number): RunnerEntry | string {
  const forUrl = entries.filter((e) => sameGitLabUrl(e.url, url));
  const byId = forUrl.filter((e) => e.id === runnerId);
  if (byId.length === 1) return byId[0];
  if (byId.length === 0 && forUrl.length === 1 && forUrl[0].id === undefined) return forUrl[0];
  if (forUrl.length === 0) return `config.toml has no [[runners]] entry for ${url}`;
  return `config.toml has ${forUrl.length} [[runners]] entries for ${url} and none is marked id = ${runnerId}`;
}

/** Decrypts a config.toml generation and hands its text to `use`; the plaintext is zeroed after. */
async function withConfigText<T>(
  port: SecretsPort,
  objectName: string,
  generation: string,
  use: (text: string, bytes: Buffer) => Promise<T> | T,
): Promise<T> {
  const plaintext = await port.decrypt(await port.download(objectName, generation));
  try {
    return await use(plaintext.toString('utf8'), plaintext);
  } finally {
    plaintext.fill(0);
  }
}

/**
 * Everything checked before the operator is asked: the VM, its config.toml, the entry, and a
 * dry run of the edit. Returns the journal state, or a sentence saying why not (nothing changed).
 */
export async function planRotation(port: SecretsPort, input: RotationInput): Promise<RotationState | string> {
  const located = locateConfig(input);
  if (typeof located === 'string') return located;
  const { vm, systemId, secret } = located;
  const label = secretLabel(secret.name, input.prefix);
  const problem = await withConfigText(port, secret.name, secret.current.generation, (text) => {
    let entries: RunnerEntry[];
    try {
      entries = runnerEntries(text);
    } catch {
      return `${label} is not valid TOML`;
    }
    const entry = pickEntry(entries, input.gitlabUrl, input.runner.id);
    if (typeof entry === 'string') return `${label}: ${entry}`;
    const dryRun = replaceRunnerToken(text, entry.url, entry.token, 'glrt-dryRunOnly00000000');
    return dryRun.ok ? undefined : `${label}: ${dryRun.reason}`;
  });
  if (problem) return `Nothing was changed: ${problem}`;
  return {
    runnerId: input.runner.id,
    runnerName: runnerRef(input.runner),
    gitlabUrl: input.gitlabUrl,
    vm: { name: vm.name, zone: vm.zone },
    systemId,
    bucket: input.bucket,
    objectName: secret.name,
    label,
    generation: secret.current.generation,
  };
}

export interface RotationDeps {
  secrets: SecretsPort;
  gitlab: RunnerTokenPort;
  vault: TokenVault;
  /** The journal key the vault holds the token under. */
  key: string;
  now(): number;
}

/** Reset, write (encrypt, upload under the planned generation, read back), and GitLab's word on what is stored. */
export function rotationSteps(deps: RotationDeps): Step<RotationState>[] {
  return [
    {
      id: 'reset',
      title: 'Reset the token in GitLab',
      async run({ journal, save, log }) {
        const reset = await deps.gitlab.reset(journal.state.runnerId);
        deps.vault.hold(deps.key, reset.token);
        journal.state.resetAt = deps.now();
        journal.state.expiresAt = reset.expiresAt;
        await save();
        log(
          `GitLab issued a new token${reset.expiresAt ? ` (expires ${new Date(reset.expiresAt).toISOString()})` : ''}; the old one no longer works.`,
        );
      },
    },
    {
      id: 'write',
      title: 'Write it into config.toml',
      run: async ({ journal, save, log }) => {
        const state = journal.state;
        const token = deps.vault.get(deps.key);
        if (!token) throw new TokenLost(state);
        const next = await withConfigText(deps.secrets, state.objectName, state.generation, (text) => {
          const entry = pickEntry(runnerEntries(text), state.gitlabUrl, state.runnerId);
          if (typeof entry === 'string') throw new Error(`${state.label}: ${entry}.`);
          const edit = replaceRunnerToken(text, entry.url, entry.token, token);
          if (!edit.ok) throw new Error(`${state.label}: ${edit.reason}`);
          return Buffer.from(edit.text, 'utf8');
        });
        try {
          const ciphertext = await deps.secrets.encrypt(next);
          const written = await deps.secrets.upload(state.objectName, ciphertext, state.generation);
          const same = await withConfigText(deps.secrets, state.objectName, written.generation, (_t, bytes) =>
            bytes.equals(next),
          );
          if (!same)
            throw new Error(
              `generation ${written.generation} of ${state.label} does not decrypt to the edited config.toml: roll it back to generation ${state.generation} from the Secrets view.`,
            );
          state.written = written.generation;
        } finally {
          next.fill(0);
        }
        await save();
        log(
          `${state.label}: generation ${state.generation} → ${state.written}, read back and decrypted to the intended bytes.`,
        );
      },
    },
    {
      id: 'verify',
      title: 'Check GitLab accepts the stored token',
      run: async ({ journal, log }) => {
        const state = journal.state;
        const stored = await withConfigText(deps.secrets, state.objectName, state.written!, (text) =>
          pickEntry(runnerEntries(text), state.gitlabUrl, state.runnerId),
        );
        if (typeof stored === 'string') throw new Error(`${state.label}: ${stored}.`);
        const check = await deps.gitlab.verify(stored.token, state.systemId);
        if (check.outcome !== 'accepted' || check.runnerId !== state.runnerId)
          throw new Error(
            `GitLab does not accept the token now stored in ${state.label} generation ${state.written} for ${state.runnerName} (${check.outcome}).`,
          );
        deps.vault.drop(deps.key);
        log(`GitLab accepts the token stored in ${state.label} generation ${state.written}.`);
      },
    },
  ];
}

/** The plan document: what changes where, and what the runner does meanwhile. */
export function planMarkdown(state: RotationState, now: number, updatedAt: number): string {
  return [
    `# Plan: rotate the token of ${state.runnerName}`,
    '',
    `| | |`,
    `| --- | --- |`,
    `| GitLab | ${state.gitlabUrl} |`,
    `| Worker VM | ${state.vm.name} (${state.vm.zone}) |`,
    `| Secret | gs://${state.bucket}/${state.objectName} |`,
    `| Replaces | generation ${state.generation} (written ${formatWhen(updatedAt, now)}), only while it is still current |`,
    '',
    '## Steps',
    `1. Reset the token in GitLab (POST /runners/${state.runnerId}/reset_authentication_token). The old token stops working at once: the runner on ${state.vm.name} can no longer pick jobs.`,
    `2. Write the new token into ${state.label}: only the token of the [[runners]] entry for ${state.gitlabUrl} changes, every other byte stays; encrypted with the KMS key, uploaded as a new generation, read back and compared.`,
    `3. Ask GitLab whether it accepts the token now stored (POST /runners/verify).`,
    '',
    '## Afterwards',
    `The runner stays offline until ${state.vm.name} restarts and its startup script reads the new config.toml: re-provision or restart the worker.`,
    `The new token is kept only in this window's memory until it is written; it is never logged or saved.`,
  ].join('\n');
}

/** After the last step. */
export function doneSentence(state: RotationState): string {
  return `Rotated the token of ${state.runnerName}: ${state.label} generation ${state.written} holds the new token and GitLab accepts it. The runner stays offline until worker ${state.vm.name} restarts and reads it.`;
}

/** When the write failed after the reset: what exists where, and what to do. */
export function writeFailedSentence(state: RotationState, reason: string): string {
  return `The token of ${state.runnerName} was reset in GitLab, but the new token is not in ${state.label} yet: ${reason} The runner is offline until it is. The new token exists only in this window's memory: choose Retry Write now. If this window closes first, the token is lost; then run Rotate Runner Token again (a new reset).`;
}

/** Resuming after a reload between the reset and the write. */
export function lostSentence(lost: TokenLost): string {
  const state = lost.state;
  return `The token of ${state.runnerName} was reset in GitLab, but ${lost.message}: it was never written to ${state.label}, which still holds the old token GitLab no longer accepts. The runner stays offline until a new token is written. Choose Rotate Again to reset once more and write that one.`;
}

const capitalize = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
