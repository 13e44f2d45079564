/**
 * Writing one object from a stream: what fits in one part goes in one PUT with Content-MD5
 * (the server rejects damaged data) and the CRC-32 kept in the object's metadata; anything
 * larger goes through a multipart upload (multipart.ts).
 */
import * as crypto from 'crypto';
import type { Readable } from 'stream';
import type { IObjectInfo } from '@atelier/api';
import { crc32, crc32ToBase64 } from '../../crc32';
import { DomainError } from '../../domain-errors';
import { guarded } from '../../streams';
import { checkBucket, checkKey, IWriteOptions } from '../storage';
import type { S3Connection } from './connection';
import { bareEtag, CRC32_META } from './metadata';
import { IS3Store, putMultipart } from './multipart';

/** Reads a stream in chunks of exactly `size` bytes (the last may be shorter). */
async function* chunks(source: Readable, size: number): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let length = 0;
  for await (const piece of source) {
    let buf: Buffer = Buffer.isBuffer(piece) ? piece : Buffer.from(piece);
    while (buf.length > 0) {
      const take = Math.min(size - length, buf.length);
      pending.push(buf.subarray(0, take));
      length += take;
      buf = buf.subarray(take);
      if (length === size) {
        yield Buffer.concat(pending, length);
        pending = [];
        length = 0;
      }
    }
  }
  if (length > 0) {
    yield Buffer.concat(pending, length);
  }
}

export async function write(
  s3: S3Connection,
  store: IS3Store,
  bucket: string,
  key: string,
  source: Readable,
  options: IWriteOptions = {}
): Promise<IObjectInfo> {
  checkBucket(bucket);
  checkKey(key);
  if (key.endsWith('/')) {
    throw new DomainError('invalid', 'invalid_key', `"${key}" names a folder; an object's key cannot end with "/".`);
  }
  const parts = chunks(guarded(source), s3.options.partSize);
  const first = await parts.next();
  const firstPart = first.done ? Buffer.alloc(0) : first.value;
  if (firstPart.length < s3.options.partSize) {
    return putSmall(s3, store, bucket, key, firstPart, options);
  }
  return putMultipart(s3, store, bucket, key, firstPart, parts, options);
}

async function putSmall(
  s3: S3Connection,
  store: IS3Store,
  bucket: string,
  key: string,
  body: Buffer,
  options: IWriteOptions
): Promise<IObjectInfo> {
  if (options.size !== undefined && body.length !== options.size) {
    throw new DomainError(
      'invalid',
      'size_mismatch',
      `Received ${body.length} bytes for "${key}" but ${options.size} were announced; nothing was stored.`
    );
  }
  const md5 = crypto.createHash('md5').update(body).digest();
  const headers: Record<string, string> = {
    'content-md5': md5.toString('base64'),
    [CRC32_META]: crc32ToBase64(crc32(body))
  };
  if (options.contentType) {
    headers['content-type'] = options.contentType;
  }
  const res = await s3.send(
    () => s3.lean.request('PUT', bucket, key, { headers, body, signal: options.signal }),
    bucket
  );
  res.body.resume();
  options.onProgress?.(body.length);
  const etag = bareEtag(res.headers.etag as string | undefined);
  if (etag && etag !== md5.toString('hex')) {
    // A server that does not check Content-MD5 stored damaged data: take it away again.
    await store.delete(bucket, [key]).catch(() => undefined);
    throw new DomainError(
      'upstream_failed',
      'checksum_mismatch',
      `The storage endpoint stored "${key}" with checksum ${etag}, not ${md5.toString('hex')}; the damaged object was removed.`
    );
  }
  return { key, size: body.length, lastModified: new Date().toISOString(), etag: md5.toString('hex') };
}
