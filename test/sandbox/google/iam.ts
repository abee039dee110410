// Who the caller is allowed to be on the Google side: one caller (the credentials Runner Ops
// uses), granted predefined roles on the project (Owner unless a seed or test says otherwise).
// The routes that need a permission refuse without it, in each API's words, and the
// testIamPermissions routes (KMS key rings and keys, Storage buckets, Compute instances and
// instance templates) answer from the same roles. Roles hold only the permissions the sandbox's
// routes check, which is a subset of Google's roles.
import { json, readJson, type Router, type SandboxRequest } from '../http';
import { legacyError, rpcError } from './errors';

export const OWNER = 'roles/owner';

const KMS_ADMIN = [
  'cloudkms.keyRings.create',
  'cloudkms.keyRings.get',
  'cloudkms.keyRings.list',
  'cloudkms.cryptoKeys.create',
  'cloudkms.cryptoKeys.get',
  'cloudkms.cryptoKeys.list',
  'cloudkms.cryptoKeys.update',
  'cloudkms.cryptoKeyVersions.create',
  'cloudkms.cryptoKeyVersions.get',
  'cloudkms.cryptoKeyVersions.list',
  'cloudkms.cryptoKeyVersions.update',
  'cloudkms.cryptoKeyVersions.destroy',
  'cloudkms.cryptoKeyVersions.restore',
];
const OBJECT_VIEWER = ['storage.objects.get', 'storage.objects.list'];
const COMPUTE_VIEWER = [
  'compute.instances.get',
  'compute.instances.list',
  'compute.instanceTemplates.get',
  'compute.instanceTemplates.list',
];

/** The permissions of each predefined role that the sandbox checks. */
export const ROLE_PERMISSIONS: Record<string, string[]> = {
  'roles/cloudkms.admin': KMS_ADMIN,
  'roles/cloudkms.viewer': KMS_ADMIN.filter((p) => /\.(get|list)$/.test(p)),
  'roles/cloudkms.cryptoKeyEncrypterDecrypter': [
    'cloudkms.cryptoKeyVersions.useToEncrypt',
    'cloudkms.cryptoKeyVersions.useToDecrypt',
  ],
  'roles/cloudkms.cryptoKeyDecrypter': ['cloudkms.cryptoKeyVersions.useToDecrypt'],
  'roles/storage.admin': [
    'storage.buckets.create',
    'storage.buckets.get',
    'storage.buckets.list',
    'storage.buckets.update',
    'storage.buckets.delete',
    ...OBJECT_VIEWER,
    'storage.objects.create',
    'storage.objects.delete',
    'storage.objects.update',
  ],
  'roles/storage.objectAdmin': [
    ...OBJECT_VIEWER,
    'storage.objects.create',
    'storage.objects.delete',
    'storage.objects.update',
  ],
  'roles/storage.objectViewer': OBJECT_VIEWER,
  'roles/compute.instanceAdmin.v1': [
    ...COMPUTE_VIEWER,
    'compute.instances.create',
    'compute.instances.delete',
    'compute.instances.getSerialPortOutput',
    'compute.instances.reset',
    'compute.instances.setLabels',
    'compute.instances.start',
    'compute.instances.stop',
    'compute.instanceTemplates.create',
    'compute.instanceTemplates.delete',
    'compute.instanceTemplates.useReadOnly',
  ],
  'roles/compute.viewer': COMPUTE_VIEWER,
};

/** What each route needs: [method, path pattern, permission, API style]. */
const ROUTE_PERMISSIONS: Array<[string, RegExp, string]> = [
  ['POST', /^\/v1\/projects\/[^/]+\/locations\/[^/]+\/keyRings$/, 'cloudkms.keyRings.create'],
  ['GET', /^\/v1\/projects\/[^/]+\/locations\/[^/]+\/keyRings$/, 'cloudkms.keyRings.list'],
  ['GET', /\/keyRings\/[^/]+$/, 'cloudkms.keyRings.get'],
  ['POST', /\/keyRings\/[^/]+\/cryptoKeys$/, 'cloudkms.cryptoKeys.create'],
  ['GET', /\/cryptoKeys\/[^/:]+$/, 'cloudkms.cryptoKeys.get'],
  ['PATCH', /\/cryptoKeys\/[^/:]+$/, 'cloudkms.cryptoKeys.update'],
  ['POST', /\/cryptoKeys\/[^/]+:updatePrimaryVersion$/, 'cloudkms.cryptoKeys.update'],
  ['POST', /\/cryptoKeys\/[^/]+(\/cryptoKeyVersions\/[^/]+)?:encrypt$/, 'cloudkms.cryptoKeyVersions.useToEncrypt'],
  ['POST', /\/cryptoKeys\/[^/]+:decrypt$/, 'cloudkms.cryptoKeyVersions.useToDecrypt'],
  ['POST', /\/cryptoKeyVersions$/, 'cloudkms.cryptoKeyVersions.create'],
  ['GET', /\/cryptoKeyVersions$/, 'cloudkms.cryptoKeyVersions.list'],
  ['PATCH', /\/cryptoKeyVersions\/[^/:]+$/, 'cloudkms.cryptoKeyVersions.update'],
  ['POST', /\/cryptoKeyVersions\/[^/]+:destroy$/, 'cloudkms.cryptoKeyVersions.destroy'],
  ['POST', /^\/storage\/v1\/b$/, 'storage.buckets.create'],
  ['GET', /^\/storage\/v1\/b\/[^/]+$/, 'storage.buckets.get'],
  ['PATCH', /^\/storage\/v1\/b\/[^/]+$/, 'storage.buckets.update'],
  ['GET', /^\/storage\/v1\/b\/[^/]+\/o$/, 'storage.objects.list'],
  ['GET', /^(\/download)?\/storage\/v1\/b\/[^/]+\/o\/[^/]+$/, 'storage.objects.get'],
  ['DELETE', /^\/storage\/v1\/b\/[^/]+\/o\/[^/]+$/, 'storage.objects.delete'],
  ['POST', /^\/upload\/storage\/v1\/b\/[^/]+\/o$/, 'storage.objects.create'],
  ['POST', /\/zones\/[^/]+\/instances$/, 'compute.instances.create'],
  ['DELETE', /\/zones\/[^/]+\/instances\/[^/]+$/, 'compute.instances.delete'],
  ['POST', /\/zones\/[^/]+\/instances\/[^/]+\/(stop|start|reset)$/, 'compute.instances.$1'],
  ['GET', /\/zones\/[^/]+\/instances\/[^/]+\/serialPort$/, 'compute.instances.getSerialPortOutput'],
  ['POST', /\/global\/instanceTemplates$/, 'compute.instanceTemplates.create'],
];

export class GoogleIam {
  /** The caller's roles on the project; a seed or a test replaces them to take a permission away. */
  roles = new Set<string>([OWNER]);

  holds(permission: string): boolean {
    return this.roles.has(OWNER) || [...this.roles].some((r) => ROLE_PERMISSIONS[r]?.includes(permission));
  }

  /**
   * A testIamPermissions answer: the asked permissions the caller holds. Wildcards and permissions
   * of another service are refused (400), as IAM refuses them; `invalid` adds what the API says
   * cannot be tested on this resource (Storage: buckets.create and buckets.list, project permissions).
   */
  test(asked: string[], service: 'cloudkms' | 'storage' | 'compute', invalid: string[] = []): string[] {
    const bad = asked.find((p) => p.includes('*') || !p.startsWith(`${service}.`) || invalid.includes(p));
    if (bad) {
      const message = `Permission ${bad} is not valid for this resource.`;
      throw service === 'cloudkms' ? rpcError(400, message) : legacyError(400, message, 'invalid');
    }
    return [...new Set(asked.filter((p) => this.holds(p)))];
  }

  /** Refuses a request whose route needs a permission the caller lacks, in its API's words. */
  check(method: string, path: string): void {
    for (const [m, pattern, needs] of ROUTE_PERMISSIONS) {
      const match = m === method ? pattern.exec(path) : null;
      if (!match) continue;
      const permission = needs.replace('$1', match[1] ?? '');
      if (this.holds(permission)) return;
      const resource = path
        .replace(/^\/(download\/|upload\/)?(storage|compute)\/v1\/|^\/v1\//, '')
        .replace(/:\w+$/, '');
      if (path.startsWith('/v1/'))
        throw rpcError(403, `Permission '${permission}' denied on resource '${resource}' (or it may not exist).`);
      if (path.includes('/storage/v1/'))
        throw legacyError(
          403,
          `runner-ops@sandbox.iam.gserviceaccount.com does not have ${permission} access to the Google Cloud Storage resource. Permission '${permission}' denied on resource (or it may not exist).`,
          'forbidden',
        );
      throw legacyError(403, `Required '${permission}' permission for '${resource}'`, 'forbidden');
    }
  }
}

/** Storage's and Compute's testIamPermissions routes (KMS answers its own, in kms.ts). */
export function iamRoutes(
  iam: GoogleIam,
  find: {
    bucket(name: string): unknown;
    vm(project: string, zone: string, name: string): unknown;
    template(project: string, name: string): unknown;
  },
  router: Router,
): void {
  router.add('GET', '/storage/v1/b/:bucket/iam/testPermissions', (req, p) => {
    find.bucket(p.bucket);
    const asked = req.url.searchParams.getAll('permissions');
    if (!asked.length) throw legacyError(400, 'Required parameter: permissions', 'required');
    const held = iam.test(asked, 'storage', ['storage.buckets.create', 'storage.buckets.list']);
    return json(200, { kind: 'storage#testIamPermissionsResponse', ...(held.length ? { permissions: held } : {}) });
  });
  const compute = (req: SandboxRequest) => {
    const held = iam.test(readJson<{ permissions?: string[] }>(req).permissions ?? [], 'compute');
    return json(200, held.length ? { permissions: held } : {});
  };
  router.add('POST', '/compute/v1/projects/:project/zones/:zone/instances/:instance/testIamPermissions', (req, p) => {
    find.vm(p.project, p.zone, p.instance);
    return compute(req);
  });
  router.add(
    'POST',
    '/compute/v1/projects/:project/global/instanceTemplates/:template/testIamPermissions',
    (req, p) => {
      find.template(p.project, p.template);
      return compute(req);
    },
  );
}
