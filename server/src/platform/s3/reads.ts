/**
 * Reading objects: their metadata (HEAD), their bytes as a stream (GET), and byte ranges of
 * large objects written straight into a file by the bulk worker, pinned to the ETag that was
 * listed so a range never mixes two versions of an object.
 */
import type { Readable } from 'stream';
import type { IObjectInfo } from '@atelier/api';
import { DomainError } from '../../domain-errors';
import { checkBucket, checkKey } from '../storage';
import type { S3Connection } from './connection';
import { withRetries } from './lean';
import { bareEtag, infoFrom } from './metadata';

export async function stat(s3: S3Connection, bucket: string, key: string): Promise<IObjectInfo> {
  checkBucket(bucket);
  checkKey(key);
  const res = await s3.send(
    () => s3.lean.request('HEAD', bucket, key, { headers: { 'x-amz-checksum-mode': 'ENABLED' } }),
    bucket,
    key
  );
  res.body.resume();
  return infoFrom(key, res.headers);
}

export async function read(
  s3: S3Connection,
  bucket: string,
  key: string
): Promise<{ info: IObjectInfo; stream: Readable }> {
  checkBucket(bucket);
  checkKey(key);
  const res = await s3.send(() => s3.lean.request('GET', bucket, key), bucket, key);
  return { info: infoFrom(key, res.headers), stream: res.body };
}

/** See `IObjectStore.readRangeInto`: bytes `start`..`end` of the object with `etag`, into `fd`. */
export async function readRangeInto(
  s3: S3Connection,
  bucket: string,
  key: string,
  start: number,
  end: number,
  etag: string,
  fd: number,
  options: { onBytes: (bytes: number) => void; signal?: AbortSignal }
): Promise<number> {
  checkBucket(bucket);
  checkKey(key);
  const length = end - start + 1;
  const headers = { range: `bytes=${start}-${end}`, 'if-match': `"${etag}"` };
  const result = await s3.send(
    () =>
      withRetries(async () => {
        // An attempt that fails takes back the progress it reported; the next writes the range anew.
        let reported = 0;
        const onBytes = (bytes: number) => {
          reported += bytes;
          options.onBytes(bytes);
        };
        try {
          const signed = await s3.lean.sign('GET', bucket, key, { headers });
          return await s3.bulk.fetchRange(signed, fd, start, length, onBytes, options.signal);
        } catch (e) {
          options.onBytes(-reported);
          throw e;
        }
      }, options.signal),
    bucket,
    key
  );
  // Servers that ignore If-Match still name the ETag of what they send.
  const range = /^bytes (\d+)-(\d+)\/\d+$/.exec(result.contentRange);
  const sent = bareEtag(result.etag);
  if (!range || Number(range[1]) !== start || Number(range[2]) !== end || (sent !== '' && sent !== etag)) {
    throw new DomainError('conflict', 'changed', `"${key}" changed while it was being read; start the transfer again.`);
  }
  if (result.received !== length) {
    throw new DomainError(
      'upstream_failed',
      'size_mismatch',
      `Bytes ${start}-${end} of "${key}" arrived as ${result.received} bytes instead of ${length}; nothing was written.`
    );
  }
  return result.crc;
}
