// Zonal managed instance groups: list/get, listManagedInstances, recreateInstances, and the
// group's own healing (a member deleted behind its back is created again from the template).
import { json, readJson, type Router } from '../../http';
import type { GoogleContext } from '../context';
import { rfc3339 } from '../context';
import { computeNotFound, computeInvalid } from '../errors';
import { PROVISION_MS, STAGING_MS } from '../vm-lifecycle';
import { computeLinks, fingerprint, type Vm } from './model';
import type { ComputeState } from './state';

type MemberAction = 'CREATING' | 'RECREATING';

export interface ManagedGroup {
  project: string;
  zone: string;
  name: string;
  id: string;
  createdAt: number;
  templateName: string;
  baseInstanceName: string;
  targetSize: number;
  members: Set<string>;
  actions: Map<string, MemberAction>;
}

export class ManagedGroups {
  readonly groups = new Map<string, ManagedGroup>();

  constructor(
    private readonly ctx: GoogleContext,
    private readonly compute: ComputeState,
  ) {
    compute.onVmDeleted = (vm) => this.replaceIfManaged(vm);
  }

  create(
    project: string,
    zone: string,
    name: string,
    templateName: string,
    baseInstanceName: string,
    targetSize: number,
  ): ManagedGroup {
    const group: ManagedGroup = {
      project,
      zone,
      name,
      id: this.ctx.newNumericId(),
      createdAt: this.ctx.now(),
      templateName,
      baseInstanceName,
      targetSize,
      members: new Set(),
      actions: new Map(),
    };
    this.groups.set(`${project}/${zone}/${name}`, group);
    return group;
  }

  createdByOf(group: ManagedGroup): string {
    return `projects/${group.project}/zones/${group.zone}/instanceGroupManagers/${group.name}`;
  }

  group(project: string, zone: string, name: string): ManagedGroup {
    const group = this.groups.get(`${project}/${zone}/${name}`);
    if (!group) throw computeNotFound(`projects/${project}/zones/${zone}/instanceGroupManagers/${name}`);
    return group;
  }

  recreate(group: ManagedGroup, instanceUrls: string[]) {
    const names = instanceUrls.map((url) => url.split('/').pop()!);
    for (const name of names) {
      if (!group.members.has(name)) {
        throw computeInvalid(
          `Invalid value for field 'resource.instances[0]': '${name}'. The instance is not a member of the instance group.`,
        );
      }
    }
    for (const name of names) {
      group.actions.set(name, 'RECREATING');
      this.compute.delete(this.compute.vm(group.project, group.zone, name));
    }
    return this.compute.operations.begin({
      project: group.project,
      zone: group.zone,
      operationType: 'compute.instanceGroupManagers.recreateInstances',
      targetLink: computeLinks(this.ctx, group.project).igm(group.zone, group.name),
      targetId: group.id,
      durationMs: 500,
    });
  }

  private replaceIfManaged(vm: Vm): void {
    const group = [...this.groups.values()].find((g) => this.createdByOf(g) === vm.createdBy && g.members.has(vm.name));
    if (!group) return;
    if (!group.actions.has(vm.name)) group.actions.set(vm.name, 'CREATING');
    const template = this.compute.template(group.project, group.templateName);
    this.compute.insert(group.project, group.zone, vm.name, structuredClone(template.spec), {
      createdBy: vm.createdBy,
      sourceInstanceTemplate: computeLinks(this.ctx, group.project).template(template.name),
    });
    this.ctx.scheduler.at(this.ctx.now() + PROVISION_MS + STAGING_MS, () => group.actions.delete(vm.name));
  }
}

export function igmRoutes(ctx: GoogleContext, compute: ComputeState, groups: ManagedGroups, router: Router): void {
  const base = '/compute/v1/projects/:project/zones/:zone/instanceGroupManagers';
  const render = (g: ManagedGroup) => renderGroup(ctx, g);
  router.add('GET', base, (_req, p) => {
    const items = [...groups.groups.values()].filter((g) => g.project === p.project && g.zone === p.zone).map(render);
    return json(200, {
      kind: 'compute#instanceGroupManagerList',
      id: `projects/${p.project}/zones/${p.zone}/instanceGroupManagers`,
      ...(items.length ? { items } : {}),
      selfLink: `${computeLinks(ctx, p.project).zone(p.zone)}/instanceGroupManagers`,
    });
  });
  router.add('GET', `${base}/:igm`, (_req, p) => json(200, render(groups.group(p.project, p.zone, p.igm))));
  router.add('POST', `${base}/:igm/listManagedInstances`, (_req, p) => {
    const group = groups.group(p.project, p.zone, p.igm);
    const links = computeLinks(ctx, group.project);
    const managedInstances = [...group.members].sort().map((name) => {
      const vm = compute.vms.get(`${group.project}/${group.zone}/${name}`);
      return {
        instance: links.instance(group.zone, name),
        name,
        ...(vm ? { id: vm.id, instanceStatus: vm.status } : {}),
        currentAction: group.actions.get(name) ?? 'NONE',
        version: { instanceTemplate: links.template(group.templateName) },
      };
    });
    return json(200, { managedInstances });
  });
  router.add('POST', `${base}/:igm/recreateInstances`, (req, p) => {
    const body = readJson<{ instances?: string[] }>(req);
    return json(200, groups.recreate(groups.group(p.project, p.zone, p.igm), body.instances ?? []));
  });
}

function renderGroup(ctx: GoogleContext, g: ManagedGroup): Record<string, unknown> {
  const links = computeLinks(ctx, g.project);
  const count = (a: MemberAction) => [...g.actions.values()].filter((x) => x === a).length;
  const stable = g.actions.size === 0;
  return {
    kind: 'compute#instanceGroupManager',
    id: g.id,
    creationTimestamp: rfc3339(g.createdAt),
    name: g.name,
    zone: links.zone(g.zone),
    instanceTemplate: links.template(g.templateName),
    versions: [{ instanceTemplate: links.template(g.templateName), targetSize: { calculated: g.targetSize } }],
    instanceGroup: links.instanceGroup(g.zone, g.name),
    baseInstanceName: g.baseInstanceName,
    fingerprint: fingerprint([g.templateName, g.targetSize]),
    currentActions: {
      none: g.members.size - g.actions.size,
      creating: count('CREATING'),
      creatingWithoutRetries: 0,
      verifying: 0,
      recreating: count('RECREATING'),
      deleting: 0,
      abandoning: 0,
      restarting: 0,
      refreshing: 0,
      suspending: 0,
      resuming: 0,
      stopping: 0,
      starting: 0,
    },
    status: {
      isStable: stable,
      versionTarget: { isReached: stable },
      stateful: { hasStatefulConfig: false, perInstanceConfigs: { allEffective: true } },
    },
    targetSize: g.targetSize,
    listManagedInstancesResults: 'PAGELESS',
    selfLink: links.igm(g.zone, g.name),
    updatePolicy: {
      type: 'OPPORTUNISTIC',
      instanceRedistributionType: 'NONE',
      minimalAction: 'REPLACE',
      maxSurge: { fixed: 1, calculated: 1 },
      maxUnavailable: { fixed: 1, calculated: 1 },
      replacementMethod: 'RECREATE',
    },
    instanceLifecyclePolicy: { forceUpdateOnRepair: 'NO', defaultActionOnFailure: 'REPAIR' },
  };
}
