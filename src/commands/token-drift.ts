// The token drift check that rides along a Verify of the secrets: the verify's own decrypt hands
// each config.toml's [[runners]] entries over (no second decrypt), then GitLab is asked about each
// stored token once. Needs a GitLab session; skipped (and said) without one.
import { correlate } from '../core/correlate';
import type { SecretObject } from '../core/secrets';
import { expiryWindowMs, readConfigTokens, type ConfigTokens, type TokenFinding } from '../core/token-drift';
import { loadGitLab } from '../lazy';
import type { Services } from '../services';

/** Collects the config.toml entries a verify decrypts. */
export function configCollector(): {
  inspect: (secret: SecretObject, plaintext: Uint8Array) => void;
  configs: ConfigTokens[];
} {
  const configs: ConfigTokens[] = [];
  return {
    configs,
    inspect: (secret, plaintext) => {
      const read = readConfigTokens(secret.name, plaintext);
      if (read) configs.push(read);
    },
  };
}

/** The problems found, or a sentence saying why the tokens were not checked; undefined when there was nothing to check. */
export async function checkTokens(
  services: Services,
  configs: ConfigTokens[],
): Promise<TokenFinding[] | string | undefined> {
  if (configs.length === 0) return undefined;
  const session = await services.gitlabSession();
  if (!session) return 'runner tokens not checked: sign in to GitLab to compare them with what GitLab accepts';
  const settings = services.settings();
  const fleet = services.store();
  // What the views already loaded: this check adds no fleet reads of its own.
  const vms = fleet.workers.value ?? [];
  const links = correlate({ vms, runners: fleet.runners.value });
  const { RunnerTokens } = await loadGitLab();
  try {
    return await services.tokenDrift.check(configs, {
      gitlabUrl: settings.gitlabUrl,
      gitlab: new RunnerTokens(session.url, session.token, session.caFile),
      systemIdOn: (vmName, runnerId) => {
        const vm = vms.find((v) => v.name === vmName);
        const hosted = vm ? links.runnersOfVm(vm.id).filter((r) => runnerId === undefined || r.id === runnerId) : [];
        return hosted.length === 1 && vm ? links.link(hosted[0].id, vm.id)?.manager?.systemId : undefined;
      },
      now: Date.now(),
      windowMs: expiryWindowMs(settings.tokenExpiryWarningDays),
    });
  } catch (error) {
    services.failures.record(error as Error);
    return `runner tokens not checked: ${(error as Error).message}`;
  }
}

/** " Runner tokens: …" for a verify message, or ''. */
export function tokenSentence(checked: TokenFinding[] | string | undefined, label: (name: string) => string): string {
  if (checked === undefined) return '';
  if (typeof checked === 'string') return ` ${checked.charAt(0).toUpperCase()}${checked.slice(1)}.`;
  if (checked.length === 0) return ' Every stored runner token is the one GitLab accepts.';
  return ` Runner tokens: ${checked.map((f) => `${label(f.objectName)}: ${f.sentence}`).join('; ')}.`;
}

export const tokenTrouble = (checked: TokenFinding[] | string | undefined) =>
  Array.isArray(checked) && checked.length > 0;
