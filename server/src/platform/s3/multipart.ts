/**
 * Multipart uploads: every part carries Content-MD5 and its ETag is compared with the MD5
 * computed here; an upload completes only after every part checked out, and what the server
 * assembled is checked again (size, md5-of-md5s), so a key never shows a partial or damaged
 * object. `putMultipart` streams a large object through such an upload, several parts in
 * flight at once.
 */
import * as crypto from 'crypto';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand
} from '@aws-sdk/client-s3';
import type { IObjectInfo } from '@atelier/api';
import { crc32ToBase64 } from '../../crc32';
import { DomainError, isDomainError, transferStopped } from '../../domain-errors';
import { checkBucket, checkKey, IPart, IWriteOptions, multipartEtag } from '../storage';
import type { IObjectStore } from '../storage';

/** The store as the multipart steps call it back: S3's completion takes the whole object's MD5 too. */
export interface IS3Store extends IObjectStore {
  completeMultipart(
    bucket: string,
    key: string,
    uploadId: string,
    parts: IPart[],
    size: number,
    wholeMd5?: string
  ): Promise<IObjectInfo>;
}
import type { S3Connection } from './connection';
import { bareEtag, CRC32_META } from './metadata';

/** S3's limit of parts per upload. */
const MAX_PARTS = 10000;

export async function createMultipart(
  s3: S3Connection,
  bucket: string,
  key: string,
  options: { crc32?: number } = {}
): Promise<string> {
  checkBucket(bucket);
  checkKey(key);
  const metadata =
    options.crc32 === undefined
      ? undefined
      : { [CRC32_META.slice('x-amz-meta-'.length)]: crc32ToBase64(options.crc32) };
  const out = await s3.send(
    () => s3.client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, Metadata: metadata })),
    bucket
  );
  return out.UploadId!;
}

export async function uploadPart(
  s3: S3Connection,
  bucket: string,
  key: string,
  uploadId: string,
  partNumber: number,
  body: Buffer
): Promise<IPart> {
  const md5 = crypto.createHash('md5').update(body).digest();
  const res = await s3.send(
    () =>
      s3.lean.request('PUT', bucket, key, {
        query: { partNumber: String(partNumber), uploadId },
        headers: { 'content-md5': md5.toString('base64') },
        body
      }),
    bucket
  );
  res.body.resume();
  const quoted = String(res.headers.etag ?? '');
  const etag = bareEtag(quoted);
  if (etag !== md5.toString('hex')) {
    throw new DomainError(
      'upstream_failed',
      'checksum_mismatch',
      `Part ${partNumber} of "${key}" was stored with checksum ${etag}, not ${md5.toString('hex')}.`
    );
  }
  return { partNumber, etag: quoted, md5: etag };
}

/**
 * Assembles the parts and checks the result: its size, and its ETag (S3's md5-of-md5s; or,
 * from servers that answer with the whole object's MD5, that MD5 when `wholeMd5` is known).
 */
export async function completeMultipart(
  s3: S3Connection,
  store: IS3Store,
  bucket: string,
  key: string,
  uploadId: string,
  parts: IPart[],
  size: number,
  wholeMd5?: string
): Promise<IObjectInfo> {
  const sorted = [...parts].sort((a, b) => a.partNumber - b.partNumber);
  const out = await s3.send(
    () =>
      s3.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: bucket,
          Key: key,
          UploadId: uploadId,
          MultipartUpload: { Parts: sorted.map(p => ({ PartNumber: p.partNumber, ETag: p.etag })) }
        })
      ),
    bucket
  );
  // Every part was verified when it was stored; check what the server assembled.
  const info = await store.stat(bucket, key);
  const expected = multipartEtag(sorted);
  const etag = bareEtag(out.ETag) || info.etag || '';
  const plain = /^[0-9a-f]{32}$/.test(etag);
  if (
    info.size !== size ||
    (etag.includes('-') && etag !== expected) ||
    (plain && wholeMd5 !== undefined && etag !== wholeMd5)
  ) {
    await store.delete(bucket, [key]).catch(() => undefined);
    throw new DomainError(
      'upstream_failed',
      'checksum_mismatch',
      `The storage endpoint assembled "${key}" wrongly (${info.size} bytes, checksum ${etag}); the object was removed.`
    );
  }
  return info;
}

/** Aborts an upload; one the endpoint no longer knows is gone already, which is no failure. */
export async function abortMultipart(s3: S3Connection, bucket: string, key: string, uploadId: string): Promise<void> {
  await s3
    .send(
      () => s3.client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId })),
      bucket
    )
    .catch(e => {
      if (!isDomainError(e, 'not_found')) {
        throw e;
      }
    });
}

/**
 * Uploads `firstPart` and the parts that follow it as one multipart upload, at most
 * `concurrency` parts in flight; any failure aborts the upload, so nothing is left behind.
 */
export async function putMultipart(
  s3: S3Connection,
  store: IS3Store,
  bucket: string,
  key: string,
  firstPart: Buffer,
  rest: AsyncGenerator<Buffer>,
  options: IWriteOptions
): Promise<IObjectInfo> {
  const uploadId = await store.createMultipart(bucket, key);
  const done: IPart[] = [];
  const inflight = new Set<Promise<void>>();
  let failure: unknown = null;
  let bytes = 0;
  let sent = 0;
  // Some servers (s3rver) answer with the whole object's MD5 instead of S3's md5-of-md5s.
  const whole = crypto.createHash('md5');
  const upload = (partNumber: number, body: Buffer) => {
    whole.update(body);
    const tracked: Promise<void> = store
      .uploadPart(bucket, key, uploadId, partNumber, body)
      .then(part => {
        done.push(part);
        sent += body.length;
        options.onProgress?.(sent);
      })
      .catch(e => {
        failure = failure ?? e;
      })
      .finally(() => {
        inflight.delete(tracked);
      });
    inflight.add(tracked);
  };
  try {
    let partNumber = 1;
    upload(partNumber, firstPart);
    bytes += firstPart.length;
    for await (const part of rest) {
      if (options.signal?.aborted) {
        throw transferStopped();
      }
      while (inflight.size >= s3.options.concurrency) {
        await Promise.race(inflight);
      }
      if (failure) {
        throw failure;
      }
      partNumber += 1;
      if (partNumber > MAX_PARTS) {
        throw new DomainError(
          'invalid',
          'too_large',
          `"${key}" needs more than 10,000 parts; raise storage.partSizeMiB.`
        );
      }
      upload(partNumber, part);
      bytes += part.length;
    }
    await Promise.all(inflight);
    if (failure) {
      throw failure;
    }
    if (options.size !== undefined && bytes !== options.size) {
      throw new DomainError(
        'invalid',
        'size_mismatch',
        `Received ${bytes} bytes for "${key}" but ${options.size} were announced; nothing was stored.`
      );
    }
    return await store.completeMultipart(bucket, key, uploadId, done, bytes, whole.digest('hex'));
  } catch (e) {
    await Promise.all(inflight);
    await store.abortMultipart(bucket, key, uploadId).catch(() => undefined);
    throw e;
  }
}
