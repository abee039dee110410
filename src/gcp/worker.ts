// The Compute calls of the worker check and fix: read the instance template, create it (the
// reviewed startup script in its metadata), create a VM from it and wait for the operation.
// Loaded lazily, in the Compute bundle (one copy of the client and its pruned descriptor).
import { computeClient, type ComputeClient } from './compute-methods';
import type { protos } from '@google-cloud/compute';
import type { ClientOptions } from 'google-gax';
import type { RunnerOpsSettings } from '../config/settings';
import type { TemplateFacts } from '../core/checklist';
import type { WorkerTemplateSpec } from '../core/bootstrap-fixes';
import type { PermissionTarget } from '../core/gcp-permissions';
import { PACE } from '../core/pace';
import { gaxOptions } from './client-options';
import { instancesClient } from './compute';
import { toGcpFailure } from './gcp-failure';

type GoogleSettings = Pick<RunnerOpsSettings, 'gcpProject' | 'credentials' | 'endpoints'>;
const CALL = PACE.google.compute;
/** What insert hands back: an operation (as an LRO wrapper or the bare resource). */
type Operation = { name?: string | null; latestResponse?: protos.google.cloud.compute.v1.IOperation };

export class WorkerCompute {
  private readonly templates: ComputeClient<'InstanceTemplates'>;
  private operations?: ComputeClient<'ZoneOperations'>;

  constructor(private readonly settings: GoogleSettings) {
    this.templates = computeClient('InstanceTemplates', gaxOptions(settings, 'compute') as ClientOptions);
  }

  async template(project: string, name: string): Promise<TemplateFacts | undefined> {
    try {
      const [t] = await this.templates.get({ project, instanceTemplate: name }, CALL);
      const items = t.properties?.metadata?.items ?? [];
      return {
        name,
        metadata: Object.fromEntries(items.map((i) => [i.key ?? '', i.value ?? ''])),
        labels: (t.properties?.labels ?? {}) as Record<string, string>,
      };
    } catch (e) {
      const failure = toGcpFailure(e, {
        source: 'compute',
        rpc: 'compute.instanceTemplates.get',
        attempted: `read instance template ${name}`,
      });
      if (failure.kind === 'not-found') return undefined;
      throw failure;
    }
  }

  /** testIamPermissions on the instance template or a VM; undefined when it does not exist. */
  async permissions(target: PermissionTarget, permissions: string[]): Promise<string[] | undefined> {
    if (target.kind !== 'template' && target.kind !== 'vm')
      throw new Error(`Compute cannot test permissions on a ${target.kind}.`);
    const testPermissionsRequestResource = { permissions };
    try {
      const [answer] =
        target.kind === 'template'
          ? await this.templates.testIamPermissions(
              { project: target.project, resource: target.name, testPermissionsRequestResource },
              CALL,
            )
          : await instancesClient(this.settings).testIamPermissions(
              { project: target.project, zone: target.zone, resource: target.name, testPermissionsRequestResource },
              CALL,
            );
      return answer.permissions ?? [];
    } catch (e) {
      const what = target.kind === 'vm' ? 'instances' : 'instanceTemplates';
      const failure = toGcpFailure(e, {
        source: 'compute',
        rpc: `compute.${what}.testIamPermissions`,
        attempted: `test permissions on ${target.kind === 'vm' ? 'VM' : 'instance template'} ${target.name}`,
      });
      if (failure.kind === 'not-found') return undefined;
      throw failure;
    }
  }

  async createTemplate(project: string, spec: WorkerTemplateSpec): Promise<void> {
    try {
      await this.templates.insert(
        {
          project,
          instanceTemplateResource: {
            name: spec.name,
            description: 'GitLab runner worker (created by Runner Ops)',
            properties: {
              machineType: spec.machineType,
              labels: spec.labels,
              tags: { items: ['gitlab-runner'] },
              metadata: { items: Object.entries(spec.metadata).map(([key, value]) => ({ key, value })) },
              disks: [
                {
                  boot: true,
                  autoDelete: true,
                  type: 'PERSISTENT',
                  initializeParams: {
                    sourceImage: 'projects/debian-cloud/global/images/family/debian-12',
                    diskSizeGb: 50,
                  },
                },
              ],
              networkInterfaces: [
                {
                  network: 'global/networks/default',
                  accessConfigs: [{ type: 'ONE_TO_ONE_NAT', name: 'External NAT' }],
                },
              ],
              serviceAccounts: [{ email: 'default', scopes: ['https://www.googleapis.com/auth/cloud-platform'] }],
            },
          },
        },
        CALL,
      );
    } catch (e) {
      throw toGcpFailure(e, {
        source: 'compute',
        rpc: 'compute.instanceTemplates.insert',
        attempted: `create instance template ${spec.name}`,
      });
    }
  }

  /**
   * Creates the VM from the template and waits until Compute says the insert is done (the VM is
   * RUNNING). The same `requestId` sent again gets the first insert's operation back.
   */
  async createVm(project: string, zone: string, name: string, template: string, requestId?: string): Promise<void> {
    try {
      const [operation] = await instancesClient(this.settings).insert(
        {
          project,
          zone,
          requestId,
          sourceInstanceTemplate: `global/instanceTemplates/${template}`,
          instanceResource: { name },
        },
        CALL,
      );
      await this.waitFor(project, zone, operation as unknown as Operation);
    } catch (e) {
      throw toGcpFailure(e, {
        source: 'compute',
        rpc: 'compute.instances.insert',
        attempted: `create VM ${name} in ${zone} from ${template}`,
      });
    }
  }

  /** Waits on the zonal operation until DONE (ZoneOperations.wait answers within two minutes, done or not). */
  private async waitFor(project: string, zone: string, started: Operation): Promise<void> {
    const name = started.latestResponse?.name ?? started.name;
    if (!name) return;
    this.operations ??= computeClient('ZoneOperations', gaxOptions(this.settings, 'compute') as ClientOptions);
    for (let round = 0; round < PACE.google.workerCreateWaits; round++) {
      const [op] = await this.operations.wait({ project, zone, operation: name }, CALL);
      if (op.status === 'DONE') {
        const error = op.error?.errors?.[0];
        if (error) throw new Error(`${error.code ?? 'ERROR'}: ${error.message ?? 'the operation failed'}`);
        return;
      }
    }
    throw new Error(`operation ${name} is still running; the VM may yet appear in the Runner VMs view`);
  }

  async close(): Promise<void> {
    await Promise.all([this.templates.close(), this.operations?.close()]);
  }
}
