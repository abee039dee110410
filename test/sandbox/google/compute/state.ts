// Compute Engine state: instances and templates, and the actions that change them. Each action
// returns the zonal Operation the API would, and moves the VM through VmLifecycle.
import type { GoogleContext } from '../context';
import { hashHex } from '../hash';
import { computeAlreadyExists, computeNotFound, legacyError } from '../errors';
import type { VmLifecycle } from '../vm-lifecycle';
import { computeLinks, fingerprint, regionOf, vmKey, type Vm, type VmSpec } from './model';
import type { OperationError, Operations } from './operations';
import { metadataFingerprint } from './spec';

export interface InstanceTemplate {
  project: string;
  name: string;
  id: string;
  createdAt: number;
  spec: VmSpec;
}

/** Default VPC subnet ranges per region; other regions get a stable made-up /16. */
const SUBNET_PREFIX: Record<string, string> = {
  'europe-west1': '10.132',
  'us-central1': '10.128',
  'us-east1': '10.142',
  'europe-west4': '10.164',
};

export class ComputeState {
  readonly vms = new Map<string, Vm>();
  readonly templates = new Map<string, InstanceTemplate>();
  /** The projects that exist: Compute answers any other with 404 notFound (projects/P). */
  private readonly projects = new Set<string>();
  private readonly nextHost = new Map<string, number>();
  private readonly pendingInsertFailures: OperationError[] = [];
  private readonly requests = new Map<string, { zone: string; name: string }>();
  /** Called when a VM is gone for good (managed instance groups heal). */
  onVmDeleted: (vm: Vm) => void = () => {};

  constructor(
    private readonly ctx: GoogleContext,
    private readonly lifecycle: VmLifecycle,
    readonly operations: Operations,
  ) {}

  addProject(project: string): void {
    this.projects.add(project);
  }

  /** Throws Compute's 404 for a project that does not exist (a typo in runnerOps.gcp.project). */
  requireProject(project: string): void {
    if (!this.projects.has(project)) throw computeNotFound(`projects/${project}`);
  }

  vm(project: string, zone: string, name: string): Vm {
    const vm = this.vms.get(vmKey(project, zone, name));
    if (!vm) throw computeNotFound(`projects/${project}/zones/${zone}/instances/${name}`);
    return vm;
  }

  template(project: string, name: string): InstanceTemplate {
    const template = this.templates.get(`${project}/${name}`);
    if (!template) throw computeNotFound(`projects/${project}/global/instanceTemplates/${name}`);
    return template;
  }

  addTemplate(project: string, name: string, spec: VmSpec): InstanceTemplate {
    if (this.templates.has(`${project}/${name}`))
      throw computeAlreadyExists(`projects/${project}/global/instanceTemplates/${name}`);
    this.projects.add(project);
    const template = { project, name, id: this.ctx.newNumericId(), createdAt: this.ctx.now(), spec };
    this.templates.set(`${project}/${name}`, template);
    return template;
  }

  operationForRequest(project: string, requestId: string): { zone: string; name: string } | undefined {
    return this.requests.get(`${project}/${requestId}`);
  }

  rememberRequest(project: string, requestId: string, op: { zone: string; name: string }): void {
    this.requests.set(`${project}/${requestId}`, op);
  }

  /** The next insert in `zone` fails in its operation (e.g. ZONE_RESOURCE_POOL_EXHAUSTED). */
  failNextInsert(error: OperationError): void {
    this.pendingInsertFailures.push(error);
  }

  /** Registers a VM without starting it (seeds and inserts share this). */
  createVm(
    project: string,
    zone: string,
    name: string,
    spec: VmSpec,
    extras: Partial<Pick<Vm, 'createdBy' | 'sourceInstanceTemplate' | 'networkIP'>> = {},
  ): Vm {
    this.projects.add(project);
    const key = vmKey(project, zone, name);
    if (this.vms.has(key)) throw computeAlreadyExists(`projects/${project}/zones/${zone}/instances/${name}`);
    const id = this.ctx.newNumericId();
    const hostIndex = this.nextHost.get(regionOf(zone)) ?? 2;
    this.nextHost.set(regionOf(zone), hostIndex + 1);
    const vm: Vm = {
      project,
      zone,
      name,
      id,
      createdAt: this.ctx.now(),
      spec,
      status: 'PROVISIONING',
      networkIP: ipFor(regionOf(zone), hostIndex),
      natIP: spec.externalIp ? natIpFor(id) : undefined,
      labelFingerprint: fingerprint(spec.labels),
      metadataFingerprint: metadataFingerprint(spec.metadata),
      serial: new Map(),
      systemId: `s_${hashHex(id, 12)}`,
      bootGeneration: 0,
      // A fresh Debian boot disk with Docker and the runner image: about a fifth used.
      guest: { containers: [], diskUsedPercent: 21, attributes: new Map() },
      ...extras,
    };
    this.vms.set(key, vm);
    return vm;
  }

  insert(
    project: string,
    zone: string,
    name: string,
    spec: VmSpec,
    extras: Partial<Pick<Vm, 'createdBy' | 'sourceInstanceTemplate'>> = {},
  ) {
    const vm = this.createVm(project, zone, name, spec, extras);
    const failure = this.pendingInsertFailures.shift();
    const runningAt = failure ? this.ctx.now() + 3_000 : this.lifecycle.provision(vm);
    return this.operations.begin({
      ...this.target(vm, 'insert'),
      durationMs: runningAt - this.ctx.now(),
      complete: () => {
        if (!failure) return;
        this.vms.delete(vmKey(project, zone, name));
        return failure;
      },
    });
  }

  delete(vm: Vm) {
    const doneAt = this.lifecycle.stop(vm);
    return this.operations.begin({
      ...this.target(vm, 'delete'),
      durationMs: doneAt - this.ctx.now(),
      complete: () => {
        if (this.vms.get(vmKey(vm.project, vm.zone, vm.name)) !== vm) return;
        vm.bootGeneration++;
        this.vms.delete(vmKey(vm.project, vm.zone, vm.name));
        this.onVmDeleted(vm);
      },
    });
  }

  stop(vm: Vm) {
    if (vm.status === 'TERMINATED' || vm.status === 'STOPPING') throw notReady(vm);
    const doneAt = this.lifecycle.stop(vm);
    return this.operations.begin({ ...this.target(vm, 'stop'), durationMs: doneAt - this.ctx.now() });
  }

  start(vm: Vm) {
    if (vm.status === 'STOPPING') throw notReady(vm);
    // Starting a VM that is already up is a successful no-op, as on Compute Engine.
    const runningAt = vm.status === 'TERMINATED' ? this.lifecycle.start(vm) : this.ctx.now();
    return this.operations.begin({ ...this.target(vm, 'start'), durationMs: runningAt - this.ctx.now() });
  }

  reset(vm: Vm) {
    if (vm.status !== 'RUNNING') throw notReady(vm);
    this.lifecycle.reset(vm);
    return this.operations.begin({ ...this.target(vm, 'reset'), durationMs: 1_000 });
  }

  setLabels(vm: Vm, labels: Record<string, string>, labelFingerprint: string | undefined) {
    // A missing fingerprint fails the same way as a stale one (an If-Match precondition).
    if (labelFingerprint !== vm.labelFingerprint) {
      throw legacyError(412, 'Labels fingerprint either invalid or resource labels have changed', 'conditionNotMet', {
        location: 'If-Match',
        locationType: 'header',
      });
    }
    vm.spec.labels = { ...labels };
    vm.labelFingerprint = fingerprint([labels, this.ctx.now()]);
    return this.operations.begin({ ...this.target(vm, 'setLabels'), durationMs: 500 });
  }

  private target(vm: Vm, operationType: string) {
    const links = computeLinks(this.ctx, vm.project);
    return {
      project: vm.project,
      zone: vm.zone,
      operationType,
      targetLink: links.instance(vm.zone, vm.name),
      targetId: vm.id,
    };
  }
}

function notReady(vm: Vm) {
  return legacyError(
    400,
    `The resource 'projects/${vm.project}/zones/${vm.zone}/instances/${vm.name}' is not ready`,
    'resourceNotReady',
  );
}

function ipFor(region: string, hostIndex: number): string {
  const prefix = SUBNET_PREFIX[region] ?? `10.${100 + (parseInt(hashHex(region, 2), 16) % 100)}`;
  return `${prefix}.${Math.floor(hostIndex / 256)}.${hostIndex % 256}`;
}

function natIpFor(id: string): string {
  const h = Buffer.from(hashHex(id, 6), 'hex');
  return `34.${40 + (h[0] % 100)}.${h[1]}.${1 + (h[2] % 254)}`;
}
