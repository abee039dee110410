// The Compute calls of the worker check and fix: read the instance template, create it (the
// reviewed startup script in its metadata), create a VM from it and wait for the operation.
// Loaded lazily, in the Compute bundle (one copy of the client and its pruned descriptor).
import { InstanceTemplatesClient } from '@google-cloud/compute/build/src/v1/instance_templates_client';
import type { ClientOptions } from 'google-gax';
import type { RunnerOpsSettings } from '../config/settings';
import type { TemplateFacts } from '../core/checklist';
import type { WorkerTemplateSpec } from '../core/bootstrap-fixes';
import { PACE } from '../core/pace';
import { gaxOptions } from './client-options';
import { instancesClient } from './compute';
import { toGcpFailure } from './gcp-failure';

type GoogleSettings = Pick<RunnerOpsSettings, 'gcpProject' | 'credentials' | 'endpoints'>;
const CALL = PACE.google.compute;

export class WorkerCompute {
  private readonly templates: InstanceTemplatesClient;

  constructor(private readonly settings: GoogleSettings) {
    this.templates = new InstanceTemplatesClient(gaxOptions(settings, 'compute') as ClientOptions);
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

  /** Creates the VM from the template and waits until Compute says the insert is done (the VM is RUNNING). */
  async createVm(project: string, zone: string, name: string, template: string): Promise<void> {
    try {
      const [operation] = await instancesClient(this.settings).insert(
        {
          project,
          zone,
          sourceInstanceTemplate: `global/instanceTemplates/${template}`,
          instanceResource: { name },
        },
        CALL,
      );
      await operation.promise();
    } catch (e) {
      throw toGcpFailure(e, {
        source: 'compute',
        rpc: 'compute.instances.insert',
        attempted: `create VM ${name} in ${zone} from ${template}`,
      });
    }
  }

  async close(): Promise<void> {
    await this.templates.close();
  }
}
