/**
 * The errors of the domain (the platform layer: storage endpoints, flavors, executors; and the
 * operations built on it), said in the domain's terms: what kind of failure it is, a stable
 * machine-readable code and a message a person understands. This module knows nothing of
 * HTTP: the service turns a kind into a status in one table (`STATUS_OF_KIND` in errors.ts),
 * where the API answers.
 */

/**
 * What went wrong, as far as the caller needs to know to react: the request itself
 * (`invalid`), the endpoint's permission (`forbidden`), a missing bucket, object or flavor
 * (`not_found`), a clash with the current state (`conflict`), more than a limit allows
 * (`too_large`), a transfer stopped by its user (`stopped`), a failure here (`failed`) or at the storage endpoint or scheduler behind us
 * (`upstream_failed`).
 */
export type ErrorKind =
  'invalid' | 'forbidden' | 'not_found' | 'conflict' | 'too_large' | 'stopped' | 'failed' | 'upstream_failed';

export interface IDomainErrorOptions {
  /** The request field at fault, where one is (forms show the message beside it). */
  field?: string;
  /** When trying again may help: after how many seconds. */
  retryAfterSeconds?: number;
}

export class DomainError extends Error {
  constructor(
    readonly kind: ErrorKind,
    readonly code: string,
    message: string,
    options: IDomainErrorOptions = {}
  ) {
    super(message);
    this.name = 'DomainError';
    this.field = options.field;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }

  /** The request field at fault, where one is. */
  readonly field?: string;
  /** When trying again may help: after how many seconds. */
  readonly retryAfterSeconds?: number;
}

/** Whether `e` is a domain error of the given kind (e.g. a missing object a delete may pass over). */
export function isDomainError(e: unknown, kind?: ErrorKind): e is DomainError {
  return e instanceof DomainError && (kind === undefined || e.kind === kind);
}

/** The error every step of a transfer ends with once the transfer is stopped. */
export function transferStopped(): DomainError {
  return new DomainError('stopped', 'stopped', 'The transfer was stopped.');
}
