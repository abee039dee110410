// Turns a Google client error (GoogleError with a gRPC code, or a network error) into a
// GcpFailure for the views: it names the service, what was attempted and what fixes it.
import { GcpFailure, type GcpService } from '../core/failures';

const GRPC = {
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
};

export function toGcpFailure(error: unknown, service: GcpService, attempted: string): GcpFailure {
  if (error instanceof Error && error.name === 'GcpFailure') return error as GcpFailure;
  const e = error as { code?: number | string; message?: unknown; details?: unknown };
  const text =
    [e?.details, e?.message].find((v): v is string => typeof v === 'string' && v.length > 0) ?? String(error);
  // gax prefixes REST errors with "3 INVALID_ARGUMENT: "; the rest is Google's own sentence.
  const message = text
    .replace(/^\d+ [A-Z_]+: /, '')
    .replace(/\s+/g, ' ')
    .slice(0, 300);
  const code = typeof e?.code === 'number' ? e.code : undefined;
  if (/SERVICE_DISABLED|has not been used in project|it is disabled/i.test(message)) {
    return new GcpFailure(
      'api-disabled',
      service,
      `The ${serviceName(service)} API is disabled in this project. Enable it in the Cloud console (APIs & Services), then refresh.`,
    );
  }
  switch (code) {
    case GRPC.PERMISSION_DENIED: {
      const permission = message.match(/\b([a-z]+\.[a-zA-Z]+\.[a-zA-Z]+)\b/)?.[1];
      return new GcpFailure(
        'permission-denied',
        service,
        `Permission denied to ${attempted}${permission ? `: the credentials lack ${permission}` : ''}. Grant a role that includes it, or check runnerOps.gcp.project.`,
        { permission },
      );
    }
    case GRPC.UNAUTHENTICATED:
      return new GcpFailure(
        'unauthenticated',
        service,
        `Google Cloud rejected the credentials while trying to ${attempted}. Run "gcloud auth application-default login" or set runnerOps.gcp.credentials.`,
      );
    case GRPC.NOT_FOUND:
      return new GcpFailure(
        'not-found',
        service,
        `Not found while trying to ${attempted}: ${message}. Check runnerOps.gcp.project.`,
      );
    case GRPC.INVALID_ARGUMENT:
      return new GcpFailure(
        'invalid',
        service,
        `Google Cloud refused to ${attempted}: ${message}. Check runnerOps.gcp.instanceFilter.`,
      );
    case GRPC.RESOURCE_EXHAUSTED:
      return new GcpFailure(
        'rate-limited',
        service,
        `Google Cloud is rate limiting requests (${attempted}). Runner Ops will back off.`,
      );
    case GRPC.DEADLINE_EXCEEDED:
    case GRPC.UNAVAILABLE:
      return new GcpFailure(
        'unavailable',
        service,
        `${serviceName(service)} did not answer while trying to ${attempted}. Check runnerOps.gcp.endpoints and your network.`,
      );
    default:
      return new GcpFailure('unavailable', service, `Could not ${attempted}: ${message}`);
  }
}

function serviceName(service: GcpService): string {
  return { compute: 'Compute Engine', kms: 'Cloud KMS', storage: 'Cloud Storage', logging: 'Cloud Logging' }[service];
}
