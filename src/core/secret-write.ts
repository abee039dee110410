// Replacing a secret and rolling one back: the checks before any call, the plan the operator
// confirms, and the sequence (encrypt, upload guarded by the planned generation, read back and
// decrypt to compare bytes). Pure: the port does the Google calls. Plaintext lives only in
// memory here and is zeroed as soon as it is no longer needed; it never enters a message.
import { parse, TomlError } from 'smol-toml';
import { isFailure } from './failures';
import { formatWhen } from './time-format';
import { formatSize, type SecretGeneration, type SecretsPort } from './secrets';

/** Cloud KMS encrypts at most 64 KiB of plaintext per call. */
export const MAX_SECRET_BYTES = 64 * 1024;

/** What a write did. Failures other than these (permissions, network) are thrown as they came. */
export type WriteOutcome =
  | { outcome: 'written'; generation: SecretGeneration }
  /** The planned generation was no longer current: nothing was written. */
  | { outcome: 'conflict'; current?: SecretGeneration }
  /** Written, but the new generation did not decrypt to the intended bytes. */
  | { outcome: 'mismatch'; generation: SecretGeneration }
  /** Refused before any call (bad value); `reason` is safe to show. */
  | { outcome: 'refused'; reason: string };

export interface WritePlan {
  objectName: string;
  /** The generation the plan replaces: the write happens only while it is still current. */
  replaces: string;
}

/**
 * Why the configured bucket or key cannot be written to, or undefined: checked before any call,
 * so a typo never sends a secret to a name nobody meant.
 */
export function targetProblem(bucket: string, kmsKey: string): string | undefined {
  if (!/^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/.test(bucket) || /\.\.|^goog|google/.test(bucket))
    return `runnerOps.secrets.bucket "${bucket}" is not a valid bucket name (lowercase letters, digits, -, _ and .; no gs://).`;
  if (
    !/^projects\/[a-z][a-z0-9-]{4,28}[a-z0-9]\/locations\/[a-z0-9-]+\/keyRings\/[\w-]{1,63}\/cryptoKeys\/[\w-]{1,63}$/.test(
      kmsKey,
    )
  )
    return `runnerOps.secrets.kmsKey must be a full key name: projects/PROJECT/locations/LOCATION/keyRings/RING/cryptoKeys/KEY.`;
  return undefined;
}

/** In bytes: rounded sizes made 64 KiB + 1 read "64.0 KB; at most 64.0 KB". */
export function overKmsLimit(what: string, bytes: number): string {
  const n = (x: number) => x.toLocaleString('en-US');
  return `${what} is ${n(bytes)} bytes; Cloud KMS encrypts at most ${n(MAX_SECRET_BYTES)} bytes (64 KiB) per secret.`;
}

export const isConfigToml = (objectName: string): boolean => /(^|\/)config\.toml(\.enc)?$/.test(objectName);

/**
 * Why a value cannot be stored, or undefined when it can. Checked before any call: empty, over
 * KMS's limit, binary (secrets here are text: keys, JSON, TOML), and `config.toml` must parse.
 * The reason names positions, never content.
 */
export function refuseValue(objectName: string, value: Uint8Array): string | undefined {
  if (value.length === 0) return 'The value is empty: nothing to store.';
  if (value.length > MAX_SECRET_BYTES) return overKmsLimit('The value', value.length);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(value);
  } catch {
    return 'The value is binary (not UTF-8 text): secrets here are text files (keys, JSON, TOML).';
  }
  if (text.includes('\0')) return 'The value is binary (it contains NUL bytes): secrets here are text files.';
  if (isConfigToml(objectName)) return tomlProblem(text);
  return undefined;
}

function tomlProblem(text: string): string | undefined {
  try {
    parse(text);
    return undefined;
  } catch (error) {
    if (!(error instanceof TomlError)) return 'The value is not valid TOML.';
    // The message's first line is smol-toml's reason; the rest quotes the document: never shown.
    const reason = error.message
      .split('\n')[0]
      .replace(/^Invalid TOML document:\s*/, '')
      .replace(/(["'`]).*?\1/g, '…');
    return `The value is not valid TOML: line ${error.line}, column ${error.column}: ${reason}.`;
  }
}

/** "generation 1712… (written 2 h ago (…))". */
export function describeGeneration(g: SecretGeneration, now: number): string {
  return `generation ${g.generation} (written ${formatWhen(g.createdAt, now)})`;
}

/** Where the write goes and what it replaces: the question the confirmation asks. */
export interface PlanFacts {
  label: string;
  bucket: string;
  kmsKey: string;
  current: SecretGeneration;
  now: number;
}

export function replaceQuestion(facts: PlanFacts, valueSize: number, from: string): string {
  return [
    `Replace ${facts.label}?`,
    `The new value (${formatSize(valueSize)}, ${from}) is encrypted with ${facts.kmsKey} (its primary version) and written to gs://${facts.bucket}/${facts.current.name} as a new generation.`,
    `It replaces ${describeGeneration(facts.current, facts.now)}, only if that is still current; the old generation is kept for roll back.`,
  ].join('\n\n');
}

export function rollbackQuestion(facts: PlanFacts, source: SecretGeneration): string {
  return [
    `Roll back ${facts.label} to generation ${source.generation}?`,
    `${describeGeneration(source, facts.now)} is copied to gs://${facts.bucket}/${facts.current.name} as a new current generation, after checking it still decrypts with ${facts.kmsKey}.`,
    `It replaces ${describeGeneration(facts.current, facts.now)}, only if that is still current; that one is kept too.`,
  ].join('\n\n');
}

/** The sentence an outcome shows (and logs), naming generations, never a value. */
export function outcomeSentence(label: string, planned: string, result: WriteOutcome, now: number): string {
  switch (result.outcome) {
    case 'written':
      return `${label}: generation ${result.generation.generation} is current, read back and decrypted by KMS to the intended bytes.`;
    case 'conflict':
      return `${label} was not changed: someone else changed it since the plan. ${
        result.current
          ? `${capitalize(describeGeneration(result.current, now))} is current now`
          : 'It is no longer there'
      }, not generation ${planned}. Nothing was overwritten: reload, check, then try again.`;
    case 'mismatch':
      return `${label}: generation ${result.generation.generation} was written but does not decrypt to the intended bytes. Roll back to generation ${planned} from the Secrets view.`;
    case 'refused':
      return `${label} was not changed: ${result.reason}`;
  }
}

const capitalize = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/**
 * Encrypts `value`, uploads it only while `plan.replaces` is current, then reads the new
 * generation back and decrypts it to compare bytes. Zeroes `value` when done, whatever happens.
 */
export async function replaceSecret(port: SecretsPort, plan: WritePlan, value: Uint8Array): Promise<WriteOutcome> {
  try {
    const refused = refuseValue(plan.objectName, value);
    if (refused) return { outcome: 'refused', reason: refused };
    const ciphertext = await port.encrypt(value);
    const written = await guarded(port, plan, () => port.upload(plan.objectName, ciphertext, plan.replaces));
    if (written.outcome !== 'written') return written;
    return await readBack(port, written.generation, value);
  } finally {
    value.fill(0);
  }
}

/**
 * Makes `source` (an older generation) current again. First checks it still decrypts (a
 * rollback to a secret nobody can read helps no one), then copies it over the current
 * generation with the same precondition, then reads the new generation back.
 */
export async function rollbackSecret(port: SecretsPort, plan: WritePlan, source: string): Promise<WriteOutcome> {
  const old = await port.download(plan.objectName, source);
  const plaintext = await port.decrypt(old);
  try {
    const written = await guarded(port, plan, () => port.restore(plan.objectName, source, plan.replaces));
    if (written.outcome !== 'written') return written;
    return await readBack(port, written.generation, plaintext);
  } finally {
    plaintext.fill(0);
  }
}

/** Runs the write; a failed precondition becomes a conflict naming what is current now. */
async function guarded(port: SecretsPort, plan: WritePlan, write: () => Promise<SecretGeneration>) {
  try {
    return { outcome: 'written' as const, generation: await write() };
  } catch (error) {
    if (!isConflict(error)) throw error;
    const listing = await port.listGenerations(plan.objectName).catch(() => []);
    const current = listing.find((g) => g.name === plan.objectName && g.deletedAt === undefined);
    return { outcome: 'conflict' as const, current };
  }
}

/** Through the brand guard, not instanceof: the adapters are a separate bundle with their own copy of Failure. */
function isConflict(error: unknown): boolean {
  return isFailure(error) && error.kind === 'conflict';
}

async function readBack(port: SecretsPort, generation: SecretGeneration, expected: Uint8Array): Promise<WriteOutcome> {
  const stored = await port.download(generation.name, generation.generation);
  const plaintext = await port.decrypt(stored);
  try {
    return sameBytes(plaintext, expected) ? { outcome: 'written', generation } : { outcome: 'mismatch', generation };
  } finally {
    plaintext.fill(0);
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}
