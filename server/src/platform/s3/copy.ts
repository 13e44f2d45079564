/**
 * Copies inside the endpoint, pinned to the source's ETag: CopyObject up to its limit, part
 * by part (UploadPartCopy) beyond it, streamed through the service where the server has no
 * UploadPartCopy. Every copy is checked against its source before it counts.
 */
import { CompleteMultipartUploadCommand, CopyObjectCommand, UploadPartCopyCommand } from '@aws-sdk/client-s3';
import type { IObjectInfo } from '@atelier/api';
import { crc32FromBase64 } from '../../crc32';
import { DomainError } from '../../domain-errors';
import { checkBucket, checkKey } from '../storage';
import type { IObjectStore } from '../storage';
import type { S3Connection } from './connection';

const GIB = 1024 * 1024 * 1024;

export async function copy(
  s3: S3Connection,
  store: IObjectStore,
  bucket: string,
  fromKey: string,
  toBucket: string,
  toKey: string
): Promise<IObjectInfo> {
  checkBucket(bucket);
  checkBucket(toBucket);
  checkKey(fromKey);
  checkKey(toKey);
  const source = `${bucket}/${fromKey.split('/').map(encodeURIComponent).join('/')}`;
  const from = await store.stat(bucket, fromKey);
  if (from.size > (s3.options.copyLimit ?? 5 * GIB)) {
    return copyInParts(s3, store, bucket, fromKey, from, source, toBucket, toKey);
  }
  await s3.send(
    () =>
      s3.client.send(
        new CopyObjectCommand({
          Bucket: toBucket,
          Key: toKey,
          CopySource: source,
          CopySourceIfMatch: from.etag ? `"${from.etag}"` : undefined
        })
      ),
    bucket,
    fromKey
  );
  return checkCopy(store, from, toBucket, toKey);
}

/**
 * A copy too large for CopyObject: a multipart upload whose parts the server copies from
 * byte ranges of the source (UploadPartCopy), pinned to the source's ETag. Servers without
 * UploadPartCopy (NotImplemented, or an answer without a CopyPartResult) get a streamed copy
 * instead, through the service, verified as every upload is.
 */
async function copyInParts(
  s3: S3Connection,
  store: IObjectStore,
  bucket: string,
  fromKey: string,
  from: IObjectInfo,
  source: string,
  toBucket: string,
  toKey: string
): Promise<IObjectInfo> {
  const partSize = Math.max(s3.options.copyPartSize ?? 512 * 1024 * 1024, Math.ceil(from.size / 10000));
  const count = Math.ceil(from.size / partSize);
  const uploadId = await store.createMultipart(toBucket, toKey, { crc32: crc32FromBase64(from.crc32) });
  const parts: { PartNumber: number; ETag: string }[] = [];
  let unsupported = false;
  let next = 1;
  const worker = async () => {
    while (next <= count && !unsupported) {
      const n = next++;
      const start = (n - 1) * partSize;
      const end = Math.min(from.size, start + partSize) - 1;
      const command = new UploadPartCopyCommand({
        Bucket: toBucket,
        Key: toKey,
        UploadId: uploadId,
        PartNumber: n,
        CopySource: source,
        CopySourceRange: `bytes=${start}-${end}`,
        CopySourceIfMatch: from.etag ? `"${from.etag}"` : undefined
      });
      const out = await s3.client.send(command).catch(e => {
        const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
        if (err.name === 'NotImplemented' || err.$metadata?.httpStatusCode === 501) {
          return {} as { CopyPartResult?: { ETag?: string } };
        }
        throw s3.translate(e, bucket, fromKey);
      });
      if (!out.CopyPartResult?.ETag) {
        unsupported = true;
        return;
      }
      parts.push({ PartNumber: n, ETag: out.CopyPartResult.ETag });
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(s3.options.concurrency, count) }, worker));
  } catch (e) {
    await store.abortMultipart(toBucket, toKey, uploadId).catch(() => undefined);
    throw e;
  }
  if (unsupported) {
    await store.abortMultipart(toBucket, toKey, uploadId).catch(() => undefined);
    const { stream } = await store.read(bucket, fromKey);
    await store.write(toBucket, toKey, stream, { size: from.size });
    return checkCopy(store, from, toBucket, toKey);
  }
  parts.sort((a, b) => a.PartNumber - b.PartNumber);
  await s3.send(
    () =>
      s3.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: toBucket,
          Key: toKey,
          UploadId: uploadId,
          MultipartUpload: { Parts: parts }
        })
      ),
    toBucket,
    toKey
  );
  return checkCopy(store, from, toBucket, toKey);
}

/** The copy has the source's size, and its CRC-32 where the source has one; else it goes. */
async function checkCopy(
  store: IObjectStore,
  from: IObjectInfo,
  toBucket: string,
  toKey: string
): Promise<IObjectInfo> {
  const info = await store.stat(toBucket, toKey);
  if (info.size !== from.size || (from.crc32 !== undefined && info.crc32 !== undefined && info.crc32 !== from.crc32)) {
    await store.delete(toBucket, [toKey]).catch(() => undefined);
    throw new DomainError(
      'upstream_failed',
      'checksum_mismatch',
      `The storage endpoint copied "${from.key}" wrongly (${info.size} of ${from.size} bytes); the copy was removed.`
    );
  }
  return info;
}
