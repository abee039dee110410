// Cloud KMS REST surface (v1, as the client's fallback transport calls it). Enums travel as
// integers when the request says `$alt=json;enum-encoding=int`, as names otherwise; both accepted.
import { json, readJson, type Router, type SandboxRequest } from '../http';
import { offsetFromPageToken, paginate, rfc3339 } from './context';
import { crc32cNumber } from './checksums';
import { rpcError } from './errors';
import type { GoogleIam } from './iam';
import { fieldValue, parseFilter, FilterSyntaxError, type FilterNode } from './filter-parser';
import { KmsState, versionName, type CryptoKey, type KeyVersion, type VersionState } from './kms-state';

const STATE_NUMBERS: Record<VersionState, number> = { ENABLED: 1, DISABLED: 2, DESTROYED: 3, DESTROY_SCHEDULED: 4 };
const STATE_BY_NUMBER = Object.fromEntries(Object.entries(STATE_NUMBERS).map(([k, v]) => [v, k])) as Record<
  number,
  VersionState
>;
const ENUMS = {
  purpose: { ENCRYPT_DECRYPT: 1 },
  algorithm: { GOOGLE_SYMMETRIC_ENCRYPTION: 1 },
  protectionLevel: { SOFTWARE: 1 },
} as const;

export function kmsRoutes(kms: KmsState, router: Router, iam: GoogleIam): void {
  const base = '/v1/projects/:project/locations/:location';
  router.add('GET', '/v1/projects/:project/locations', (_req, p) =>
    json(200, {
      locations: ['global', 'europe-west1', 'us-central1'].map((id) => ({
        name: `projects/${p.project}/locations/${id}`,
        locationId: id,
        displayName: id,
      })),
    }),
  );
  for (const method of ['GET', 'POST', 'PATCH']) {
    router.add(method, `${base}/*rest`, (req, p) => {
      const parent = `projects/${p.project}/locations/${p.location}`;
      const colon = p.rest.lastIndexOf(':');
      const path = colon > p.rest.lastIndexOf('/') ? p.rest.slice(0, colon) : p.rest;
      const verb = colon > p.rest.lastIndexOf('/') ? p.rest.slice(colon + 1) : '';
      return new KmsRequest(kms, iam, req, parent).dispatch(method, `${parent}/${path}`, verb);
    });
  }
}

class KmsRequest {
  private readonly enumsAsInts: boolean;

  constructor(
    private readonly kms: KmsState,
    private readonly iam: GoogleIam,
    private readonly req: SandboxRequest,
    private readonly location: string,
  ) {
    this.enumsAsInts = (req.url.searchParams.get('$alt') ?? '').includes('enum-encoding=int');
  }

  dispatch(method: string, name: string, verb: string) {
    const rel = name.slice(this.location.length + 1);
    const segments = rel.split('/');
    const q = this.req.url.searchParams;
    const body = () => readJson<Record<string, unknown>>(this.req);
    const kind = segments.length; // keyRings(1) r(2) cryptoKeys(3) k(4) cryptoKeyVersions(5) v(6)
    const notFound = () => rpcError(404, `Method or resource ${this.req.url.pathname} not found.`);
    if (segments[0] !== 'keyRings') throw notFound();
    switch (`${method} ${kind} ${verb}`) {
      case 'POST 1 ':
        return json(200, this.renderRing(this.kms.createKeyRing(this.location, q.get('keyRingId') ?? '')));
      case 'GET 1 ':
        return this.list(
          'keyRings',
          [...this.kms.keyRings.values()]
            .filter((r) => r.name.startsWith(`${this.location}/`))
            .map((r) => this.renderRing(r)),
        );
      case 'GET 2 ':
        return json(200, this.renderRing(this.kms.keyRing(name)));
      case 'POST 3 ':
        return json(
          200,
          this.renderKey(this.createKey(name.replace(/\/cryptoKeys$/, ''), q.get('cryptoKeyId') ?? '', body())),
        );
      case 'GET 3 ': {
        const ring = this.kms.keyRing(name.replace(/\/cryptoKeys$/, ''));
        return this.list(
          'cryptoKeys',
          [...this.kms.keys.values()].filter((k) => k.name.startsWith(`${ring.name}/`)).map((k) => this.renderKey(k)),
        );
      }
      case 'GET 4 ':
        return json(200, this.renderKey(this.kms.key(name)));
      case 'PATCH 4 ':
        return json(200, this.renderKey(this.patchKey(this.kms.key(name), body())));
      case 'POST 2 testIamPermissions':
      case 'POST 4 testIamPermissions': {
        if (kind === 2) this.kms.keyRing(name);
        else this.kms.key(name);
        const held = this.iam.test((body().permissions as string[] | undefined) ?? [], 'cloudkms');
        return json(200, held.length ? { permissions: held } : {});
      }
      case 'POST 4 encrypt':
      case 'POST 6 encrypt':
        return json(200, this.encrypt(name, body()));
      case 'POST 4 decrypt':
        return json(200, this.decrypt(name, body()));
      case 'POST 4 updatePrimaryVersion': {
        const key = this.kms.key(name);
        this.kms.setPrimary(key, Number(body().cryptoKeyVersionId));
        return json(200, this.renderKey(key));
      }
      case 'POST 5 ': {
        const key = this.kms.key(name.replace(/\/cryptoKeyVersions$/, ''));
        return json(200, this.renderVersion(key, this.kms.addVersion(key)));
      }
      case 'GET 5 ': {
        const key = this.kms.key(name.replace(/\/cryptoKeyVersions$/, ''));
        return this.list(
          'cryptoKeyVersions',
          key.versions.map((v) => this.renderVersion(key, v)),
        );
      }
      case 'GET 6 ': {
        const { key, version } = this.kms.version(name);
        return json(200, this.renderVersion(key, version));
      }
      case 'PATCH 6 ': {
        const { key, version } = this.kms.version(name);
        const mask = (q.get('updateMask') ?? '').split(',').filter(Boolean);
        if (mask.length !== 1 || mask[0] !== 'state') throw rpcError(400, 'The update_mask must be exactly "state".');
        this.kms.setVersionState(key, version, this.parseState(body().state));
        return json(200, this.renderVersion(key, version));
      }
      case 'POST 6 destroy':
      case 'POST 6 restore': {
        const { key, version } = this.kms.version(name);
        if (verb === 'destroy') this.kms.scheduleDestroy(key, version);
        else this.kms.restore(key, version);
        return json(200, this.renderVersion(key, version));
      }
    }
    throw notFound();
  }

  private createKey(ring: string, id: string, body: Record<string, unknown>): CryptoKey {
    const purpose = body.purpose;
    if (purpose !== undefined && purpose !== 1 && purpose !== 'ENCRYPT_DECRYPT') {
      throw rpcError(400, 'The sandbox supports only ENCRYPT_DECRYPT keys.', 'UNIMPLEMENTED');
    }
    if (purpose === undefined) throw rpcError(400, 'The request must specify purpose.');
    return this.kms.createKey(ring, id, {
      labels: (body.labels as Record<string, string>) ?? {},
      rotationPeriodSec: parseDuration(body.rotationPeriod),
      nextRotationAt: parseTime(body.nextRotationTime),
      skipInitialVersion: this.req.url.searchParams.get('skipInitialVersionCreation') === 'true',
      destroyScheduledDurationSec: parseDuration(body.destroyScheduledDuration),
    });
  }

  private patchKey(key: CryptoKey, body: Record<string, unknown>): CryptoKey {
    const mask = (this.req.url.searchParams.get('updateMask') ?? '').split(',').filter(Boolean).map(camel);
    if (mask.length === 0) throw rpcError(400, 'The update_mask must not be empty.');
    let period = key.rotationPeriodSec;
    let next = key.nextRotationAt;
    for (const path of mask) {
      if (path === 'rotationPeriod') period = parseDuration(body.rotationPeriod);
      else if (path === 'nextRotationTime') next = parseTime(body.nextRotationTime);
      else if (path === 'labels') key.labels = (body.labels as Record<string, string>) ?? {};
      else throw rpcError(400, `The field '${path}' cannot be updated.`);
    }
    this.kms.setRotation(key, period, next);
    return key;
  }

  private encrypt(name: string, body: Record<string, unknown>) {
    const plaintext = Buffer.from(String(body.plaintext ?? ''), 'base64');
    const aad = Buffer.from(String(body.additionalAuthenticatedData ?? ''), 'base64');
    verifyCrc(plaintext, body.plaintextCrc32c, 'plaintext');
    verifyCrc(aad, body.additionalAuthenticatedDataCrc32c, 'additional_authenticated_data');
    const { key, version, ciphertext } = this.kms.encrypt(name, plaintext, aad);
    return {
      name: versionName(key, version),
      ciphertext: ciphertext.toString('base64'),
      ciphertextCrc32c: String(crc32cNumber(ciphertext)),
      verifiedPlaintextCrc32c: body.plaintextCrc32c !== undefined,
      verifiedAdditionalAuthenticatedDataCrc32c: body.additionalAuthenticatedDataCrc32c !== undefined,
      protectionLevel: this.enumOut('protectionLevel', 'SOFTWARE'),
    };
  }

  private decrypt(name: string, body: Record<string, unknown>) {
    const ciphertext = Buffer.from(String(body.ciphertext ?? ''), 'base64');
    const aad = Buffer.from(String(body.additionalAuthenticatedData ?? ''), 'base64');
    if (ciphertext.length === 0) throw rpcError(400, 'The request must specify ciphertext.');
    verifyCrc(ciphertext, body.ciphertextCrc32c, 'ciphertext');
    verifyCrc(aad, body.additionalAuthenticatedDataCrc32c, 'additional_authenticated_data');
    const { plaintext, usedPrimary } = this.kms.decrypt(name, ciphertext, aad);
    return {
      plaintext: plaintext.toString('base64'),
      plaintextCrc32c: String(crc32cNumber(plaintext)),
      usedPrimary,
      protectionLevel: this.enumOut('protectionLevel', 'SOFTWARE'),
    };
  }

  private list(field: string, items: Array<Record<string, unknown>>) {
    const q = this.req.url.searchParams;
    const filtered = items.filter(compileKmsFilter(q.get('filter')));
    const pageSize = Math.min(Number(q.get('pageSize') ?? 1000) || 1000, 1000);
    const { page, nextPageToken } = paginate(
      filtered,
      offsetFromPageToken(q.get('pageToken'), () => rpcError(400, 'Invalid page token.')),
      pageSize,
    );
    return json(200, { [field]: page, ...(nextPageToken ? { nextPageToken } : {}), totalSize: filtered.length });
  }

  private parseState(value: unknown): VersionState {
    const state = typeof value === 'number' ? STATE_BY_NUMBER[value] : (value as VersionState);
    if (!state || !(state in STATE_NUMBERS)) throw rpcError(400, `Invalid value for field 'state': ${String(value)}.`);
    return state;
  }

  private enumOut(kind: keyof typeof ENUMS, name: string): string | number {
    return this.enumsAsInts ? (ENUMS[kind] as Record<string, number>)[name] : name;
  }

  private renderRing(ring: { name: string; createdAt: number }) {
    return { name: ring.name, createTime: rfc3339(ring.createdAt) };
  }

  private renderKey(key: CryptoKey) {
    const primary = key.primary ? key.versions[key.primary - 1] : undefined;
    return {
      name: key.name,
      ...(primary ? { primary: this.renderVersion(key, primary) } : {}),
      purpose: this.enumOut('purpose', key.purpose),
      createTime: rfc3339(key.createdAt),
      ...(key.nextRotationAt !== undefined ? { nextRotationTime: rfc3339(key.nextRotationAt) } : {}),
      ...(key.rotationPeriodSec !== undefined ? { rotationPeriod: `${key.rotationPeriodSec}s` } : {}),
      versionTemplate: {
        protectionLevel: this.enumOut('protectionLevel', 'SOFTWARE'),
        algorithm: this.enumOut('algorithm', 'GOOGLE_SYMMETRIC_ENCRYPTION'),
      },
      labels: key.labels,
      destroyScheduledDuration: `${key.destroyScheduledDurationSec}s`,
    };
  }

  private renderVersion(key: CryptoKey, version: KeyVersion) {
    return {
      name: versionName(key, version),
      state: this.enumsAsInts ? STATE_NUMBERS[version.state] : version.state,
      protectionLevel: this.enumOut('protectionLevel', 'SOFTWARE'),
      algorithm: this.enumOut('algorithm', 'GOOGLE_SYMMETRIC_ENCRYPTION'),
      createTime: rfc3339(version.createdAt),
      generateTime: rfc3339(version.createdAt),
      ...(version.destroyAt !== undefined ? { destroyTime: rfc3339(version.destroyAt) } : {}),
      ...(version.destroyedAt !== undefined ? { destroyEventTime: rfc3339(version.destroyedAt) } : {}),
    };
  }
}

function verifyCrc(data: Buffer, sent: unknown, field: string): void {
  if (sent === undefined || sent === null) return;
  const value = typeof sent === 'object' ? (sent as { value?: unknown }).value : sent;
  if (Number(value) !== crc32cNumber(data)) {
    throw rpcError(400, `The checksum in field ${field}_crc32c did not match the data in field ${field}.`);
  }
}

function parseDuration(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  const match = /^(\d+)(?:\.\d+)?s$/.exec(String(value));
  if (!match) throw rpcError(400, `Invalid duration: ${String(value)}`);
  return Number(match[1]);
}

function parseTime(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  const ms = Date.parse(String(value));
  if (Number.isNaN(ms)) throw rpcError(400, `Invalid timestamp: ${String(value)}`);
  return ms;
}

const camel = (path: string): string => path.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());

/** KMS list filters compare fields of the resource, enums by name: `state=ENABLED`, `NOT state:DESTROYED`. */
function compileKmsFilter(filter: string | null): (item: Record<string, unknown>) => boolean {
  if (!filter) return () => true;
  let tree: FilterNode | undefined;
  try {
    tree = parseFilter(filter);
  } catch (e) {
    if (e instanceof FilterSyntaxError) throw rpcError(400, `Invalid filter: ${filter}`);
    throw e;
  }
  const evaluate = (node: FilterNode, item: Record<string, unknown>): boolean => {
    switch (node.kind) {
      case 'and':
        return node.items.every((n) => evaluate(n, item));
      case 'or':
        return node.items.some((n) => evaluate(n, item));
      case 'not':
        return !evaluate(node.item, item);
      case 'text':
        return JSON.stringify(item).includes(node.value);
      case 'cmp': {
        let actual = fieldValue(item, camel(node.field));
        if (camel(node.field) === 'state' && typeof actual === 'number') actual = STATE_BY_NUMBER[actual];
        const equal = String(actual) === node.value;
        if (node.op === '=' || node.op === ':') return equal;
        if (node.op === '!=') return !equal;
        throw rpcError(400, `Invalid filter: ${filter}`);
      }
    }
  };
  return tree ? (item) => evaluate(tree, item) : () => true;
}
