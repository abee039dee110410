// Seeds: the bootstrapped state an operator's project is in (key ring and key with two versions,
// a versioned bucket holding the encrypted secrets, the runner template, the worker VMs up and
// checked in). Everything goes through the same state and boot code as API calls do.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { stringify as toToml } from 'smol-toml';
import type { GoogleContext } from './context';
import type { ManagedGroups } from './compute/igm';
import type { VmSpec } from './compute/model';
import type { ComputeState } from './compute/state';
import type { KmsState } from './kms-state';
import { DEFAULT_IMAGE_TAG, METADATA_KEYS, STARTUP_SCRIPT } from './startup-script';
import { ENABLE_GUEST_ATTRIBUTES } from './guest-attributes';
import type { StorageState } from './storage-state';
import type { VmLifecycle } from './vm-lifecycle';

export type SeedKind = 'small' | 'demo' | 'scale' | 'empty';

export interface SeedWorker {
  name: string;
  zone: string;
  runnerToken: string;
  runnerId: number;
  tags: string[];
  healthy: boolean;
  /** The internal IP GitLab last saw for this worker; when given, the VM gets it. */
  ipAddress?: string;
  /** Inside the VM: containers left running and disk use (the guest attributes it publishes say so). */
  guest?: { containers: Array<{ name: string; jobId?: number }>; diskUsedPercent: number };
}

export interface SeedResult {
  project: string;
  zones: string[];
  instanceFilter: string;
  bucket: string;
  prefix: string;
  kmsKey: string;
}

export interface SeedDeps {
  ctx: GoogleContext;
  compute: ComputeState;
  groups: ManagedGroups;
  kms: KmsState;
  storage: StorageState;
  lifecycle: VmLifecycle;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const PROJECT: Record<SeedKind, string> = {
  small: 'runner-ops-small',
  demo: 'runner-ops-demo',
  scale: 'runner-ops-scale',
  empty: 'runner-ops-empty',
};
/** The `empty` seed's project holds nothing: these are the names its settings point at, for the bootstrap to create. */
const EMPTY_ZONE = 'europe-west1-b';
export const TEMPLATE_NAME = 'gitlab-runner-template';
export const KMS_LOCATION = 'europe-west1';
export const KEY_RING = 'runner-secrets';
export const KEY_NAME = 'runner-secrets-key';
const ROTATION_PERIOD_SEC = 90 * 24 * 3600;

export function seedGoogle(deps: SeedDeps, kind: SeedKind, workers: SeedWorker[]): SeedResult {
  const { ctx, compute, kms, storage } = deps;
  const now = ctx.now();
  const project = PROJECT[kind];
  const bucketName = `${project}-runner-secrets`;
  const prefix = 'runners/';
  compute.addProject(project);
  if (kind === 'empty') {
    return {
      project,
      zones: [EMPTY_ZONE],
      instanceFilter: 'labels.role = gitlab-runner',
      bucket: bucketName,
      prefix,
      kmsKey: `projects/${project}/locations/${KMS_LOCATION}/keyRings/${KEY_RING}/cryptoKeys/${KEY_NAME}`,
    };
  }

  // KMS: ring, key with a rotation period and two versions; the newer one is primary.
  const ring = kms.createKeyRing(`projects/${project}/locations/${KMS_LOCATION}`, KEY_RING);
  const key = kms.createKey(ring.name, KEY_NAME, {
    rotationPeriodSec: ROTATION_PERIOD_SEC,
    nextRotationAt: now + 60 * DAY_MS,
    labels: { purpose: 'gitlab-runner-secrets' },
  });
  ring.createdAt = key.createdAt = key.versions[0].createdAt = now - 120 * DAY_MS;
  const v2 = kms.addVersion(key);
  v2.createdAt = now - 30 * DAY_MS;
  kms.setPrimary(key, v2.number);

  // Bucket with versioning, holding the three secrets encrypted with real KMS ciphertext.
  const bucket = storage.createBucket(project, bucketName, {
    location: 'EUROPE-WEST1',
    versioning: true,
    uniformAccess: true,
    publicAccessPrevention: 'enforced',
    labels: { purpose: 'gitlab-runner-secrets' },
  });
  const encrypted = (plaintext: string, versionName = key.name) =>
    kms.encrypt(versionName, Buffer.from(plaintext)).ciphertext;
  const put = (name: string, plaintext: string, versionName?: string) =>
    storage.write(bucket, `${prefix}${name}`, encrypted(plaintext, versionName), {
      contentType: 'application/octet-stream',
      metadata: { 'kms-key': key.name },
    });
  put('deploy-key.enc', deployKey());
  // Still under the older version: what a rotation must re-encrypt before retiring version 1.
  put('sa-key.json.enc', serviceAccountKey(project), `${key.name}/cryptoKeyVersions/1`);

  const gitlabUrl = ctx.baseUrl || 'http://127.0.0.1';
  for (const worker of workers) {
    if (kind === 'demo')
      put(
        `${worker.name}/config.toml.enc`,
        runnerConfig(worker, gitlabUrl, `glrt-${randomBytes(10).toString('base64url')}`),
      ); // an older generation
    // An unhealthy worker's config carries a token GitLab no longer accepts: the VM runs, the runner never checks in.
    const token = worker.healthy ? worker.runnerToken : `glrt-${randomBytes(10).toString('base64url')}`;
    put(`${worker.name}/config.toml.enc`, runnerConfig(worker, gitlabUrl, token));
  }

  const spec = templateSpec(project, bucketName, prefix, key.name);
  compute.addTemplate(project, TEMPLATE_NAME, spec);
  const templateLink = `${ctx.baseUrl}/compute/v1/projects/${project}/global/instanceTemplates/${TEMPLATE_NAME}`;

  // In the demo, the last worker belongs to a managed instance group of size 1.
  const managed = kind === 'demo' && workers.length > 1 ? workers[workers.length - 1] : undefined;
  const group = managed
    ? deps.groups.create(project, managed.zone, 'gitlab-runner-mig', TEMPLATE_NAME, 'gitlab-runner', 1)
    : undefined;
  workers.forEach((worker, i) => {
    const vmSpec: VmSpec = {
      ...spec,
      labels: { ...spec.labels, 'runner-id': String(worker.runnerId) },
      metadata: spec.metadata,
      tags: spec.tags,
    };
    const createdBy = group && worker === managed ? deps.groups.createdByOf(group) : undefined;
    const vm = compute.createVm(project, worker.zone, worker.name, vmSpec, {
      sourceInstanceTemplate: templateLink,
      createdBy,
      ...(worker.ipAddress ? { networkIP: worker.ipAddress } : {}),
    });
    if (group && createdBy) group.members.add(vm.name);
    if (worker.guest) Object.assign(vm.guest, structuredClone(worker.guest));
    // Small and demo workers booted hours ago, so their boot is within Cloud Logging's default
    // 24 h window; an unhealthy one rebooted with a stale config when GitLab last heard from it.
    const uptimeMs = !worker.healthy
      ? 3 * HOUR_MS + 7 * 60_000
      : kind === 'scale'
        ? (1 + (i % 20)) * DAY_MS + (i % 7) * HOUR_MS
        : (5 + 7 * i) * HOUR_MS;
    vm.createdAt = now - uptimeMs - 60_000;
    deps.lifecycle.alreadyRunning(vm, now - uptimeMs);
  });
  ctx.scheduler.runUntil(now); // replay the boots and first check-ins

  return {
    project,
    zones: [...new Set(workers.map((w) => w.zone))].sort(),
    instanceFilter: 'labels.role = gitlab-runner',
    bucket: bucketName,
    prefix,
    kmsKey: key.name,
  };
}

function templateSpec(project: string, bucket: string, prefix: string, keyName: string): VmSpec {
  return {
    machineType: 'e2-standard-2',
    labels: { role: 'gitlab-runner', managed_by: 'runner-ops' },
    metadata: [
      { key: 'startup-script', value: STARTUP_SCRIPT },
      { key: 'kms-key', value: keyName },
      { key: 'deploy-key-object', value: `gs://${bucket}/${prefix}deploy-key.enc` },
      { key: 'sa-key-object', value: `gs://${bucket}/${prefix}sa-key.json.enc` },
      { key: 'runner-config-prefix', value: `gs://${bucket}/${prefix.replace(/\/$/, '')}` },
      { key: METADATA_KEYS.imageTag, value: DEFAULT_IMAGE_TAG },
      { key: ENABLE_GUEST_ATTRIBUTES, value: 'TRUE' },
    ],
    tags: ['gitlab-runner'],
    serviceAccounts: [
      {
        email: `gitlab-runner@${project}.iam.gserviceaccount.com`,
        scopes: ['https://www.googleapis.com/auth/cloud-platform'],
      },
    ],
    diskSizeGb: 50,
    sourceImage: 'projects/debian-cloud/global/images/family/debian-12',
    externalIp: true,
    description: 'GitLab runner worker (shell executor, Docker socket mounted)',
  };
}

export function runnerConfig(worker: SeedWorker, gitlabUrl: string, token: string): string {
  return toToml({
    concurrent: 2,
    check_interval: 0,
    shutdown_timeout: 0,
    session_server: { session_timeout: 1800 },
    runners: [
      {
        name: worker.name,
        url: gitlabUrl,
        id: worker.runnerId,
        token,
        token_obtained_at: new Date().toISOString(),
        token_expires_at: '0001-01-01T00:00:00Z',
        executor: 'shell',
        environment: ['DOCKER_HOST=unix:///var/run/docker.sock'],
      },
    ],
  });
}

/** One key pair per process: generating RSA keys is the slow part of seeding. */
let cachedKeys: { deploy: string; serviceAccount: string } | undefined;
function keys() {
  cachedKeys ??= {
    deploy: generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    serviceAccount: generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString(),
  };
  return cachedKeys;
}

const deployKey = (): string => keys().deploy;

function serviceAccountKey(project: string): string {
  const email = `ci-deployer@${project}.iam.gserviceaccount.com`;
  return JSON.stringify(
    {
      type: 'service_account',
      project_id: project,
      private_key_id: randomBytes(20).toString('hex'),
      private_key: keys().serviceAccount,
      client_email: email,
      client_id: String(100_000_000_000_000_000_000n + BigInt(randomBytes(6).readUIntBE(0, 6))),
      auth_uri: 'https://accounts.google.com/o/oauth2/auth',
      token_uri: 'https://oauth2.googleapis.com/token',
      auth_provider_x509_cert_url: 'https://www.googleapis.com/oauth2/v1/certs',
      client_x509_cert_url: `https://www.googleapis.com/robot/v1/metadata/x509/${encodeURIComponent(email)}`,
      universe_domain: 'googleapis.com',
    },
    null,
    2,
  );
}
