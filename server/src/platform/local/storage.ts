/**
 * The local endpoint: buckets are folders under `{dataDir}/buckets`, keys are paths inside
 * them, and "folders" are directories. Writes go to a temporary file beside the buckets and
 * are renamed into place only once complete, so a key never shows a partial object.
 *
 * This class is the endpoint as the rest of the service sees it; the work is done by the
 * modules beside it, one job each: paths.ts (where keys live, and that they stay inside their
 * bucket), listing.ts, objects.ts (reads and writes) and multipart.ts. An operation built on
 * others (a copy, completing a multipart upload) calls them through the store, so that one
 * replaced on the store (by a wrapper, or a test's fault injection) is the one used
 * throughout, as when they were methods of one class.
 */
import * as fs from 'fs';
import type { Readable } from 'stream';
import type { IBucket, IEndpoint, IListing, IObjectInfo } from '@atelier/api';
import type { IListOptions, IObjectStore, IPart, IWriteOptions } from '../storage';
import { createBucket, list, listBuckets } from './listing';
import { abortMultipart, completeMultipart, createMultipart, uploadPart } from './multipart';
import { copy, createFolder, deleteObjects, read, stat, write } from './objects';
import { BucketPaths } from './paths';

export class LocalObjectStore implements IObjectStore {
  constructor(
    readonly info: IEndpoint,
    root: string
  ) {
    this._paths = new BucketPaths(root);
    fs.mkdirSync(this._paths.tmp, { recursive: true, mode: 0o700 });
  }

  listBuckets(): Promise<IBucket[]> {
    return listBuckets(this._paths);
  }

  createBucket(name: string): Promise<void> {
    return createBucket(this._paths, name);
  }

  list(bucket: string, options: IListOptions): Promise<IListing> {
    return list(this._paths, bucket, options);
  }

  stat(bucket: string, key: string): Promise<IObjectInfo> {
    return stat(this._paths, bucket, key);
  }

  read(bucket: string, key: string): Promise<{ info: IObjectInfo; stream: Readable }> {
    return read(this._paths, this, bucket, key);
  }

  write(bucket: string, key: string, source: Readable, options: IWriteOptions = {}): Promise<IObjectInfo> {
    return write(this._paths, bucket, key, source, options);
  }

  copy(bucket: string, fromKey: string, toBucket: string, toKey: string): Promise<IObjectInfo> {
    return copy(this, bucket, fromKey, toBucket, toKey);
  }

  delete(bucket: string, keys: string[]): Promise<void> {
    return deleteObjects(this._paths, bucket, keys);
  }

  createFolder(bucket: string, prefix: string): Promise<void> {
    return createFolder(this._paths, bucket, prefix);
  }

  createMultipart(bucket: string, key: string): Promise<string> {
    return createMultipart(this._paths, bucket, key);
  }

  uploadPart(bucket: string, key: string, uploadId: string, partNumber: number, body: Buffer): Promise<IPart> {
    return uploadPart(this._paths, bucket, key, uploadId, partNumber, body);
  }

  completeMultipart(bucket: string, key: string, uploadId: string, parts: IPart[], size: number): Promise<IObjectInfo> {
    return completeMultipart(this._paths, this, bucket, key, uploadId, parts, size);
  }

  abortMultipart(bucket: string, key: string, uploadId: string): Promise<void> {
    return abortMultipart(this._paths, bucket, key, uploadId);
  }

  private _paths: BucketPaths;
}
