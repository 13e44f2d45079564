/**
 * A bucket and its contents as a whole: the buckets of the endpoint, listings of keys and
 * folders, folder placeholders, and deletes of many keys at once.
 */
import {
  CreateBucketCommand,
  DeleteObjectsCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutObjectCommand
} from '@aws-sdk/client-s3';
import type { IBucket, IListing } from '@atelier/api';
import { DomainError } from '../../domain-errors';
import { checkBucket, checkKey, checkPrefix, IListOptions } from '../storage';
import type { S3Connection } from './connection';
import { bareEtag } from './metadata';

export async function listBuckets(s3: S3Connection): Promise<IBucket[]> {
  const out = await s3.send(() => s3.client.send(new ListBucketsCommand({})));
  return (out.Buckets ?? []).map(b => ({ name: b.Name!, created: b.CreationDate?.toISOString() }));
}

export async function createBucket(s3: S3Connection, name: string): Promise<void> {
  checkBucket(name);
  await s3.send(() => s3.client.send(new CreateBucketCommand({ Bucket: name })), name);
}

export async function list(s3: S3Connection, bucket: string, options: IListOptions): Promise<IListing> {
  checkBucket(bucket);
  const prefix = checkPrefix(options.prefix);
  const out = await s3.send(
    () =>
      s3.client.send(
        new ListObjectsV2Command({
          Bucket: bucket,
          Prefix: prefix || undefined,
          Delimiter: options.delimiter || undefined,
          ContinuationToken: options.token,
          MaxKeys: options.limit
        })
      ),
    bucket
  );
  return {
    prefix,
    prefixes: (out.CommonPrefixes ?? []).map(p => p.Prefix!).filter(p => p !== prefix),
    objects: (out.Contents ?? [])
      // The folder's own placeholder is hidden, as consoles do; an object named as the prefix is listed.
      .filter(o => !(o.Key === prefix && prefix.endsWith('/')))
      .map(o => ({
        key: o.Key!,
        size: o.Size ?? 0,
        lastModified: (o.LastModified ?? new Date(0)).toISOString(),
        etag: bareEtag(o.ETag)
      })),
    nextToken: out.IsTruncated ? out.NextContinuationToken : undefined
  };
}

/** A folder is an empty object whose key ends with "/", as S3 consoles make them. */
export async function createFolder(s3: S3Connection, bucket: string, prefix: string): Promise<void> {
  checkBucket(bucket);
  const key = checkKey(prefix.endsWith('/') ? prefix : `${prefix}/`);
  await s3.send(
    () => s3.client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: Buffer.alloc(0), ContentLength: 0 })),
    bucket
  );
}

/** Deletes keys 1000 at a time (S3's limit per request); keys already gone are no failure. */
export async function deleteObjects(s3: S3Connection, bucket: string, keys: string[]): Promise<void> {
  checkBucket(bucket);
  for (let i = 0; i < keys.length; i += 1000) {
    const batch = keys.slice(i, i + 1000);
    batch.forEach(k => checkKey(k));
    const out = await s3.send(
      () =>
        s3.client.send(
          new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: batch.map(Key => ({ Key })), Quiet: true } })
        ),
      bucket
    );
    const failed = (out.Errors ?? []).filter(e => e.Code !== 'NoSuchKey');
    if (failed.length) {
      throw new DomainError(
        'upstream_failed',
        'delete_failed',
        `The storage endpoint did not delete ${failed.length} object(s), e.g. "${failed[0].Key}": ${failed[0].Message}`
      );
    }
  }
}
