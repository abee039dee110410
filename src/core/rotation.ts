// Rotating the secrets' KMS key: the plan (what each secret is under now), the persisted steps
// (create a version and make it primary; re-encrypt each secret under it, guarded by its
// generation and read back; check every current generation), then retiring the old versions
// only once nothing current needs them. Resumable at every save: the journal holds names,
// generations and version numbers, never a value. Plaintext lives in memory only, zeroed after use.
// The words (plan, report) are src/core/rotation-text.ts; the UI is src/commands/rotate.ts.
import pLimit from 'p-limit';
import { isFailure, type Failure } from './failures';
import { OperationCancelled, type Step, type StepContext } from './operation';
import { PACE } from './pace';
import { toSecrets, type SecretGeneration, type SecretsPort, type VerifyResult } from './secrets';

export interface KeyVersionFacts {
  number: number;
  /** As KMS names it: ENABLED, DISABLED, DESTROY_SCHEDULED, DESTROYED, … */
  state: string;
  /** When a DESTROY_SCHEDULED version is destroyed for good. */
  destroyTime?: number;
}

export interface KeyStatus {
  name: string;
  primary?: number;
  /** How long a version scheduled for destruction can still be restored. */
  destroyScheduledDurationSec: number;
  versions: KeyVersionFacts[];
}

/** The key's administration, as the rotation needs it (src/gcp/kms-key.ts). */
export interface KeyPort {
  describeKey(): Promise<KeyStatus>;
  /** A new ENABLED version; returns its number. */
  createVersion(): Promise<number>;
  makePrimary(version: number): Promise<void>;
  setVersionState(version: number, state: 'ENABLED' | 'DISABLED'): Promise<void>;
  scheduleDestroy(version: number): Promise<KeyVersionFacts>;
}

export interface RotationPort extends SecretsPort, KeyPort {
  /** The plaintext (the caller zeroes it) and whether the key's primary version decrypted it. */
  open(ciphertext: Uint8Array): Promise<{ plaintext: Buffer; usedPrimary: boolean }>;
}

/** Which key version a ciphertext is under, as far as KMS tells (decrypt says only "primary or not"). */
export type Under =
  | { under: 'primary'; version?: number }
  /** Not the primary: one of the other versions that were enabled. */
  | { under: 'older'; candidates: number[] }
  | { under: 'unreadable'; reason: string; version?: number };

export type SecretStatus =
  | 'pending'
  /** Re-encrypted by this rotation: `after` is the generation it wrote and read back. */
  | 'reencrypted'
  /** Already under the new primary (re-encrypted by a run that stopped before saving, or by another client). */
  | 'already'
  /** Could not be decrypted (a disabled or destroyed version, a foreign ciphertext): reported, never touched. */
  | 'unreadable'
  /** Written, but the new generation did not decrypt to the bytes it replaced: roll back `before`. */
  | 'mismatch'
  /** Deleted since the plan. */
  | 'gone';

export interface SecretEntry {
  name: string;
  before: { generation: string } & Under;
  status: SecretStatus;
  after?: { generation: string };
  /** The generation someone else wrote after the plan, which this rotation re-encrypted instead. */
  changedSince?: string;
  /** For unreadable and mismatch: why, safe to show (never a value). */
  reason?: string;
}

/** A current generation as the final check saw it. */
export interface FinalCheck {
  name: string;
  generation: string;
  result: VerifyResult['outcome'];
  reason?: string;
}

export interface RotationState {
  key: string;
  bucket: string;
  prefix: string;
  primaryBefore?: number;
  /** The version the plan expects to create (KMS numbers versions in order). */
  plannedVersion: number;
  /** The version this rotation created, once it did. */
  newVersion?: number;
  secrets: SecretEntry[];
  final?: FinalCheck[];
}

export const ROTATION_KIND = 'rotate-secrets';

/** "runner-secrets-key": the key's id, what the operator types back to destroy a version. */
export const keyId = (key: string): string => key.slice(key.lastIndexOf('/') + 1);

/**
 * The plan: every secret's current generation and the version it is under, read with one
 * decrypt check each (the plaintext stays in the adapter). Nothing is changed.
 */
export async function planRotation(
  port: RotationPort,
  where: { key: string; bucket: string; prefix: string },
  parallel = PACE.secrets.rotateParallel,
): Promise<{ state: RotationState; facts: KeyStatus }> {
  const [facts, listing] = await Promise.all([
    retryBlips(() => port.describeKey()),
    retryBlips(() => port.listGenerations(where.prefix)),
  ]);
  const secrets = toSecrets(listing, where.prefix);
  const limit = pLimit(parallel);
  const others = facts.versions.filter((v) => v.state === 'ENABLED' && v.number !== facts.primary).map((v) => v.number);
  const entries = await Promise.all(
    secrets.map((s) =>
      limit(async (): Promise<SecretEntry> => {
        const result = await verifyForPlan(port, s.name, s.current.generation);
        const under = underFrom(result, facts.primary, others);
        const status: SecretStatus = under.under === 'unreadable' ? 'unreadable' : 'pending';
        return { name: s.name, before: { generation: s.current.generation, ...under }, status };
      }),
    ),
  );
  return {
    facts,
    state: {
      ...where,
      primaryBefore: facts.primary,
      plannedVersion: Math.max(0, ...facts.versions.map((v) => v.number)) + 1,
      secrets: entries,
    },
  };
}

/**
 * Tries per call on a blip (a timeout, a 5xx, a rate limit): one among 200 secrets would
 * otherwise stop it all. With 3, a plan of 200 secrets on a network failing one call in ten
 * failed 3 times in 4; with 5, 1 time in 20.
 */
const BLIP_TRIES = 5;
const isBlip = (error: unknown) => isFailure(error) && !error.permanent && error.kind !== 'conflict';

/** A read that changes nothing, tried again on a blip. */
async function retryBlips<T>(read: () => Promise<T>): Promise<T> {
  for (let tries = 1; ; tries++) {
    try {
      return await read();
    } catch (error) {
      if (tries >= BLIP_TRIES || !isBlip(error)) throw error;
    }
  }
}

/**
 * Only KMS refusing the ciphertext makes a secret unreadable. A blip is tried again, and any other
 * failure fails the plan (nothing is changed yet): were it taken as "unreadable", a blip would
 * leave that secret under the old version for good.
 */
async function verifyForPlan(port: RotationPort, name: string, generation: string): Promise<VerifyResult> {
  for (let tries = 1; ; tries++) {
    const result = await port.verify(name, generation);
    if (result.outcome !== 'failed' || !result.failure || refusedByKms(result.failure)) return result;
    if (tries >= BLIP_TRIES || !isBlip(result.failure)) throw result.failure;
  }
}

function underFrom(result: VerifyResult, primary: number | undefined, others: number[]): Under {
  if (result.outcome === 'primary') return { under: 'primary', version: primary };
  if (result.outcome === 'older-version') return { under: 'older', candidates: others };
  const version = /key version (\d+)/.exec(result.reason)?.[1];
  return { under: 'unreadable', reason: result.reason, version: version ? Number(version) : undefined };
}

/** The steps runOperation runs; each one safe to run again after a stop anywhere inside it. */
export function rotationSteps(
  port: () => Promise<RotationPort>,
  state: RotationState,
  parallel = PACE.secrets.rotateParallel,
): Step<RotationState>[] {
  const pending = state.secrets.filter((s) => s.status === 'pending').length;
  return [
    {
      id: 'create-version',
      title: `Create key version ${state.newVersion ?? state.plannedVersion} and make it primary`,
      run: async (context) => {
        const p = await port();
        const state = context.journal.state;
        if (state.newVersion === undefined) {
          // A run that stopped between creating the version and saving it made one already: use it.
          const made = (await p.describeKey()).versions.find(
            (v) => v.number >= state.plannedVersion && v.state === 'ENABLED',
          );
          state.newVersion = made?.number ?? (await p.createVersion());
          await context.save();
        }
        await p.makePrimary(state.newVersion);
      },
    },
    {
      id: 'reencrypt',
      title: `Re-encrypt ${pending} ${pending === 1 ? 'secret' : 'secrets'} under the new primary`,
      run: async (context) => reencryptAll(await port(), context, parallel),
    },
    {
      id: 'check',
      title: 'Check every current generation decrypts with the new primary',
      run: async (context) => {
        context.journal.state.final = await finalCheck(await port(), context.journal.state, parallel);
      },
    },
  ];
}

async function reencryptAll(port: RotationPort, context: StepContext<RotationState>, parallel: number) {
  const state = context.journal.state;
  const todo = state.secrets.filter((s) => s.status === 'pending');
  if (todo.length === 0) return;
  // What is current now, not what the plan saw: after a stop, the secrets written before it are
  // current already, and are recognised as under the primary without being re-encrypted again.
  const current = currentGenerations(await retryBlips(() => port.listGenerations(state.prefix)), state.prefix);
  const limit = pLimit(parallel);
  let failure: Error | undefined;
  let finished = state.secrets.length - todo.length;
  await Promise.all(
    todo.map((entry) =>
      limit(async () => {
        if (failure || context.signal.aborted) return; // stop taking new ones; those in flight finish
        try {
          for (let tries = 1; ; tries++) {
            try {
              // Safe to repeat: a write whose answer was lost makes the next upload a 412, handled inside.
              await reencryptOne(port, entry, current.get(entry.name));
              break;
            } catch (error) {
              if (tries >= BLIP_TRIES || !isBlip(error) || context.signal.aborted) throw error;
            }
          }
          finished++;
          context.report(`${finished}/${state.secrets.length} secrets`, finished / state.secrets.length);
          if (entry.status !== 'reencrypted' && entry.status !== 'already') context.log(entryLine(entry), 'warn');
          await context.save();
        } catch (error) {
          failure ??= error as Error;
        }
      }),
    ),
  );
  if (failure) throw failure;
  if (context.signal.aborted) throw new OperationCancelled();
}

const entryLine = (e: SecretEntry) => `${e.name}: ${e.status}${e.reason ? ` (${e.reason})` : ''}`;

function currentGenerations(listing: readonly SecretGeneration[], prefix: string): Map<string, SecretGeneration> {
  return new Map(toSecrets(listing, prefix).map((s) => [s.name, s.current]));
}

/** Most 412s a single secret may meet in one run before the step gives up (and can be resumed). */
const MAX_CONFLICTS = 5;

/**
 * One secret: decrypt what is current, encrypt it under the primary, upload only while that
 * generation is still current, read the new generation back and compare bytes. On a 412 someone
 * else wrote it: read what they wrote and do it again, never overwrite blindly.
 */
async function reencryptOne(port: RotationPort, entry: SecretEntry, current: SecretGeneration | undefined) {
  let generation = current?.generation;
  let mine: string | undefined; // the generation this run wrote last, if any
  for (let conflicts = 0; ; conflicts++) {
    if (generation === undefined) {
      entry.status = 'gone';
      return;
    }
    if (generation !== entry.before.generation && generation !== mine) entry.changedSince = generation;
    const opened = await openOrReport(port, entry, generation);
    if (!opened) return;
    const { plaintext, usedPrimary } = opened;
    try {
      if (usedPrimary) {
        if (mine === undefined) entry.status = 'already';
        entry.after = { generation };
        return;
      }
      const ciphertext = await port.encrypt(plaintext);
      let written: SecretGeneration;
      try {
        written = await port.upload(entry.name, ciphertext, generation);
      } catch (error) {
        if (!(isFailure(error) && error.kind === 'conflict') || conflicts >= MAX_CONFLICTS) throw error;
        generation = await currentGeneration(port, entry.name);
        continue;
      }
      const read = await readBack(port, entry, written, plaintext);
      if (read !== 'not-primary' || conflicts >= MAX_CONFLICTS) return;
      generation = mine = written.generation; // another rotation made a newer primary meanwhile: go again under it
    } finally {
      plaintext.fill(0);
    }
  }
}

/** Decrypts a generation; a ciphertext KMS refuses (disabled version, foreign key) is recorded, not thrown. */
async function openOrReport(port: RotationPort, entry: SecretEntry, generation: string) {
  const stored = await port.download(entry.name, generation);
  try {
    return await port.open(stored);
  } catch (error) {
    if (!refusedByKms(error)) throw error;
    entry.status = 'unreadable';
    entry.reason = error.message.replace(/^It cannot be decrypted: /, '').replace(/\.$/, '');
    return undefined;
  }
}

/** KMS will not decrypt this ciphertext (a disabled or destroyed version, another key): not worth trying again. */
const refusedByKms = (error: unknown): error is Failure =>
  isFailure(error) && (error.kind === 'precondition' || error.kind === 'invalid');

/** Reads the written generation back: the same bytes, under the primary. */
async function readBack(port: RotationPort, entry: SecretEntry, written: SecretGeneration, expected: Uint8Array) {
  const { plaintext, usedPrimary } = await port.open(await port.download(entry.name, written.generation));
  try {
    entry.after = { generation: written.generation };
    if (!sameBytes(plaintext, expected)) {
      entry.status = 'mismatch';
      entry.reason = `generation ${written.generation} does not decrypt to the bytes it replaced: roll back to generation ${entry.changedSince ?? entry.before.generation}`;
      return 'mismatch';
    }
    entry.status = 'reencrypted';
    return usedPrimary ? 'ok' : 'not-primary';
  } finally {
    plaintext.fill(0);
  }
}

async function currentGeneration(port: RotationPort, name: string): Promise<string | undefined> {
  const listing = await port.listGenerations(name);
  return listing.find((g) => g.name === name && g.deletedAt === undefined)?.generation;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

/**
 * Every current generation under the prefix, as KMS decrypts it now. A generation this rotation
 * wrote and read back under the primary is not asked again; anything else (new objects, writes by
 * others, skipped secrets) costs one decrypt check.
 */
export async function finalCheck(
  port: RotationPort,
  state: RotationState,
  parallel = PACE.secrets.rotateParallel,
  known: readonly FinalCheck[] = [],
): Promise<FinalCheck[]> {
  const current = [...currentGenerations(await port.listGenerations(state.prefix), state.prefix).values()];
  const primary = (await port.describeKey()).primary;
  const proven = new Set(
    primary === state.newVersion
      ? [
          ...state.secrets
            .filter((s) => (s.status === 'reencrypted' || s.status === 'already') && s.after)
            .map((s) => `${s.name}#${s.after!.generation}`),
          ...known.filter((k) => k.result === 'primary').map((k) => `${k.name}#${k.generation}`),
        ]
      : [],
  );
  const limit = pLimit(parallel);
  const checks = await Promise.all(
    current.map((g) =>
      limit(async (): Promise<FinalCheck> => {
        if (proven.has(`${g.name}#${g.generation}`))
          return { name: g.name, generation: g.generation, result: 'primary' };
        const result = await port.verify(g.name, g.generation);
        return {
          name: g.name,
          generation: g.generation,
          result: result.outcome,
          ...(result.outcome === 'failed' ? { reason: result.reason } : {}),
        };
      }),
    ),
  );
  return checks.sort((a, b) => a.name.localeCompare(b.name));
}

/** What stands in the way of disabling the old versions: current generations not under the primary. */
export const stillNeedOld = (final: readonly FinalCheck[]): FinalCheck[] => final.filter((f) => f.result !== 'primary');

/** The versions a finished rotation may disable: enabled, and not the primary. */
export const oldVersions = (facts: KeyStatus): number[] =>
  facts.versions.filter((v) => v.state === 'ENABLED' && v.number !== facts.primary).map((v) => v.number);

export type RetireOutcome =
  | { outcome: 'disabled'; versions: number[]; facts: KeyStatus }
  /** Something current needs an old version after all (written since the check): nothing disabled. */
  | { outcome: 'needed'; needing: FinalCheck[] };

/**
 * Disables the old versions, after checking once more (cheaply: only generations written since
 * the final check are decrypted) that no current generation needs one.
 */
export async function disableOldVersions(port: RotationPort, state: RotationState): Promise<RetireOutcome> {
  const final = await finalCheck(port, state, PACE.secrets.rotateParallel, state.final ?? []);
  state.final = final;
  const needing = stillNeedOld(final);
  if (needing.length) return { outcome: 'needed', needing };
  const versions = oldVersions(await port.describeKey());
  for (const version of versions) await port.setVersionState(version, 'DISABLED');
  return { outcome: 'disabled', versions, facts: await port.describeKey() };
}

/** Schedules each (disabled) version for destruction; returns the key as it is after. */
export async function scheduleDestruction(port: RotationPort, versions: readonly number[]): Promise<KeyStatus> {
  for (const version of versions) await port.scheduleDestroy(version);
  return port.describeKey();
}
