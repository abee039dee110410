// Google client options from the runnerOps.gcp.* settings: an endpoint override (Private Service
// Connect, or the loopback sandbox) and the credentials mode. Shared by the gax-based clients
// (Compute, KMS, Logging); Cloud Storage takes a full URL instead and builds its own.
import { PassThroughClient } from 'google-auth-library';
import type { ClientOptions } from 'google-gax';
import type { RunnerOpsSettings } from '../config/settings';

export type GaxService = 'compute' | 'kms' | 'logging';

/** fallback: REST transport (KMS and Logging default to gRPC, which Runner Ops does not use). */
export type GaxClientOptions = ClientOptions;

type GaxSettings = Pick<RunnerOpsSettings, 'gcpProject' | 'credentials' | 'endpoints'>;

export function gaxOptions(settings: GaxSettings, service: GaxService): GaxClientOptions {
  const options: ClientOptions = {
    projectId: settings.gcpProject || undefined,
    fallback: service === 'compute' ? undefined : true,
  };
  const endpoint = settings.endpoints[service]?.trim();
  if (endpoint) {
    // gax wants host, port and protocol apart: "127.0.0.1:8080" alone would go to port 443.
    const url = new URL(endpoint.includes('://') ? endpoint : `https://${endpoint}`);
    const protocol = url.protocol === 'http:' ? 'http' : 'https';
    options.apiEndpoint = url.hostname;
    options.port = url.port ? Number(url.port) : protocol === 'http' ? 80 : 443;
    options.protocol = protocol;
  }
  if (settings.credentials === 'none') options.authClient = new PassThroughClient();
  return options;
}
