/**
 * The storage capability: buckets, prefixes, objects on one or more endpoints (the local
 * one, any S3-compatible server, OBS). Every implementation validates bucket names and keys
 * the same way and writes atomically: an object is visible only when it is whole.
 */
import { createHash } from 'crypto';
import type { Readable } from 'stream';
import { DomainError, isDomainError } from '../domain-errors';
import { bucketNameProblem, keyProblem } from '@atelier/api';
import type { IBucket, IEndpoint, IListing, IObjectInfo, KeyProblem } from '@atelier/api';

export interface IListOptions {
  prefix: string;
  /** '/' groups keys into folders; '' lists every key under the prefix. */
  delimiter: '/' | '';
  token?: string;
  limit: number;
}

export interface IWriteOptions {
  /** Expected size in bytes; the write fails when the stream delivers another amount. */
  size?: number;
  contentType?: string;
  /** Called with the number of bytes sent so far. */
  onProgress?: (bytes: number) => void;
  signal?: AbortSignal;
}

/** One endpoint's buckets and objects. */
export interface IObjectStore {
  readonly info: IEndpoint;
  listBuckets(): Promise<IBucket[]>;
  createBucket(name: string): Promise<void>;
  list(bucket: string, options: IListOptions): Promise<IListing>;
  /** Fails with `not_found` when absent. */
  stat(bucket: string, key: string): Promise<IObjectInfo>;
  read(bucket: string, key: string): Promise<{ info: IObjectInfo; stream: Readable }>;
  /**
   * For endpoints that serve byte ranges (several at once make one large download faster):
   * writes bytes `start`..`end` (inclusive) of the object whose ETag is `etag` into the open
   * file `fd` at the same offset, and returns their CRC-32. `onBytes` hears of the bytes
   * written (negative when a failed attempt takes them back). Fails with a `conflict`
   * (`changed`) when the object is no longer the one with that ETag. No write lands after it
   * settles.
   */
  readRangeInto?(
    bucket: string,
    key: string,
    start: number,
    end: number,
    etag: string,
    fd: number,
    options: { onBytes: (bytes: number) => void; signal?: AbortSignal }
  ): Promise<number>;
  /** Streams `source` into `key`; the object appears only once complete and verified. */
  write(bucket: string, key: string, source: Readable, options?: IWriteOptions): Promise<IObjectInfo>;
  copy(bucket: string, fromKey: string, toBucket: string, toKey: string): Promise<IObjectInfo>;
  delete(bucket: string, keys: string[]): Promise<void>;
  /** An empty "folder" (a zero-byte object named `prefix/`, as S3 consoles do). */
  createFolder(bucket: string, prefix: string): Promise<void>;

  // Multipart uploads that can span requests and restarts (resumable uploads).
  /**
   * Starts a multipart upload; returns its id. `crc32`, the whole content's CRC-32 when the
   * caller knows it in advance, is kept with the object (see IObjectInfo.crc32).
   */
  createMultipart(bucket: string, key: string, options?: { crc32?: number }): Promise<string>;
  /** Stores one part (1-based), verified against its MD5; returns it as recorded for completion. */
  uploadPart(bucket: string, key: string, uploadId: string, partNumber: number, body: Buffer): Promise<IPart>;
  /** Assembles the parts; the object appears only now. `size` is checked. */
  completeMultipart(bucket: string, key: string, uploadId: string, parts: IPart[], size: number): Promise<IObjectInfo>;
  abortMultipart(bucket: string, key: string, uploadId: string): Promise<void>;
}

export interface IPart {
  partNumber: number;
  etag: string;
  /** MD5 of the part, hex. */
  md5: string;
  /** CRC-32 of the part, where the caller computed one. */
  crc32?: number;
}

/** S3's ETag of a multipart object: the MD5 of the parts' MD5s, then "-" and the count. */
export function multipartEtag(parts: IPart[]): string {
  const sorted = [...parts].sort((a, b) => a.partNumber - b.partNumber);
  const digest = createHash('md5')
    .update(Buffer.concat(sorted.map(p => Buffer.from(p.md5, 'hex'))))
    .digest('hex');
  return `${digest}-${sorted.length}`;
}

export interface IStorageProvider {
  endpoints(): IEndpoint[];
  /** Fails with `not_found` for an unknown endpoint id. */
  get(endpointId: string): IObjectStore;
  close(): Promise<void>;
}

/** S3's bucket naming rules (in the API contract): 3-63 lowercase letters, digits, dots and hyphens. */
export function checkBucket(name: string): string {
  if (bucketNameProblem(name)) {
    throw new DomainError(
      'invalid',
      'invalid_bucket',
      `"${name}" is not a valid bucket name: use 3 to 63 lowercase letters, digits, dots or hyphens, starting and ending with a letter or digit.`
    );
  }
  return name;
}

/** Why a key is refused, as the error message says it. */
const KEY_PROBLEMS: Record<KeyProblem, string> = {
  empty: 'it is empty',
  too_long: 'it is longer than 1024 bytes',
  control: 'it contains control characters',
  leading_slash: 'it starts with "/"',
  empty_segment: 'it has an empty path segment ("//")',
  dot_segment: 'it has a "." or ".." segment'
};

/** Keys follow the contract's rules (keyProblem in @atelier/api); a refused one is a 400 that says why. */
export function checkKey(key: string, what = 'key'): string {
  const problem = keyProblem(key);
  if (problem) {
    throw new DomainError(
      'invalid',
      'invalid_key',
      `The ${what} "${key.slice(0, 200)}" is not allowed: ${KEY_PROBLEMS[problem]}.`
    );
  }
  return key;
}

/** A prefix for listings: '' or a valid key (usually ending with '/'). */
export function checkPrefix(prefix: string): string {
  return prefix === '' ? prefix : checkKey(prefix, 'prefix');
}

/** Whether an object exists (its stat fails with `not_found` otherwise); other errors pass through. */
export async function objectExists(store: IObjectStore, bucket: string, key: string): Promise<boolean> {
  try {
    await store.stat(bucket, key);
    return true;
  } catch (e) {
    if (isDomainError(e, 'not_found')) {
      return false;
    }
    throw e;
  }
}

/** The `not_found` error of a missing bucket, or of a missing object in it. */
export function notFound(bucket: string, key?: string): DomainError {
  return key === undefined
    ? new DomainError('not_found', 'not_found', `The bucket "${bucket}" does not exist.`)
    : new DomainError('not_found', 'not_found', `"${key}" does not exist in the bucket "${bucket}".`);
}

/** Compares keys as S3 orders them: by UTF-8 bytes. */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

export function encodeToken(key: string): string {
  return Buffer.from(key, 'utf8').toString('base64url');
}

export function decodeToken(token: string): string {
  const key = Buffer.from(token, 'base64url').toString('utf8');
  if (!key || encodeToken(key) !== token) {
    throw new DomainError(
      'invalid',
      'invalid_token',
      'The continuation token is not valid; list again from the start.'
    );
  }
  return key;
}
