// Reads the runnerOps.reprovision.* settings into the core's options: a regular expression that
// does not compile, or a number out of range, is said and replaced by the default.
import { REPROVISION_DEFAULTS, type ReprovisionOptions } from '../core/reprovision/options';
import type { SettingsSource } from './settings';

export const AUDIT_FILE_DEFAULT = '.runner-ops/reprovision.jsonl';

export function readReprovisionSettings(c: SettingsSource): {
  options: ReprovisionOptions;
  auditFile: string;
  problems: string[];
} {
  const d = REPROVISION_DEFAULTS;
  const problems: string[] = [];
  const regex = (key: string, fallback: string) => {
    const raw = c.get<string>(`reprovision.${key}`, fallback);
    try {
      return new RegExp(raw || fallback);
    } catch (e) {
      problems.push(
        `runnerOps.reprovision.${key} is not a regular expression (${(e as Error).message}): using ${fallback}.`,
      );
      return new RegExp(fallback);
    }
  };
  const minutes = (key: string, fallback: number, max = 24 * 60) => {
    const raw = c.get<unknown>(`reprovision.${key}`, fallback);
    if (typeof raw === 'number' && Number.isFinite(raw) && raw > 0 && raw <= max) return raw * 60_000;
    problems.push(`runnerOps.reprovision.${key} should be a number of minutes from 1 to ${max}: using ${fallback}.`);
    return fallback * 60_000;
  };
  const smoke = c.get<{ project?: string; ref?: string }>('reprovision.smokeTest', {});
  return {
    options: {
      instanceTemplate: c.get<string>('reprovision.instanceTemplate', d.instanceTemplate).trim(),
      imageTagMetadataKey:
        c.get<string>('reprovision.imageTagMetadataKey', d.imageTagMetadataKey).trim() || d.imageTagMetadataKey,
      bootCompleted: regex('bootCompletedPattern', d.bootCompleted),
      bootFailed: regex('bootFailedPattern', d.bootFailed),
      bootProgress: new RegExp(d.bootProgress),
      drainTimeoutMs: minutes('drainTimeoutMinutes', d.drainTimeoutMinutes),
      bootTimeoutMs: minutes('bootTimeoutMinutes', d.bootTimeoutMinutes),
      checkInTimeoutMs: minutes('checkInTimeoutMinutes', d.checkInTimeoutMinutes),
      pollMs: d.pollSeconds * 1000,
      smokeProject: (smoke?.project ?? '').trim(),
      smokeRef: (smoke?.ref ?? '').trim() || d.smokeRef,
      smokeTimeoutMs: d.smokeTimeoutMinutes * 60_000,
    },
    auditFile: c.get<string>('reprovision.auditFile', AUDIT_FILE_DEFAULT).trim() || AUDIT_FILE_DEFAULT,
    problems,
  };
}
