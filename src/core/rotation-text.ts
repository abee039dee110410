// The words of a key rotation: the plan document, the question before it runs, the report at
// the end, and the questions before retiring old versions. Names, generations and version
// numbers only: never a value.
import { plural } from './names';
import { secretLabel } from './secrets';
import { formatDuration, formatWhen } from './time-format';
import {
  keyId,
  oldVersions,
  stillNeedOld,
  type KeyStatus,
  type RotationState,
  type SecretEntry,
  type Under,
} from './rotation';

/** "version 2 (primary)", "version 1", "version 1 or 3", "cannot be decrypted: …". */
export function describeUnder(under: Under): string {
  switch (under.under) {
    case 'primary':
      return under.version === undefined ? 'the primary version' : `version ${under.version} (primary)`;
    case 'older':
      return under.candidates.length === 0 ? 'an older version' : `version ${under.candidates.join(' or ')}`;
    case 'unreadable':
      return `cannot be decrypted: ${under.reason}`;
  }
}

const versionList = (versions: readonly number[]) =>
  `${versions.length === 1 ? 'version' : 'versions'} ${versions.join(', ')}`;

const label = (state: RotationState, name: string) => secretLabel(name, state.prefix);

function planAction(entry: SecretEntry): string {
  if (entry.status === 'unreadable') return 'skipped and reported: enable or restore its version, or replace it';
  return 're-encrypt under the new primary';
}

export function planDocument(state: RotationState, facts: KeyStatus, now: number): string {
  const readable = state.secrets.filter((s) => s.status === 'pending');
  const unreadable = state.secrets.filter((s) => s.status === 'unreadable');
  const retire = [...oldVersions(facts), ...(facts.primary ? [facts.primary] : [])].sort((a, b) => a - b);
  const lines = [
    `# Plan: rotate ${keyId(state.key)} and re-encrypt ${plural(state.secrets.length, 'secret')}`,
    '',
    `Key: \`${state.key}\``,
    `Bucket: \`gs://${state.bucket}/${state.prefix}\``,
    `Primary version now: ${facts.primary ?? 'none'}; versions: ${facts.versions.map((v) => `${v.number} ${v.state.toLowerCase().replace(/_/g, ' ')}`).join(', ') || 'none'}.`,
    '',
    '## Steps',
    `1. Create key version ${state.plannedVersion} and make it the primary version.`,
    `2. Re-encrypt ${plural(readable.length, 'secret')}, ${'a few at a time'}: decrypt the current generation, encrypt it under the new primary, upload it only while that generation is still current (a write by someone else is read and re-encrypted, never overwritten), read the new generation back and compare the bytes.`,
    '3. Check that every current generation decrypts with the new primary.',
    `4. Then, only if no current generation needs them: offer to disable ${retire.length ? versionList(retire) : 'the old versions'} (a separate question), and after that to schedule their destruction (the key's name typed back; ${formatDuration(facts.destroyScheduledDurationSec)} to restore them).`,
    '',
    'Stopped anywhere (cancel, crash, reload), running it again resumes: secrets already under the new primary are not re-encrypted again.',
    '',
    '## Secrets',
    '',
    '| secret | current generation | key version | action |',
    '| --- | --- | --- | --- |',
    ...state.secrets.map(
      (s) => `| ${label(state, s.name)} | ${s.before.generation} | ${describeUnder(s.before)} | ${planAction(s)} |`,
    ),
  ];
  if (unreadable.length) {
    lines.push(
      '',
      `**${plural(unreadable.length, 'secret')} cannot be decrypted now** (${unreadable.map((s) => label(state, s.name)).join(', ')}): the rotation leaves ${unreadable.length === 1 ? 'it' : 'them'} as ${unreadable.length === 1 ? 'it is' : 'they are'}, and the old versions will not be offered for disabling while ${unreadable.length === 1 ? 'it is' : 'they are'} current.`,
    );
  }
  lines.push(
    '',
    'Older generations (kept by versioning for roll back) stay under the versions that encrypted them: once those versions are disabled, rolling back to such a generation needs its version enabled again.',
    '',
    `Planned ${formatWhen(now, now)}.`,
  );
  return lines.join('\n') + '\n';
}

export function rotationQuestion(state: RotationState): string {
  const pending = state.secrets.filter((s) => s.status === 'pending').length;
  const unreadable = state.secrets.length - pending;
  return [
    `Rotate ${keyId(state.key)} and re-encrypt ${plural(pending, 'secret')}?`,
    `A new key version (${state.plannedVersion}) is created and made primary; each secret in gs://${state.bucket}/${state.prefix} is re-encrypted under it as a new generation, only over the generation the plan shows (or one written since, re-read first).`,
    unreadable ? `${plural(unreadable, 'secret')} cannot be decrypted and will be reported, not changed.` : '',
    'No version is disabled without asking again.',
  ]
    .filter(Boolean)
    .join('\n\n');
}

function afterText(entry: SecretEntry, state: RotationState): string {
  const v = state.newVersion;
  const changed = entry.changedSince
    ? ` (generation ${entry.changedSince} was written after the plan: that one was used)`
    : '';
  switch (entry.status) {
    case 'reencrypted':
      return `generation ${entry.after!.generation}, version ${v} (primary): re-encrypted, read back identical${changed}`;
    case 'already':
      return `generation ${entry.after!.generation}, version ${v} (primary): already under it, not re-encrypted${changed}`;
    case 'unreadable':
      return `unchanged: cannot be decrypted (${entry.reason})`;
    case 'mismatch':
      return `**generation ${entry.after?.generation} does not read back**: ${entry.reason}`;
    case 'gone':
      return 'deleted since the plan';
    case 'pending':
      return 'not done';
  }
}

export interface RetireReport {
  disabled?: number[];
  /** Disabling was not offered, or was refused: why. */
  notDisabled?: string;
  destroyScheduled?: KeyStatus;
}

export function reportDocument(state: RotationState, facts: KeyStatus, retire: RetireReport, now: number): string {
  const lines = [
    `# Report: rotated ${keyId(state.key)}`,
    '',
    `Key: \`${state.key}\``,
    `Primary version: ${state.primaryBefore ?? 'none'} → ${facts.primary ?? 'none'}${facts.primary !== state.newVersion ? ` (this rotation created version ${state.newVersion}; someone made another one primary since)` : ''}.`,
    '',
    '| secret | before | after |',
    '| --- | --- | --- |',
    ...state.secrets.map(
      (s) =>
        `| ${label(state, s.name)} | generation ${s.before.generation}, ${describeUnder(s.before)} | ${afterText(s, state)} |`,
    ),
  ];
  const planned = new Set(state.secrets.map((s) => s.name));
  const others = (state.final ?? []).filter((f) => !planned.has(f.name));
  if (others.length) {
    lines.push('', 'Secrets that appeared after the plan:', '');
    for (const f of others)
      lines.push(
        `- ${label(state, f.name)} generation ${f.generation}: ${f.result === 'primary' ? 'under the primary' : (f.reason ?? 'under an older version')}`,
      );
  }
  lines.push('', '## Old versions', '');
  if (retire.disabled?.length) lines.push(`Disabled: ${versionList(retire.disabled)}.`);
  if (retire.notDisabled) lines.push(retire.notDisabled);
  if (retire.destroyScheduled) {
    for (const v of retire.destroyScheduled.versions.filter((x) => x.state === 'DESTROY_SCHEDULED'))
      lines.push(
        `Version ${v.number} is scheduled for destruction ${v.destroyTime ? formatWhen(v.destroyTime, now) : ''}; it can be restored until then.`,
      );
  }
  lines.push(
    '',
    `Versions now: ${facts.versions.map((v) => `${v.number} ${v.state.toLowerCase().replace(/_/g, ' ')}`).join(', ')}.`,
  );
  lines.push('', `Finished ${formatWhen(now, now)}.`);
  return lines.join('\n') + '\n';
}

/** Why the old versions are not offered for disabling, or undefined when they may be. */
export function retireBlocker(state: RotationState, facts: KeyStatus): string | undefined {
  const needing = stillNeedOld(state.final ?? []);
  if (needing.length)
    return `Not offered for disabling: ${needing
      .map(
        (n) =>
          `${label(state, n.name)} (generation ${n.generation}) ${n.result === 'failed' ? `cannot be decrypted: ${n.reason}` : 'is still under an older version'}`,
      )
      .join('; ')}. Fix ${needing.length === 1 ? 'it' : 'them'} and run the rotation again.`;
  if (oldVersions(facts).length === 0) return 'No other version is enabled: nothing to disable.';
  return undefined;
}

export function disableQuestion(state: RotationState, facts: KeyStatus): string {
  const versions = oldVersions(facts);
  return [
    `Disable ${versionList(versions)} of ${keyId(state.key)}?`,
    `Every current generation in gs://${state.bucket}/${state.prefix} decrypts with version ${facts.primary} (primary), checked just now.`,
    `Older generations kept for roll back that were encrypted under ${versions.length === 1 ? 'it' : 'them'} cannot be decrypted while disabled; enabling ${versions.length === 1 ? 'it' : 'them'} again is instant.`,
  ].join('\n\n');
}

/** The typed-name prompt before scheduling destruction: it says the delay and the date. */
export function destroyPrompt(
  state: RotationState,
  facts: KeyStatus,
  versions: readonly number[],
  now: number,
): string {
  const due = now + facts.destroyScheduledDurationSec * 1000;
  return `Type ${keyId(state.key)} to schedule ${versionList(versions)} for destruction: destroyed for good ${formatWhen(due, now)}, restorable until then (the key's destroy-scheduled duration is ${formatDuration(facts.destroyScheduledDurationSec)}). Ciphertext under ${versions.length === 1 ? 'it' : 'them'} is then lost forever.`;
}
