/**
 * Where buckets and keys live on disk, and the rules that keep them there: a bucket is a real
 * folder under the root, a key's path stays inside its bucket even through symbolic links, and
 * a name longer than the disk allows cannot exist. Every other module of the local endpoint
 * reaches the disk through these paths.
 */
import * as fs from 'fs';
import * as path from 'path';
import { DomainError, isDomainError } from '../../domain-errors';
import { NAME_MAX } from '../../fs-errors';
import { checkBucket, checkKey, notFound } from '../storage';

/** The folder beside the buckets for partial writes and multipart uploads. */
export const TMP_DIR = '.atelier-tmp';

/** Errors that mean "no such entry" (a name too long for the disk cannot exist either). */
export function isMissing(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'ENAMETOOLONG';
}

/** Whether a delete can pass over `e`: the entry is not there, or its key cannot exist. */
export function isAbsent(e: unknown): boolean {
  return isMissing(e) || isDomainError(e, 'not_found');
}

/** What a key is wanted for: reading (a name the disk cannot hold is simply absent) or writing. */
export type Intent = 'read' | 'write';

function outsideBucket(bucket: string, key: string, how: string): DomainError {
  return new DomainError('invalid', 'outside_bucket', `"${key}" leads outside the bucket "${bucket}" (${how}).`);
}

export class BucketPaths {
  constructor(readonly root: string) {}

  /** The folder for partial writes and multipart uploads. */
  get tmp(): string {
    return path.join(this.root, TMP_DIR);
  }

  /**
   * The bucket's folder; `not_found` when it does not exist. A bucket is a real folder under
   * the root: a link there is not a bucket (it would lead anywhere).
   */
  async bucketDir(bucket: string): Promise<string> {
    checkBucket(bucket);
    const dir = path.join(this.root, bucket);
    const stat = await fs.promises.lstat(dir).catch(() => null);
    if (!stat?.isDirectory()) {
      throw notFound(bucket);
    }
    return dir;
  }

  /**
   * The path of a key, which must stay inside its bucket even through symbolic links. A name
   * longer than the disk allows cannot exist (`not_found` when reading) and cannot be made
   * (`invalid`).
   */
  async keyPath(bucket: string, key: string, intent: Intent): Promise<string> {
    checkKey(key);
    const root = await this.bucketDir(bucket);
    if (key.split('/').some(segment => Buffer.byteLength(segment, 'utf8') > NAME_MAX)) {
      if (intent === 'read') {
        throw notFound(bucket, key);
      }
      throw new DomainError(
        'invalid',
        'invalid_key',
        `"${key.slice(0, 200)}…" has a name over ${NAME_MAX} bytes between two slashes, more than the local endpoint's disk can hold; use shorter names (S3 endpoints take them).`
      );
    }
    await this.confine(bucket, root, key);
    return path.join(root, key);
  }

  /**
   * Checks every existing step of `key` below the bucket's folder: a symbolic link must lead
   * to a place inside the bucket (not out of it, not into another bucket); a broken link leads
   * nowhere and is refused too. Steps that do not exist yet are fine (they will be folders).
   */
  async confine(bucket: string, root: string, key: string): Promise<void> {
    let realRoot: string | undefined;
    let current = root;
    for (const segment of key.split('/')) {
      if (!segment) {
        continue;
      }
      current = path.join(current, segment);
      const link = await fs.promises.lstat(current).catch(() => null);
      if (!link) {
        return; // from here on nothing exists
      }
      if (!link.isSymbolicLink()) {
        continue;
      }
      realRoot = realRoot ?? (await fs.promises.realpath(root));
      const real = await fs.promises.realpath(current).catch(() => null);
      if (real === null) {
        throw outsideBucket(bucket, key, 'through a broken symbolic link');
      }
      if (real !== realRoot && !real.startsWith(realRoot + path.sep)) {
        throw outsideBucket(bucket, key, 'through a symbolic link');
      }
    }
  }

  /** Makes the folders above `target`; a `conflict` when one of them is an object. */
  async ensureParent(bucket: string, target: string, key: string): Promise<void> {
    try {
      await fs.promises.mkdir(path.dirname(target), { recursive: true });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' || code === 'ENOTDIR') {
        throw new DomainError('conflict', 'conflict', `A part of "${key}" is an object in "${bucket}", not a folder.`);
      }
      throw e;
    }
  }
}
