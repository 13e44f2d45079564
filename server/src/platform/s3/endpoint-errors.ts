/**
 * What an S3-compatible endpoint's failures mean for the user: the SDK's and the lean
 * client's errors (an S3 error code, an HTTP status, a socket error) become domain errors
 * with a stable code and a message that says what to do.
 */
import { DomainError, transferStopped } from '../../domain-errors';
import { notFound } from '../storage';

/**
 * The domain error for `e`, raised by the endpoint `where` ("the storage endpoint …") while
 * it worked on `bucket` and `key`. Domain errors pass through unchanged.
 */
export function translateS3Error(e: unknown, where: string, bucket?: string, key?: string): Error {
  if (e instanceof DomainError) {
    return e;
  }
  const err = e as {
    name?: string;
    Code?: string;
    code?: string;
    message?: string;
    $metadata?: { httpStatusCode?: number };
  };
  const name = err.name ?? err.Code ?? '';
  const status = err.$metadata?.httpStatusCode;
  if (name === 'NoSuchBucket') {
    return notFound(bucket ?? '?');
  }
  if (name === 'NoSuchKey' || name === 'NotFound' || status === 404) {
    return key ? notFound(bucket ?? '?', key) : notFound(bucket ?? '?');
  }
  if (name === 'BucketAlreadyOwnedByYou' || name === 'BucketAlreadyExists') {
    return new DomainError('conflict', 'exists', `The bucket "${bucket}" already exists.`);
  }
  if (name === 'AccessDenied' || name === 'InvalidAccessKeyId' || name === 'SignatureDoesNotMatch' || status === 403) {
    return new DomainError(
      'forbidden',
      'access_denied',
      `${where} refused the request (${name || status}); check the endpoint's credentials in the service configuration.`
    );
  }
  if (name === 'PreconditionFailed' || status === 412) {
    return new DomainError(
      'conflict',
      'changed',
      `"${key ?? '?'}" changed while it was being read; start the transfer again.`
    );
  }
  if (name === 'BadDigest' || name === 'InvalidDigest') {
    return new DomainError(
      'upstream_failed',
      'checksum_mismatch',
      `${where} received damaged data (${name}); nothing was stored.`
    );
  }
  if (name === 'AbortError' || err.code === 'ECANCELED') {
    return transferStopped();
  }
  const code = err.code ?? '';
  if (
    ['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH'].includes(code) ||
    name === 'TimeoutError'
  ) {
    return new DomainError('upstream_failed', 'endpoint_unreachable', `Cannot reach ${where} (${code || name}).`);
  }
  if (status !== undefined && status >= 500) {
    // The endpoint failed on its side: say so, with what was asked, rather than a bare code.
    const subject = key ? `"${key.slice(0, 200)}" in "${bucket}"` : bucket ? `the bucket "${bucket}"` : 'the request';
    return new DomainError(
      'upstream_failed',
      'endpoint_error',
      `${where} failed with an internal error (HTTP ${status}${name && !/^HTTP\d+$/.test(name) ? `, ${name}` : ''}) on ${subject}; try again later, or ask its operator.`
    );
  }
  return new DomainError(
    'upstream_failed',
    'endpoint_error',
    `${where} answered with an error: ${name || status || 'unknown'}${err.message ? ` (${err.message.slice(0, 200)})` : ''}.`
  );
}
