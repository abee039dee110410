// Global instance templates: get, list, insert, delete.
import { json, readJson, type Router } from '../../http';
import type { GoogleContext } from '../context';
import { offsetFromPageToken, paginate, rfc3339 } from '../context';
import { compileComputeFilter } from './filter';
import { invalidToken, pageSizeOf } from './instances';
import { computeLinks } from './model';
import type { ComputeState, InstanceTemplate } from './state';
import { metadataFingerprint, specFrom, validateName } from './spec';

export function templateRoutes(ctx: GoogleContext, compute: ComputeState, router: Router): void {
  const base = '/compute/v1/projects/:project/global/instanceTemplates';
  router.add('GET', base, (req, p) => {
    const q = req.url.searchParams;
    const matches = compileComputeFilter(q.get('filter'));
    const all = [...compute.templates.values()]
      .filter((t) => t.project === p.project)
      .sort((a, b) => (a.name < b.name ? -1 : 1))
      .map((t) => renderTemplate(ctx, t))
      .filter(matches);
    const { page, nextPageToken } = paginate(all, offsetFromPageToken(q.get('pageToken'), invalidToken), pageSizeOf(q));
    return json(200, {
      kind: 'compute#instanceTemplateList',
      id: `projects/${p.project}/global/instanceTemplates`,
      ...(page.length ? { items: page } : {}),
      ...(nextPageToken ? { nextPageToken } : {}),
      selfLink: `${computeLinks(ctx, p.project).project}/global/instanceTemplates`,
    });
  });
  router.add('GET', `${base}/:template`, (_req, p) =>
    json(200, renderTemplate(ctx, compute.template(p.project, p.template))),
  );
  router.add('POST', base, (req, p) => {
    const body = readJson<{ name?: string; properties?: Record<string, unknown> }>(req);
    const template = compute.addTemplate(p.project, validateName(body.name), specFrom(body.properties ?? {}));
    const link = computeLinks(ctx, p.project).template(template.name);
    return json(200, globalOperation(ctx, p.project, 'insert', link, template.id));
  });
  router.add('DELETE', `${base}/:template`, (_req, p) => {
    const template = compute.template(p.project, p.template);
    compute.templates.delete(`${p.project}/${p.template}`);
    return json(
      200,
      globalOperation(ctx, p.project, 'delete', computeLinks(ctx, p.project).template(template.name), template.id),
    );
  });
}

/** Template changes complete at once; their global operation is returned already DONE. */
function globalOperation(
  ctx: GoogleContext,
  project: string,
  operationType: string,
  targetLink: string,
  targetId: string,
) {
  const now = rfc3339(ctx.now());
  const name = `operation-${ctx.now()}-${ctx.newNumericId().slice(0, 8)}`;
  return {
    kind: 'compute#operation',
    id: ctx.newNumericId(),
    name,
    operationType,
    targetLink,
    targetId,
    status: 'DONE',
    progress: 100,
    insertTime: now,
    startTime: now,
    endTime: now,
    selfLink: `${computeLinks(ctx, project).project}/global/operations/${name}`,
  };
}

export function renderTemplate(ctx: GoogleContext, t: InstanceTemplate): Record<string, unknown> {
  const links = computeLinks(ctx, t.project);
  const spec = t.spec;
  return {
    kind: 'compute#instanceTemplate',
    id: t.id,
    creationTimestamp: rfc3339(t.createdAt),
    name: t.name,
    description: spec.description,
    properties: {
      machineType: spec.machineType,
      canIpForward: false,
      networkInterfaces: [
        {
          kind: 'compute#networkInterface',
          network: links.network,
          name: 'nic0',
          accessConfigs: spec.externalIp
            ? [{ kind: 'compute#accessConfig', type: 'ONE_TO_ONE_NAT', name: 'External NAT', networkTier: 'PREMIUM' }]
            : [],
        },
      ],
      disks: [
        {
          kind: 'compute#attachedDisk',
          type: 'PERSISTENT',
          mode: 'READ_WRITE',
          deviceName: 'persistent-disk-0',
          index: 0,
          boot: true,
          autoDelete: true,
          initializeParams: {
            sourceImage: spec.sourceImage,
            diskSizeGb: String(spec.diskSizeGb),
            diskType: 'pd-balanced',
          },
        },
      ],
      metadata: { kind: 'compute#metadata', fingerprint: metadataFingerprint(spec.metadata), items: spec.metadata },
      labels: spec.labels,
      tags: { items: spec.tags },
      serviceAccounts: spec.serviceAccounts,
      scheduling: {
        onHostMaintenance: 'MIGRATE',
        automaticRestart: true,
        preemptible: false,
        provisioningModel: 'STANDARD',
      },
    },
    selfLink: links.template(t.name),
  };
}
