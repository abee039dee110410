// The Google Cloud permissions each feature needs, tested on the resources they act on
// (testIamPermissions of the KMS key, the bucket, the instance template and a worker VM), and
// what is missing said per feature, with the gcloud command that grants a role holding it.
// Pure: the probes ask Google, this decides what to ask and explains the answers. Permissions
// on the project itself (creating buckets, key rings, VMs) are not tested: that needs the
// Resource Manager API, which Runner Ops does not use; the fixes say so when they are refused.
import type { KmsKeyName } from './checklist';

export type PermissionTarget =
  | { kind: 'key'; key: KmsKeyName }
  | { kind: 'bucket'; bucket: string }
  | { kind: 'template'; project: string; name: string }
  | { kind: 'vm'; project: string; zone: string; name: string };

interface FeatureNeed {
  feature: string;
  permissions: string[];
  /** A predefined role that holds them. */
  role: string;
}

const ENCRYPTER = 'roles/cloudkms.cryptoKeyEncrypterDecrypter';
const INSTANCE_ADMIN = 'roles/compute.instanceAdmin.v1';

/** Per kind of resource: each feature, the permissions it needs there and a role that grants them. */
export const FEATURE_NEEDS: Record<PermissionTarget['kind'], FeatureNeed[]> = {
  key: [
    { feature: 'uploading secrets', permissions: ['cloudkms.cryptoKeyVersions.useToEncrypt'], role: ENCRYPTER },
    { feature: 'decrypt checks', permissions: ['cloudkms.cryptoKeyVersions.useToDecrypt'], role: ENCRYPTER },
    {
      feature: 'key rotation',
      permissions: [
        'cloudkms.cryptoKeyVersions.create',
        'cloudkms.cryptoKeys.update',
        'cloudkms.cryptoKeyVersions.update',
      ],
      role: 'roles/cloudkms.admin',
    },
  ],
  bucket: [
    {
      feature: 'reading secrets',
      permissions: ['storage.objects.list', 'storage.objects.get'],
      role: 'roles/storage.objectViewer',
    },
    {
      feature: 'uploading and replacing secrets',
      // Replacing an object needs delete too.
      permissions: ['storage.objects.create', 'storage.objects.delete'],
      role: 'roles/storage.objectAdmin',
    },
  ],
  template: [
    { feature: 'creating worker VMs', permissions: ['compute.instanceTemplates.useReadOnly'], role: INSTANCE_ADMIN },
  ],
  vm: [
    {
      feature: 'tailing the worker console',
      permissions: ['compute.instances.getSerialPortOutput'],
      role: INSTANCE_ADMIN,
    },
    { feature: 're-provisioning', permissions: ['compute.instances.delete'], role: INSTANCE_ADMIN },
  ],
};

export const permissionsFor = (kind: PermissionTarget['kind']) => [
  ...new Set(FEATURE_NEEDS[kind].flatMap((n) => n.permissions)),
];

export function targetLabel(t: PermissionTarget): string {
  switch (t.kind) {
    case 'key':
      return `key ${t.key.key}`;
    case 'bucket':
      return `gs://${t.bucket}`;
    case 'template':
      return `template ${t.name}`;
    case 'vm':
      return `VM ${t.name}`;
  }
}

/** What testIamPermissions answered for one resource: the permissions held; undefined when it does not exist yet. */
export interface PermissionAnswer {
  target: PermissionTarget;
  held?: string[] | Error;
}

export interface PermissionVerdict {
  /** "key rotation (cloudkms.cryptoKeyVersions.create, cloudkms.cryptoKeys.update on key k)", one per blocked feature. */
  blocked: string[];
  /** The resources tested. */
  tested: string[];
  /** Resources not tested because they do not exist yet (their own rows say so). */
  missing: string[];
  /** Resources whose test failed, with why. */
  failed: string[];
  /** One gcloud command per resource and role, to copy. */
  grants: string[];
}

const MEMBER_LINE =
  'MEMBER="user:$(gcloud config get-value account)"  # or serviceAccount:NAME@PROJECT.iam.gserviceaccount.com, the credentials Runner Ops uses';

function grantCommand(t: PermissionTarget, role: string): string {
  const member = `--member "$MEMBER" --role ${role}`;
  switch (t.kind) {
    case 'key':
      return `gcloud kms keys add-iam-policy-binding ${t.key.key} --keyring ${t.key.ring} --location ${t.key.location} --project ${t.key.project} ${member}`;
    case 'bucket':
      return `gcloud storage buckets add-iam-policy-binding gs://${t.bucket} ${member}`;
    default:
      // Compute roles are granted on the project: VMs are re-created, templates replaced.
      return `gcloud projects add-iam-policy-binding ${t.project} ${member}`;
  }
}

export function judgePermissions(answers: PermissionAnswer[]): PermissionVerdict {
  const verdict: PermissionVerdict = { blocked: [], tested: [], missing: [], failed: [], grants: [] };
  for (const { target, held } of answers) {
    const label = targetLabel(target);
    if (held === undefined) {
      verdict.missing.push(label);
      continue;
    }
    if (held instanceof Error) {
      verdict.failed.push(`${label} (${held.message.replace(/\s+/g, ' ')})`);
      continue;
    }
    verdict.tested.push(label);
    for (const need of FEATURE_NEEDS[target.kind]) {
      const missing = need.permissions.filter((p) => !held.includes(p));
      if (!missing.length) continue;
      verdict.blocked.push(`${need.feature} (${missing.join(', ')} on ${label})`);
      const grant = grantCommand(target, need.role);
      if (!verdict.grants.includes(grant)) verdict.grants.push(grant);
    }
  }
  if (verdict.grants.length) verdict.grants.unshift(MEMBER_LINE);
  return verdict;
}
