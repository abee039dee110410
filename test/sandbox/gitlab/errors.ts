// GitLab's error bodies, as lib/api/helpers.rb renders them.
import { HttpError } from '../http';

export const notFound = (what: string): HttpError => new HttpError(404, { message: `404 ${what} Not Found` });
export const forbidden = (reason?: string): HttpError =>
  new HttpError(403, { message: reason ? `403 Forbidden - ${reason}` : '403 Forbidden' });
export const unauthorized = (): HttpError => new HttpError(401, { message: '401 Unauthorized' });
export const badRequest = (message: unknown): HttpError => new HttpError(400, { message });
/** Grape's parameter validation failure: `{"error":"ref is missing"}`. */
export const invalidParam = (error: string): HttpError => new HttpError(400, { error });
/** ActiveRecord::RecordNotFound rescued by the API: pipelines and jobs looked up by id. */
export const recordNotFound = (): HttpError => new HttpError(404, { message: '404 Not found' });
