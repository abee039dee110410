// The Compute Engine methods Runner Ops calls, per service: the one place that says so. The
// bundle's descriptor keeps these methods and the types they reach, nothing else
// (scripts/build.mjs reads this file: Compute's client builds its descriptor in about 20 ms
// instead of 70), and the clients are typed to them (computeClient below), so a call to any
// other method is a compile error rather than a failure in the field.
import { InstanceGroupManagersClient } from '@google-cloud/compute/build/src/v1/instance_group_managers_client';
import { InstanceTemplatesClient } from '@google-cloud/compute/build/src/v1/instance_templates_client';
import { InstancesClient } from '@google-cloud/compute/build/src/v1/instances_client';
import { ZoneOperationsClient } from '@google-cloud/compute/build/src/v1/zone_operations_client';
import type { ClientOptions } from 'google-gax';

export const COMPUTE_METHODS = {
  Instances: [
    'list',
    'aggregatedList',
    'get',
    'insert',
    'delete',
    'setLabels',
    'getGuestAttributes',
    'getSerialPortOutput',
    'testIamPermissions',
  ],
  ZoneOperations: ['get', 'wait'],
  InstanceTemplates: ['list', 'get', 'insert', 'testIamPermissions'],
  InstanceGroupManagers: ['get', 'recreateInstances'],
} as const;

type Service = keyof typeof COMPUTE_METHODS;
const CLIENTS = {
  Instances: InstancesClient,
  ZoneOperations: ZoneOperationsClient,
  InstanceTemplates: InstanceTemplatesClient,
  InstanceGroupManagers: InstanceGroupManagersClient,
};
type Method<S extends Service> = (typeof COMPUTE_METHODS)[S][number];
/** A client with only the methods its service keeps (and their paginated forms), and close(). */
export type ComputeClient<S extends Service> = Pick<
  InstanceType<(typeof CLIENTS)[S]>,
  Extract<keyof InstanceType<(typeof CLIENTS)[S]>, Method<S> | `${Method<S>}Async` | 'close'>
>;

export function computeClient<S extends Service>(service: S, options: ClientOptions): ComputeClient<S> {
  return new CLIENTS[service](options) as unknown as ComputeClient<S>;
}
