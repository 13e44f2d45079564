/**
 * Multipart uploads on the local endpoint: each upload is a folder beside the buckets that
 * names its target and holds one file per part; completing it writes the parts, checked
 * against the MD5 each had when it arrived, as one object through the store's `write`,
 * atomically.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { Readable } from 'stream';
import type { IObjectInfo } from '@atelier/api';
import { DomainError } from '../../domain-errors';
import type { IObjectStore, IPart } from '../storage';
import type { BucketPaths } from './paths';

export async function createMultipart(paths: BucketPaths, bucket: string, key: string): Promise<string> {
  await paths.keyPath(bucket, key, 'write');
  const uploadId = crypto.randomUUID();
  const dir = path.join(paths.tmp, `multipart-${uploadId}`);
  await fs.promises.mkdir(dir, { mode: 0o700 });
  await fs.promises.writeFile(path.join(dir, 'target.json'), JSON.stringify({ bucket, key }));
  return uploadId;
}

export async function uploadPart(
  paths: BucketPaths,
  bucket: string,
  key: string,
  uploadId: string,
  partNumber: number,
  body: Buffer
): Promise<IPart> {
  const dir = await multipartDir(paths, bucket, key, uploadId);
  const file = path.join(dir, `${partNumber}.part`);
  const tmp = `${file}.${crypto.randomBytes(4).toString('hex')}.tmp`;
  await fs.promises.writeFile(tmp, body);
  await fs.promises.rename(tmp, file);
  const md5 = crypto.createHash('md5').update(body).digest('hex');
  return { partNumber, etag: `"${md5}"`, md5 };
}

export async function completeMultipart(
  paths: BucketPaths,
  store: IObjectStore,
  bucket: string,
  key: string,
  uploadId: string,
  parts: IPart[],
  size: number
): Promise<IObjectInfo> {
  const dir = await multipartDir(paths, bucket, key, uploadId);
  const sorted = [...parts].sort((a, b) => a.partNumber - b.partNumber);
  async function* concatenated(): AsyncGenerator<Buffer> {
    for (const part of sorted) {
      const body = await fs.promises.readFile(path.join(dir, `${part.partNumber}.part`));
      if (crypto.createHash('md5').update(body).digest('hex') !== part.md5) {
        throw new DomainError(
          'upstream_failed',
          'checksum_mismatch',
          `Part ${part.partNumber} of "${key}" is damaged on disk; upload it again.`
        );
      }
      yield body;
    }
  }
  const info = await store.write(bucket, key, Readable.from(concatenated()), { size });
  await fs.promises.rm(dir, { recursive: true, force: true });
  return info;
}

export async function abortMultipart(paths: BucketPaths, bucket: string, key: string, uploadId: string): Promise<void> {
  const dir = await multipartDir(paths, bucket, key, uploadId).catch(() => null);
  if (dir) {
    await fs.promises.rm(dir, { recursive: true, force: true });
  }
}

/** The upload's folder, when it exists and was started for this very bucket and key. */
async function multipartDir(paths: BucketPaths, bucket: string, key: string, uploadId: string): Promise<string> {
  if (!/^[0-9a-f-]{36}$/.test(uploadId)) {
    throw new DomainError('not_found', 'not_found', 'There is no such upload.');
  }
  const dir = path.join(paths.tmp, `multipart-${uploadId}`);
  const target = await fs.promises.readFile(path.join(dir, 'target.json'), 'utf8').then(JSON.parse, () => null);
  if (!target || target.bucket !== bucket || target.key !== key) {
    throw new DomainError('not_found', 'not_found', 'There is no such upload.');
  }
  return dir;
}
