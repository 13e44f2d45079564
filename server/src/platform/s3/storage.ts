/**
 * Any S3-compatible endpoint (and OBS, which speaks S3): single-object requests through the
 * lean SigV4 client (lean.ts), the rest through AWS SDK v3 with a custom endpoint, ranged
 * reads of large objects through the bulk worker (bulk.ts). Integrity: every PUT and part
 * carries Content-MD5 (the server rejects damaged data), and the ETag that comes back is
 * compared with the MD5 computed here; multipart uploads complete only after every part
 * checked out, so a key never shows a partial object. Objects keep the CRC-32 their uploader
 * gave (`x-amz-meta-atelier-crc32`), which downloads and copies are checked against.
 *
 * This class is the endpoint as the rest of the service sees it; the work is done by the
 * modules beside it, one job each: connection.ts (clients and agents), endpoint-errors.ts
 * (what the endpoint's errors mean), buckets.ts (buckets, listings, folders, deletes),
 * reads.ts, writes.ts, multipart.ts and copy.ts. An operation built on others (a copy, a
 * multipart write) calls them through the store, so that one replaced on the store (by a
 * wrapper, or a test's fault injection) is the one used throughout, as when they were
 * methods of one class.
 */
import type { Readable } from 'stream';
import type { IBucket, IEndpoint, IListing, IObjectInfo } from '@atelier/api';
import type { IListOptions, IObjectStore, IPart, IWriteOptions } from '../storage';
import { createBucket, createFolder, deleteObjects, list, listBuckets } from './buckets';
import { IS3Options, S3Connection } from './connection';
import { copy } from './copy';
import { abortMultipart, completeMultipart, createMultipart, uploadPart } from './multipart';
import { read, readRangeInto, stat } from './reads';
import { write } from './writes';

export type { IS3Options } from './connection';

export class S3ObjectStore implements IObjectStore {
  constructor(
    readonly info: IEndpoint,
    options: IS3Options
  ) {
    this._s3 = new S3Connection(info, options);
  }

  listBuckets(): Promise<IBucket[]> {
    return listBuckets(this._s3);
  }

  createBucket(name: string): Promise<void> {
    return createBucket(this._s3, name);
  }

  list(bucket: string, options: IListOptions): Promise<IListing> {
    return list(this._s3, bucket, options);
  }

  stat(bucket: string, key: string): Promise<IObjectInfo> {
    return stat(this._s3, bucket, key);
  }

  read(bucket: string, key: string): Promise<{ info: IObjectInfo; stream: Readable }> {
    return read(this._s3, bucket, key);
  }

  readRangeInto(
    bucket: string,
    key: string,
    start: number,
    end: number,
    etag: string,
    fd: number,
    options: { onBytes: (bytes: number) => void; signal?: AbortSignal }
  ): Promise<number> {
    return readRangeInto(this._s3, bucket, key, start, end, etag, fd, options);
  }

  write(bucket: string, key: string, source: Readable, options: IWriteOptions = {}): Promise<IObjectInfo> {
    return write(this._s3, this, bucket, key, source, options);
  }

  copy(bucket: string, fromKey: string, toBucket: string, toKey: string): Promise<IObjectInfo> {
    return copy(this._s3, this, bucket, fromKey, toBucket, toKey);
  }

  delete(bucket: string, keys: string[]): Promise<void> {
    return deleteObjects(this._s3, bucket, keys);
  }

  createFolder(bucket: string, prefix: string): Promise<void> {
    return createFolder(this._s3, bucket, prefix);
  }

  close(): void {
    this._s3.close();
  }

  createMultipart(bucket: string, key: string, options: { crc32?: number } = {}): Promise<string> {
    return createMultipart(this._s3, bucket, key, options);
  }

  uploadPart(bucket: string, key: string, uploadId: string, partNumber: number, body: Buffer): Promise<IPart> {
    return uploadPart(this._s3, bucket, key, uploadId, partNumber, body);
  }

  /**
   * Assembles the parts and checks the result: its size, and its ETag (S3's md5-of-md5s; or,
   * from servers that answer with the whole object's MD5, that MD5 when `wholeMd5` is known).
   */
  completeMultipart(
    bucket: string,
    key: string,
    uploadId: string,
    parts: IPart[],
    size: number,
    wholeMd5?: string
  ): Promise<IObjectInfo> {
    return completeMultipart(this._s3, this, bucket, key, uploadId, parts, size, wholeMd5);
  }

  abortMultipart(bucket: string, key: string, uploadId: string): Promise<void> {
    return abortMultipart(this._s3, bucket, key, uploadId);
  }

  private _s3: S3Connection;
}
