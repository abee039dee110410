// Compute instances REST routes: list (filter, paging), aggregatedList, get, insert, delete,
// start/stop/reset, setLabels, getSerialPortOutput, getGuestAttributes, and zone operations get/wait/list.
import { json, readJson, type Router, type SandboxRequest } from '../../http';
import type { GoogleContext } from '../context';
import { offsetFromPageToken, paginate } from '../context';
import { computeInvalid, computeNotFound, legacyError } from '../errors';
import { compileComputeFilter } from './filter';
import { computeLinks, renderVm, type Vm } from './model';
import type { ComputeState } from './state';
import { specFrom, validateName, validateZone } from './spec';

const ZONES_ALWAYS_LISTED = [
  'us-central1-a',
  'us-central1-b',
  'us-central1-c',
  'us-central1-f',
  'us-east1-b',
  'us-east1-c',
  'us-east1-d',
  'europe-west1-b',
  'europe-west1-c',
  'europe-west1-d',
  'europe-west4-a',
  'europe-west4-b',
  'asia-east1-a',
];

export function instanceRoutes(ctx: GoogleContext, compute: ComputeState, router: Router): void {
  const base = '/compute/v1/projects/:project/zones/:zone';
  const vmOf = (p: Record<string, string>) => compute.vm(p.project, p.zone, p.instance);
  /** A retried mutation with the same `requestId` gets the original operation back, not a second action. */
  const once = (req: SandboxRequest, p: Record<string, string>, act: () => Record<string, unknown>) => {
    const requestId = req.url.searchParams.get('requestId');
    if (!requestId) return json(200, act());
    const earlier = compute.operationForRequest(p.project, requestId);
    if (earlier) return json(200, compute.operations.get(p.project, String(earlier.zone), String(earlier.name)));
    const op = act();
    compute.rememberRequest(p.project, requestId, { zone: p.zone, name: String(op.name) });
    return json(200, op);
  };

  router.add('GET', `${base}/instances`, (req, p) => {
    validateZone(p.zone);
    const q = req.url.searchParams;
    const matches = compileComputeFilter(q.get('filter'));
    const all = orderBy(
      sortedVms(compute, (vm) => vm.project === p.project && vm.zone === p.zone),
      q.get('orderBy'),
    )
      .map((vm) => renderVm(ctx, vm))
      .filter(matches);
    const { page, nextPageToken } = paginate(all, offsetFromPageToken(q.get('pageToken'), invalidToken), pageSizeOf(q));
    return json(200, {
      kind: 'compute#instanceList',
      id: `projects/${p.project}/zones/${p.zone}/instances`,
      ...(page.length ? { items: page } : {}), // Compute omits empty lists
      ...(nextPageToken ? { nextPageToken } : {}),
      selfLink: `${computeLinks(ctx, p.project).zone(p.zone)}/instances`,
    });
  });

  router.add('GET', '/compute/v1/projects/:project/aggregated/instances', (req, p) => {
    const q = req.url.searchParams;
    const matches = compileComputeFilter(q.get('filter'));
    const all = sortedVms(compute, (vm) => vm.project === p.project)
      .map((vm) => ({ zone: vm.zone, json: renderVm(ctx, vm) }))
      .filter((x) => matches(x.json));
    const { page, nextPageToken } = paginate(all, offsetFromPageToken(q.get('pageToken'), invalidToken), pageSizeOf(q));
    const zones = new Set([
      ...ZONES_ALWAYS_LISTED,
      ...[...compute.vms.values()].filter((vm) => vm.project === p.project).map((vm) => vm.zone),
    ]);
    const items: Record<string, unknown> = {};
    for (const zone of [...zones].sort()) {
      const instances = page.filter((x) => x.zone === zone).map((x) => x.json);
      items[`zones/${zone}`] = instances.length
        ? { instances }
        : {
            warning: {
              code: 'NO_RESULTS_ON_PAGE',
              message: `There are no results for scope 'zones/${zone}' on this page.`,
              data: [{ key: 'scope', value: `zones/${zone}` }],
            },
          };
    }
    return json(200, {
      kind: 'compute#instanceAggregatedList',
      id: `projects/${p.project}/aggregated/instances`,
      items,
      ...(nextPageToken ? { nextPageToken } : {}),
      selfLink: `${computeLinks(ctx, p.project).project}/aggregated/instances`,
    });
  });

  router.add('GET', `${base}/instances/:instance`, (_req, p) => json(200, renderVm(ctx, vmOf(p))));

  router.add('POST', `${base}/instances`, (req, p) => {
    validateZone(p.zone);
    const body = readJson<Record<string, unknown>>(req);
    const templateRef = req.url.searchParams.get('sourceInstanceTemplate');
    const template = templateRef ? compute.template(p.project, templateRef.split('/').pop()!) : undefined;
    const name = validateName(body.name);
    const spec = specFrom(body, template?.spec);
    const sourceInstanceTemplate = template ? computeLinks(ctx, p.project).template(template.name) : undefined;
    return once(req, p, () => compute.insert(p.project, p.zone, name, spec, { sourceInstanceTemplate }));
  });

  router.add('DELETE', `${base}/instances/:instance`, (req, p) => once(req, p, () => compute.delete(vmOf(p))));
  router.add('POST', `${base}/instances/:instance/stop`, (req, p) => once(req, p, () => compute.stop(vmOf(p))));
  router.add('POST', `${base}/instances/:instance/start`, (req, p) => once(req, p, () => compute.start(vmOf(p))));
  router.add('POST', `${base}/instances/:instance/reset`, (req, p) => once(req, p, () => compute.reset(vmOf(p))));
  router.add('POST', `${base}/instances/:instance/setLabels`, (req, p) => {
    const body = readJson<{ labels?: Record<string, string>; labelFingerprint?: string }>(req);
    return once(req, p, () => compute.setLabels(vmOf(p), body.labels ?? {}, body.labelFingerprint));
  });

  router.add('GET', `${base}/instances/:instance/serialPort`, (req, p) => {
    const vm = vmOf(p);
    // A stopped VM has no console to read.
    if (vm.status === 'TERMINATED')
      throw legacyError(
        400,
        `The resource 'projects/${vm.project}/zones/${vm.zone}/instances/${vm.name}' is not ready`,
        'resourceNotReady',
      );
    const q = req.url.searchParams;
    const port = Number(q.get('port') ?? 1);
    if (!Number.isInteger(port) || port < 1 || port > 4)
      throw computeInvalid(`Invalid value for field 'port': '${q.get('port')}'. Must be between 1 and 4.`);
    const start = Number(q.get('start') ?? 0);
    if (!Number.isInteger(start)) throw computeInvalid(`Invalid value for field 'start': '${q.get('start')}'.`);
    const read = vm.serial.get(port)?.read(start) ?? { contents: '', start: 0, next: 0 };
    return json(200, {
      kind: 'compute#serialPortOutput',
      contents: read.contents,
      start: String(read.start),
      next: String(read.next),
      selfLink: `${computeLinks(ctx, vm.project).instance(vm.zone, vm.name)}/serialPort`,
    });
  });

  router.add('GET', `${base}/instances/:instance/getGuestAttributes`, (req, p) => {
    const vm = vmOf(p);
    const q = req.url.searchParams;
    const guestLink = `${computeLinks(ctx, vm.project).instance(vm.zone, vm.name)}/guestAttributes`;
    const notFound = (path: string) =>
      computeNotFound(`projects/${vm.project}/zones/${vm.zone}/instances/${vm.name}/guestAttributes/${path}`);
    // variableKey names one entry, `namespace/key`: its value alone.
    const variableKey = q.get('variableKey');
    if (variableKey) {
      const value = vm.guest.attributes.get(variableKey);
      if (value === undefined) throw notFound(variableKey);
      return json(200, {
        kind: 'compute#guestAttributes',
        variableKey,
        variableValue: value,
        selfLink: `${guestLink}/${variableKey}`,
      });
    }
    // queryPath: the default namespace (''), a namespace (`ns/`) or one key (`ns/key`); nothing there is a 404.
    const queryPath = q.get('queryPath') ?? '';
    const items = [...vm.guest.attributes]
      .map(([path, value]) => ({
        path,
        namespace: path.slice(0, path.indexOf('/')),
        key: path.slice(path.indexOf('/') + 1),
        value,
      }))
      .filter((e) =>
        queryPath.endsWith('/') || queryPath === '' ? `${e.namespace}/` === (queryPath || '/') : e.path === queryPath,
      )
      .sort((a, b) => (a.path < b.path ? -1 : 1))
      .map(({ namespace, key, value }) => ({ namespace, key, value }));
    if (items.length === 0) throw notFound(queryPath);
    return json(200, {
      kind: 'compute#guestAttributes',
      queryPath,
      queryValue: { items },
      selfLink: `${guestLink}/${queryPath}`,
    });
  });

  router.add('GET', `${base}/operations/:operation`, (_req, p) =>
    json(200, compute.operations.get(p.project, p.zone, p.operation)),
  );
  router.add('POST', `${base}/operations/:operation/wait`, async (_req, p) =>
    json(200, await compute.operations.wait(p.project, p.zone, p.operation)),
  );
  router.add('GET', `${base}/operations`, (_req, p) =>
    json(200, {
      kind: 'compute#operationList',
      id: `projects/${p.project}/zones/${p.zone}/operations`,
      items: compute.operations.list(p.project, p.zone),
    }),
  );
}

/** Compute sorts by name, or newest first with `creationTimestamp desc`; nothing else. */
function orderBy(vms: Vm[], order: string | null): Vm[] {
  if (!order || order === 'name') return vms;
  if (order === 'creationTimestamp desc') return [...vms].sort((a, b) => b.createdAt - a.createdAt);
  throw computeInvalid(
    `Invalid value for field 'orderBy': '${order}'. Only ordering by name or creationTimestamp desc is supported.`,
  );
}

function sortedVms(compute: ComputeState, keep: (vm: Vm) => boolean): Vm[] {
  return [...compute.vms.values()]
    .filter(keep)
    .sort((a, b) => (a.zone === b.zone ? cmp(a.name, b.name) : cmp(a.zone, b.zone)));
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Compute pages hold at most 500 items (the default too). */
export function pageSizeOf(q: URLSearchParams): number {
  const raw = q.get('maxResults');
  if (raw === null) return 500;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 500)
    throw computeInvalid(`Invalid value for field 'maxResults': '${raw}'. Must be less than or equal to 500`);
  return n === 0 ? 500 : n;
}

export const invalidToken = () => computeInvalid("Invalid value for field 'pageToken'.");
