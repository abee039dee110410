// Cloud Storage JSON API (v1): buckets, objects, media download, and the three upload protocols.
import { randomBytes } from 'node:crypto';
import { json, readJson, type Router, type SandboxRequest, type SandboxResponse } from '../http';
import type { GoogleContext } from './context';
import { offsetFromPageToken, paginate } from './context';
import { crc32cBase64, md5Base64 } from './checksums';
import { legacyError } from './errors';
import { boundaryOf, parseMultipart } from './multipart';
import { etagOf, renderBucket, renderObject } from './storage-json';
import {
  StorageState,
  type Bucket,
  type IamConfigurationInput,
  type Preconditions,
  type StoredObject,
} from './storage-state';

interface ResumableSession {
  bucket: string;
  name: string;
  contentType: string;
  metadata?: Record<string, string>;
  preconditions: Preconditions;
  received: Buffer[];
  receivedBytes: number;
  finished?: StoredObject;
}

export function storageRoutes(ctx: GoogleContext, storage: StorageState, router: Router): void {
  const sessions = new Map<string, ResumableSession>();
  const render = (o: StoredObject) => renderObject(ctx, o);

  router.add('GET', '/storage/v1/b', (req) => {
    const project = req.url.searchParams.get('project');
    if (!project) throw legacyError(400, 'Required parameter: project', 'required');
    const items = [...storage.buckets.values()].filter((b) => b.project === project).sort(byName);
    return json(200, { kind: 'storage#buckets', items: items.map((b) => renderBucket(ctx, b)) });
  });
  router.add('POST', '/storage/v1/b', (req) => {
    const project = req.url.searchParams.get('project');
    if (!project) throw legacyError(400, 'Required parameter: project', 'required');
    const body = readJson<{
      name?: string;
      location?: string;
      storageClass?: string;
      versioning?: { enabled?: boolean };
      labels?: Record<string, string>;
      iamConfiguration?: IamConfigurationInput;
    }>(req);
    if (!body.name) throw legacyError(400, 'Required', 'required');
    const bucket = storage.createBucket(project, body.name, {
      location: body.location,
      storageClass: body.storageClass,
      versioning: body.versioning?.enabled,
      labels: body.labels,
    });
    storage.setIamConfiguration(bucket, body.iamConfiguration);
    return json(200, renderBucket(ctx, bucket));
  });
  router.add('GET', '/storage/v1/b/:bucket', (req, p) => {
    const bucket = storage.bucket(p.bucket);
    checkBucketPreconditions(req, bucket);
    return json(200, renderBucket(ctx, bucket));
  });
  router.add('PATCH', '/storage/v1/b/:bucket', (req, p) => {
    const bucket = storage.bucket(p.bucket);
    checkBucketPreconditions(req, bucket);
    const body = readJson<{
      versioning?: { enabled?: boolean };
      labels?: Record<string, string | null>;
      iamConfiguration?: IamConfigurationInput;
    }>(req);
    storage.setIamConfiguration(bucket, body.iamConfiguration);
    if (body.versioning) bucket.versioning = Boolean(body.versioning.enabled);
    for (const [k, v] of Object.entries(body.labels ?? {})) {
      if (v === null) delete bucket.labels[k];
      else bucket.labels[k] = v;
    }
    bucket.metageneration++;
    bucket.updatedAt = ctx.now();
    return json(200, renderBucket(ctx, bucket));
  });
  router.add('DELETE', '/storage/v1/b/:bucket', (_req, p) => {
    const bucket = storage.bucket(p.bucket);
    if (bucket.objects.size > 0) throw legacyError(409, 'The bucket you tried to delete is not empty.', 'conflict');
    storage.buckets.delete(bucket.name);
    return { status: 204, body: '' };
  });

  router.add('GET', '/storage/v1/b/:bucket/o', (req, p) =>
    json(200, listObjects(storage.bucket(p.bucket), req.url.searchParams, render)),
  );

  const getObject = (req: SandboxRequest, p: Record<string, string>, forceMedia: boolean): SandboxResponse => {
    const bucket = storage.bucket(p.bucket);
    const q = req.url.searchParams;
    const object = storage.find(bucket, p.object, q.get('generation'));
    storage.checkPreconditions(object, preconditionsOf(q));
    if (!forceMedia && q.get('alt') !== 'media') return json(200, render(object));
    const range = /^bytes=(\d*)-(\d*)$/.exec(String(req.headers.range ?? ''));
    const size = object.data.length;
    let [first, last] = [0, size - 1];
    if (range && (range[1] || range[2])) {
      // `bytes=a-b`, `bytes=a-`, or the suffix form `bytes=-n` (the last n bytes).
      [first, last] = range[1]
        ? [Number(range[1]), range[2] ? Math.min(Number(range[2]), size - 1) : size - 1]
        : [Math.max(0, size - Number(range[2])), size - 1];
      if (first >= size) throw legacyError(416, 'Request range not satisfiable', 'requestedRangeNotSatisfiable');
    }
    const partial = range !== null && (first > 0 || last < size - 1);
    return {
      status: partial ? 206 : 200,
      headers: {
        ...(partial ? { 'content-range': `bytes ${first}-${last}/${size}` } : {}),
        'content-type': object.contentType,
        'x-goog-hash': `crc32c=${object.crc32c},md5=${object.md5Hash}`,
        'x-goog-generation': object.generation,
        'x-goog-metageneration': String(object.metageneration),
        'x-goog-stored-content-length': String(object.data.length),
        'x-goog-stored-content-encoding': 'identity',
        'x-goog-storage-class': 'STANDARD',
        etag: etagOf(object),
      },
      body: partial ? object.data.subarray(first, last + 1) : object.data,
    };
  };
  router.add('GET', '/storage/v1/b/:bucket/o/:object', (req, p) => getObject(req, p, false));
  router.add('GET', '/download/storage/v1/b/:bucket/o/:object', (req, p) => getObject(req, p, true));
  router.add('PATCH', '/storage/v1/b/:bucket/o/:object', (req, p) => {
    const bucket = storage.bucket(p.bucket);
    const object = storage.find(bucket, p.object, req.url.searchParams.get('generation'));
    storage.checkPreconditions(object, preconditionsOf(req.url.searchParams));
    const body = readJson<{ contentType?: string; metadata?: Record<string, string | null> }>(req);
    if (body.contentType) object.contentType = body.contentType;
    if (body.metadata) {
      const merged: Record<string, string> = { ...object.metadata };
      for (const [k, v] of Object.entries(body.metadata)) {
        if (v === null) delete merged[k];
        else merged[k] = v;
      }
      object.metadata = merged;
    }
    object.metageneration++;
    object.updatedAt = ctx.now();
    return json(200, render(object));
  });
  router.add('DELETE', '/storage/v1/b/:bucket/o/:object', (req, p) => {
    const q = req.url.searchParams;
    storage.delete(storage.bucket(p.bucket), p.object, q.get('generation'), preconditionsOf(q));
    return { status: 204, body: '' };
  });

  // Copy (e.g. restoring a noncurrent generation as the live one); done in one call, as GCS does for small objects.
  router.add('POST', '/storage/v1/b/:bucket/o/:object/rewriteTo/b/:destBucket/o/:destObject', (req, p) => {
    const q = req.url.searchParams;
    const source = storage.find(storage.bucket(p.bucket), p.object, q.get('sourceGeneration'));
    const ifSource = q.get('ifSourceGenerationMatch');
    if (ifSource !== null && ifSource !== source.generation)
      storage.checkPreconditions(source, { ifGenerationMatch: ifSource });
    const meta = readJson<UploadMetadata>(req);
    const copy = storage.write(storage.bucket(p.destBucket), p.destObject, source.data, {
      contentType: meta.contentType ?? source.contentType,
      metadata: meta.metadata ?? source.metadata,
      preconditions: preconditionsOf(q),
    });
    const size = String(copy.data.length);
    return json(200, {
      kind: 'storage#rewriteResponse',
      totalBytesRewritten: size,
      objectSize: size,
      done: true,
      resource: render(copy),
    });
  });

  router.add('POST', '/upload/storage/v1/b/:bucket/o', (req, p) => {
    const bucket = storage.bucket(p.bucket);
    const q = req.url.searchParams;
    const preconditions = preconditionsOf(q);
    const uploadType = q.get('uploadType');
    if (uploadType === 'media') {
      const name = q.get('name');
      if (!name) throw legacyError(400, 'Required', 'required');
      const contentType = String(req.headers['content-type'] ?? 'application/octet-stream');
      return json(200, render(storage.write(bucket, name, req.body, { contentType, preconditions })));
    }
    if (uploadType === 'multipart') {
      const boundary = boundaryOf(String(req.headers['content-type'] ?? ''));
      const parts = boundary ? parseMultipart(req.body, boundary) : [];
      if (parts.length < 2)
        throw legacyError(400, 'Multipart upload requires a metadata part and a media part.', 'invalid');
      const meta = JSON.parse(parts[0].body.toString('utf8') || '{}') as UploadMetadata;
      const name = meta.name ?? q.get('name');
      if (!name) throw legacyError(400, 'Required', 'required');
      const data = parts[1].body;
      verifyClientHashes(meta, data);
      const contentType = meta.contentType ?? parts[1].headers['content-type'] ?? 'application/octet-stream';
      return json(
        200,
        render(storage.write(bucket, name, data, { contentType, metadata: meta.metadata, preconditions })),
      );
    }
    if (uploadType === 'resumable') {
      const meta = readJson<UploadMetadata>(req);
      const name = meta.name ?? q.get('name');
      if (!name) throw legacyError(400, 'Required', 'required');
      storage.checkPreconditions(storage.live(bucket, name), preconditions); // fail early, checked again at the end
      const uploadId = randomBytes(24).toString('base64url');
      sessions.set(uploadId, {
        bucket: bucket.name,
        name,
        contentType: meta.contentType ?? String(req.headers['x-upload-content-type'] ?? 'application/octet-stream'),
        metadata: meta.metadata,
        preconditions,
        received: [],
        receivedBytes: 0,
      });
      const location = new URL(req.url.toString());
      location.searchParams.set('upload_id', uploadId);
      location.host = String(req.headers.host ?? location.host);
      return { status: 200, headers: { location: location.toString(), 'x-guploader-uploadid': uploadId }, body: '' };
    }
    throw legacyError(400, `Invalid upload type: ${String(uploadType)}`, 'invalidParameter');
  });

  router.add('PUT', '/upload/storage/v1/b/:bucket/o', (req) => {
    const session = sessions.get(req.url.searchParams.get('upload_id') ?? '');
    if (!session) throw legacyError(404, 'No such upload session.', 'notFound');
    if (session.finished) return json(200, render(session.finished));
    const range = parseContentRange(String(req.headers['content-range'] ?? `bytes 0-*/${req.body.length}`));
    if (range.start !== undefined) {
      if (range.start > session.receivedBytes)
        throw legacyError(400, 'Invalid request. The content range starts past the bytes received.', 'invalid');
      const fresh = req.body.subarray(session.receivedBytes - range.start);
      session.received.push(fresh);
      session.receivedBytes += fresh.length;
    }
    const complete =
      range.total !== undefined
        ? session.receivedBytes >= range.total
        : range.start !== undefined && range.end === undefined;
    if (!complete) {
      return {
        status: 308,
        headers: session.receivedBytes > 0 ? { range: `bytes=0-${session.receivedBytes - 1}` } : {},
        body: '',
      };
    }
    const bucket = storage.bucket(session.bucket);
    const data = Buffer.concat(session.received);
    session.finished = storage.write(bucket, session.name, data, {
      contentType: session.contentType,
      metadata: session.metadata,
      preconditions: session.preconditions,
    });
    return json(200, render(session.finished));
  });
}

interface UploadMetadata {
  name?: string;
  contentType?: string;
  metadata?: Record<string, string>;
  md5Hash?: string;
  crc32c?: string;
}

function verifyClientHashes(meta: UploadMetadata, data: Buffer): void {
  if (meta.crc32c && meta.crc32c !== crc32cBase64(data)) {
    throw legacyError(
      400,
      `Provided CRC32C "${meta.crc32c}" doesn't match calculated CRC32C "${crc32cBase64(data)}".`,
      'invalid',
    );
  }
  if (meta.md5Hash && meta.md5Hash !== md5Base64(data)) {
    throw legacyError(
      400,
      `Provided MD5 hash "${meta.md5Hash}" doesn't match calculated MD5 hash "${md5Base64(data)}".`,
      'invalid',
    );
  }
}

// Content-Range forms: "bytes 0-99/200"; "bytes 0-*/*" (all the rest, size unknown); "bytes */200" (no data: finalize or query).
function parseContentRange(header: string): { start?: number; end?: number; total?: number } {
  const match = /^bytes (?:(\d+)-(\d+|\*)|\*)\/(\d+|\*)$/.exec(header.trim());
  if (!match) throw legacyError(400, `Invalid Content-Range: ${header}`, 'invalid');
  return {
    start: match[1] !== undefined ? Number(match[1]) : undefined,
    end: match[2] !== undefined && match[2] !== '*' ? Number(match[2]) : undefined,
    total: match[3] !== '*' ? Number(match[3]) : undefined,
  };
}

function preconditionsOf(q: URLSearchParams): Preconditions {
  const pick = (k: string) => q.get(k) ?? undefined;
  return {
    ifGenerationMatch: pick('ifGenerationMatch'),
    ifGenerationNotMatch: pick('ifGenerationNotMatch'),
    ifMetagenerationMatch: pick('ifMetagenerationMatch'),
    ifMetagenerationNotMatch: pick('ifMetagenerationNotMatch'),
  };
}

function checkBucketPreconditions(req: SandboxRequest, bucket: Bucket): void {
  const q = req.url.searchParams;
  const match = q.get('ifMetagenerationMatch');
  const notMatch = q.get('ifMetagenerationNotMatch');
  if (
    (match !== null && match !== String(bucket.metageneration)) ||
    (notMatch !== null && notMatch === String(bucket.metageneration))
  ) {
    throw legacyError(412, 'At least one of the pre-conditions you specified did not hold.', 'conditionNotMet');
  }
}

function listObjects(bucket: Bucket, q: URLSearchParams, render: (o: StoredObject) => Record<string, unknown>) {
  const prefix = q.get('prefix') ?? '';
  const delimiter = q.get('delimiter') ?? '';
  const versions = q.get('versions') === 'true';
  const startOffset = q.get('startOffset') ?? '';
  const endOffset = q.get('endOffset');
  const entries: Array<{ sortKey: string; object?: StoredObject; prefix?: string }> = [];
  const seenPrefixes = new Set<string>();
  for (const name of [...bucket.objects.keys()].sort()) {
    if (!name.startsWith(prefix) || name < startOffset || (endOffset !== null && name >= endOffset)) continue;
    const cut = delimiter ? name.indexOf(delimiter, prefix.length) : -1;
    if (cut !== -1) {
      const p = name.slice(0, cut + delimiter.length);
      if (!seenPrefixes.has(p)) entries.push({ sortKey: p, prefix: p });
      seenPrefixes.add(p);
      continue;
    }
    const generations = bucket.objects.get(name)!;
    for (const object of versions ? generations : generations.filter((o) => o.deletedAt === undefined)) {
      entries.push({ sortKey: name, object });
    }
  }
  const maxResults = Math.min(Number(q.get('maxResults') ?? 1000) || 1000, 1000);
  const invalidToken = () => legacyError(400, 'Invalid page token.', 'invalid');
  const { page, nextPageToken } = paginate(entries, offsetFromPageToken(q.get('pageToken'), invalidToken), maxResults);
  const items = page.filter((e) => e.object).map((e) => render(e.object!));
  const prefixes = page.filter((e) => e.prefix).map((e) => e.prefix!);
  return {
    kind: 'storage#objects',
    ...(nextPageToken ? { nextPageToken } : {}),
    ...(prefixes.length ? { prefixes } : {}),
    ...(items.length ? { items } : {}),
  };
}

const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
