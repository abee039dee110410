// Error bodies exactly as each Google API sends them, so clients map them to the right codes.
import { HttpError } from '../http';

const RPC_STATUS: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ALREADY_EXISTS',
  412: 'FAILED_PRECONDITION',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
};

/** Compute Engine and Cloud Storage style: `errors[]` with domain/reason (the "v1 JSON API" error shape). */
export function legacyError(
  code: number,
  message: string,
  reason: string,
  extra: Record<string, string> = {},
): HttpError {
  return new HttpError(code, { error: { code, message, errors: [{ message, domain: 'global', reason, ...extra }] } });
}

/** Cloud KMS and Cloud Logging style (google.rpc.Status over JSON). */
export function rpcError(code: number, message: string, status = RPC_STATUS[code] ?? 'UNKNOWN'): HttpError {
  return new HttpError(code, { error: { code, message, status } });
}

export const computeNotFound = (resourcePath: string): HttpError =>
  legacyError(404, `The resource '${resourcePath}' was not found`, 'notFound');

export const computeAlreadyExists = (resourcePath: string): HttpError =>
  legacyError(409, `The resource '${resourcePath}' already exists`, 'alreadyExists');

export const computeInvalid = (message: string): HttpError => legacyError(400, message, 'invalid');

export const storageConditionNotMet = (): HttpError =>
  legacyError(412, 'At least one of the pre-conditions you specified did not hold.', 'conditionNotMet');
