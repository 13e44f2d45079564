import { DomainError, ErrorKind } from './domain-errors';

/**
 * The HTTP status of each kind of domain error (domain-errors.ts): the one place where the
 * platform's failures meet HTTP. 499 is the status proxies use for a request its client gave
 * up; here a transfer its user stopped.
 */
export const STATUS_OF_KIND: Readonly<Record<ErrorKind, number>> = {
  invalid: 400,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  stopped: 499,
  failed: 500,
  upstream_failed: 502
};

/**
 * The one error type of the service's API: a status code, a stable machine-readable code and
 * a message a person understands. Serialized as `{ "message": ..., "code": ... }`.
 */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {}
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** The request field at fault, where one is (forms show the message beside it). */
  field?: string;
}

/**
 * The API's answer to an error: an ApiError as it is, a domain error with the status of its
 * kind; null for anything else (an unexpected error, which the caller reports as internal).
 */
export function toApiError(e: unknown): ApiError | null {
  if (e instanceof ApiError) {
    return e;
  }
  if (e instanceof DomainError) {
    const error = new ApiError(
      STATUS_OF_KIND[e.kind],
      e.code,
      e.message,
      e.retryAfterSeconds === undefined ? {} : { 'Retry-After': String(e.retryAfterSeconds) }
    );
    error.field = e.field;
    return error;
  }
  return null;
}

/** Whether an error's message was written for a person (an API or a domain error). */
export function isExplained(e: unknown): e is ApiError | DomainError {
  return e instanceof ApiError || e instanceof DomainError;
}

/** Answer for requests that arrive while the Jupyter server is (re)starting. */
export function jupyterUnavailable(state: string): ApiError {
  const message =
    state === 'restarting' || state === 'starting'
      ? 'The Jupyter server is restarting; try again in a moment.'
      : 'The Jupyter server is not running.';
  return new ApiError(503, 'jupyter_unavailable', message, { 'Retry-After': '2' });
}
