// The Secrets view's domain: the encrypted objects under the configured prefix, their
// generations, the bucket's versioning, and what a decrypt check says about each secret.
// No `vscode`, no client library; the adapters (src/gcp/storage.ts, src/gcp/kms.ts) fill the port.
// Verify never brings plaintext here: the KMS adapter discards it and reports only a VerifyResult.
// Writes (src/core/secret-write.ts) hold plaintext in memory only, and zero it when done.
import { ignoreFailures, type FailureKind, type FailureSink } from './failures';
import { plural } from './names';
import { PACE } from './pace';
import { formatAgo } from './time-format';

/** One stored generation of an object, as Cloud Storage lists it (with `versions: true`). */
export interface SecretGeneration {
  /** The full object name, prefix included. */
  name: string;
  generation: string;
  size: number;
  createdAt: number;
  updatedAt: number;
  /** Set on noncurrent generations (kept by versioning). */
  deletedAt?: number;
  md5Hash?: string;
  crc32c?: string;
  contentType?: string;
}

/** A secret: an object with a current generation, and every generation kept (newest first). */
export interface SecretObject {
  name: string;
  current: SecretGeneration;
  generations: SecretGeneration[];
}

export interface SecretsBucket {
  name: string;
  versioning: boolean;
}

/** What a decrypt of the current generation showed; a failed one keeps the failure for the log. */
export type VerifyResult =
  { outcome: 'primary' } | { outcome: 'older-version' } | { outcome: 'failed'; reason: string; failure?: Error };

/** Reads a plaintext synchronously during a verify; must not keep the buffer. */
export type Inspect = (plaintext: Uint8Array) => void;

export interface SecretsPort {
  bucket(): Promise<SecretsBucket>;
  /**
   * Every generation (current and noncurrent) of the objects under `prefix`; `listed`, when
   * given, sees what was read so far after each page that more pages follow.
   */
  listGenerations(prefix: string, listed?: (soFar: SecretGeneration[]) => void): Promise<SecretGeneration[]>;
  /**
   * Downloads the generation, decrypts it with the key, discards the plaintext. Never throws.
   * `inspect` sees the plaintext just before it is zeroed (the token drift check reads config.toml there).
   */
  verify(objectName: string, generation: string, inspect?: Inspect): Promise<VerifyResult>;
  /** Encrypts with the key's primary version, CRC32C checked both ways; throws on any mismatch. */
  encrypt(plaintext: Uint8Array): Promise<Buffer>;
  /** The plaintext (CRC32C checked): the caller zeroes it. Throws an Error whose message says why it failed. */
  decrypt(ciphertext: Uint8Array): Promise<Buffer>;
  /** One generation's bytes. */
  download(objectName: string, generation: string): Promise<Buffer>;
  /** Writes a new current generation only while `ifGenerationMatch` is current (a GcpFailure 'conflict' if not). */
  upload(objectName: string, data: Uint8Array, ifGenerationMatch: string): Promise<SecretGeneration>;
  /** Copies an older generation over the current one, with the same precondition as upload. */
  restore(objectName: string, sourceGeneration: string, ifGenerationMatch: string): Promise<SecretGeneration>;
  close?(): Promise<void>;
}

/** Groups a listing into secrets: one per object with a current generation, sorted by name. */
export function toSecrets(listing: readonly SecretGeneration[], prefix: string): SecretObject[] {
  const byName = new Map<string, SecretGeneration[]>();
  for (const g of listing) {
    if (!g.name.startsWith(prefix) || g.name.endsWith('/')) continue; // folder placeholders are not secrets
    const list = byName.get(g.name) ?? [];
    list.push(g);
    byName.set(g.name, list);
  }
  const secrets: SecretObject[] = [];
  for (const [name, generations] of byName) {
    const current = generations.find((g) => g.deletedAt === undefined);
    if (!current) continue; // deleted: only noncurrent generations are left
    generations.sort((a, b) => compareGenerations(b.generation, a.generation));
    secrets.push({ name, current, generations });
  }
  return secrets.sort((a, b) => a.name.localeCompare(b.name));
}

/** Generations are int64 strings: compare them as numbers without losing precision. */
export function compareGenerations(a: string, b: string): number {
  return a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0;
}

/** The row label: the object name without the configured prefix. */
export function secretLabel(name: string, prefix: string): string {
  return name.startsWith(prefix) && name.length > prefix.length ? name.slice(prefix.length) : name;
}

export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** "2.1 KB · updated 3 d ago · 3 versions" (the count only when versioning kept older ones). */
export function secretDescription(secret: SecretObject, now: number): string {
  const parts = [formatSize(secret.current.size), `updated ${formatAgo(secret.current.updatedAt, now)}`];
  if (secret.generations.length > 1) parts.push(`${secret.generations.length} versions`);
  return parts.join(' · ');
}

/** A generation's child row: "generation 1712… · current" or "· noncurrent since 3 d ago". */
export function generationDescription(g: SecretGeneration, now: number): string {
  const state = g.deletedAt === undefined ? 'current' : `noncurrent since ${formatAgo(g.deletedAt, now)}`;
  return [formatSize(g.size), `written ${formatAgo(g.createdAt, now)}`, state].join(' · ');
}

export type VerifyTone = 'ok' | 'warning' | 'error';

/** The sentence a verification outcome shows on its row and in the summary. */
export function verifySentence(result: VerifyResult): string {
  switch (result.outcome) {
    case 'primary':
      return 'decrypts with the primary version';
    case 'older-version':
      return 'decrypts with an older key version (re-encrypt on rotation)';
    case 'failed':
      return `cannot be decrypted: ${result.reason}`;
  }
}

export function verifyTone(result: VerifyResult): VerifyTone {
  return result.outcome === 'primary' ? 'ok' : result.outcome === 'older-version' ? 'warning' : 'error';
}

/**
 * The summary of a verify-all run, each secret named once:
 * "3 secrets verified: 1 decrypts with the primary key version; 1 only with an older version
 * (sa-key.json.enc: re-encrypt it); 1 cannot be decrypted (x.enc: key version 1 is disabled)."
 */
export function verifySummary(results: ReadonlyArray<{ label: string; result: VerifyResult }>): string {
  const of = (o: VerifyResult['outcome']) => results.filter((r) => r.result.outcome === o);
  const primary = of('primary');
  const older = of('older-version');
  const failed = of('failed');
  const parts = [
    primary.length
      ? `${primary.length} ${primary.length === 1 ? 'decrypts' : 'decrypt'} with the primary key version`
      : '',
    older.length
      ? `${older.length} only with an older version (${older.map((r) => r.label).join(', ')}: re-encrypt ${older.length === 1 ? 'it' : 'them'})`
      : '',
    failed.length
      ? `${failed.length} cannot be decrypted (${failed.map((r) => `${r.label}: ${r.result.outcome === 'failed' ? r.result.reason : ''}`).join('; ')})`
      : '',
  ].filter(Boolean);
  return `${plural(results.length, 'secret')} verified: ${parts.join('; ') || 'none'}.`;
}

/** Why a decrypt failed, from the mapped failure's kind and KMS's own sentence: a disabled or destroyed version is a precondition. */
export function decryptFailureReason(kind: FailureKind | undefined, message: string): string {
  const said = message
    .replace(/^\d+ [A-Z_]+: /, '')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 200);
  switch (kind) {
    case 'precondition': {
      const state = /current state is:?\s*([A-Z_]+)/.exec(said)?.[1];
      const version = /cryptoKeyVersions\/(\d+)/.exec(said)?.[1];
      if (state && version)
        return `key version ${version} is ${state.toLowerCase().replace(/_/g, ' ')} (enable or restore it to read this secret)`;
      return `the key version that encrypted it is not enabled (${said})`;
    }
    case 'invalid':
      return `KMS rejected the ciphertext: it was not made by this key or is corrupt (${said})`;
    case 'not-found':
      return `the KMS key was not found: check runnerOps.secrets.kmsKey (${said})`;
    case 'forbidden':
      return `permission denied: the credentials need cloudkms.cryptoKeyVersions.useToDecrypt (${said})`;
    default:
      return said || 'unknown error';
  }
}

export interface SecretsState {
  bucket?: SecretsBucket;
  secrets?: SecretObject[];
  error?: Error;
  loading: boolean;
  /** When the listing last succeeded: the error row says so. */
  readAt?: number;
}

/**
 * The Secrets view's store: one listing per refresh (the bucket and its objects), and the
 * verification outcome per secret until the next refresh.
 */
export class SecretsStore {
  state: SecretsState = { loading: false };
  /** Outcomes by object name; 'running' while a verify is under way. */
  readonly verified = new Map<string, VerifyResult | 'running'>();
  private readonly listeners = new Set<() => void>();
  private generation = 0;

  constructor(
    /** The adapter, loaded on first use; commands that write a secret go through it too. */
    readonly port: () => Promise<SecretsPort>,
    readonly prefix: string,
    private readonly onFailure: FailureSink = ignoreFailures,
    private readonly now: () => number = Date.now,
  ) {}

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }

  /** The first listing, once one has started: the checklist's Google checks let it go first. */
  firstRefresh: Promise<void> | undefined;

  refresh(): Promise<void> {
    const listing = this.list();
    this.firstRefresh ??= listing;
    return listing;
  }

  private async list(): Promise<void> {
    const run = ++this.generation;
    // Nothing read yet: the view already says "Loading…", and an event would only take its next redraw slot.
    const news = this.state.secrets !== undefined || this.state.error !== undefined;
    this.state = { ...this.state, loading: true };
    if (news) this.changed();
    try {
      const port = await this.port();
      const bucket = port.bucket();
      // A first listing that takes several pages shows what it has read while the rest load (rows
      // first): every object but the last, whose other generations may be on the next page. A
      // later refresh keeps the whole previous list on screen instead.
      const firstLoad = !this.state.secrets;
      const partly = async (soFar: SecretGeneration[]) => {
        const known = await bucket.catch(() => undefined);
        if (!firstLoad || run !== this.generation || !known || !this.state.loading) return;
        const last = soFar[soFar.length - 1]?.name;
        const secrets = toSecrets(
          soFar.filter((g) => g.name !== last),
          this.prefix,
        );
        this.state = { bucket: known, secrets, loading: true };
        this.changed();
      };
      const [bucketRead, listing] = await Promise.all([
        bucket,
        port.listGenerations(this.prefix, (soFar) => void partly(soFar)),
      ]);
      if (run !== this.generation) return;
      this.verified.clear();
      this.state = { bucket: bucketRead, secrets: toSecrets(listing, this.prefix), loading: false, readAt: this.now() };
    } catch (error) {
      if (run !== this.generation) return;
      this.verified.clear();
      this.state = { error: error as Error, loading: false, readAt: this.state.readAt };
      this.onFailure(error as Error);
    }
    this.changed();
  }

  /** A refresh for the view's poller: fails when the listing failed, so the poller tries again later. */
  async read(): Promise<void> {
    await this.refresh();
    if (this.state.error) throw this.state.error;
  }

  async verify(
    secret: SecretObject,
    inspect?: (secret: SecretObject, plaintext: Uint8Array) => void,
  ): Promise<VerifyResult> {
    this.verified.set(secret.name, 'running');
    this.changed();
    let result: VerifyResult;
    try {
      result = await (
        await this.port()
      ).verify(secret.name, secret.current.generation, inspect && ((plaintext) => inspect(secret, plaintext)));
    } catch (error) {
      result = { outcome: 'failed', reason: (error as Error).message, failure: error as Error };
    }
    if (result.outcome === 'failed' && result.failure) this.onFailure(result.failure);
    this.verified.set(secret.name, result);
    this.changed();
    return result;
  }

  /** Verifies every listed secret, a few at a time. */
  async verifyAll(
    concurrency = PACE.secrets.verifyParallel,
    inspect?: (secret: SecretObject, plaintext: Uint8Array) => void,
  ): Promise<Array<{ secret: SecretObject; result: VerifyResult }>> {
    const secrets = this.state.secrets ?? [];
    const out: Array<{ secret: SecretObject; result: VerifyResult }> = [];
    let next = 0;
    const worker = async () => {
      while (next < secrets.length) {
        const secret = secrets[next++];
        out.push({ secret, result: await this.verify(secret, inspect) });
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, secrets.length) }, worker));
    return out.sort((a, b) => a.secret.name.localeCompare(b.secret.name));
  }
}
