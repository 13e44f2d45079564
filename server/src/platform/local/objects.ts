/**
 * Reading and writing the local endpoint's objects. Writes go to a temporary file beside the
 * buckets and are renamed into place only once complete, so a key never shows a partial
 * object. On a disk one name is either a file or a folder, where S3 keeps "a" and "a/" apart:
 * such clashes are a `conflict`.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { Readable, Transform } from 'stream';
import { pipeline } from 'stream/promises';
import type { IObjectInfo } from '@atelier/api';
import { DomainError } from '../../domain-errors';
import { guarded, openFile } from '../../streams';
import { IObjectStore, IWriteOptions, notFound } from '../storage';
import { BucketPaths, isAbsent, isMissing } from './paths';

export async function stat(paths: BucketPaths, bucket: string, key: string): Promise<IObjectInfo> {
  const file = await paths.keyPath(bucket, key, 'read');
  let stat: fs.Stats;
  try {
    stat = await fs.promises.stat(file);
  } catch (e) {
    if (isMissing(e)) {
      throw notFound(bucket, key);
    }
    throw e;
  }
  if (key.endsWith('/') ? !stat.isDirectory() : !stat.isFile()) {
    throw notFound(bucket, key);
  }
  return { key, size: stat.isFile() ? stat.size : 0, lastModified: stat.mtime.toISOString() };
}

/** Reads an object; a folder (a key ending with "/") reads as empty, with its `store.stat`. */
export async function read(
  paths: BucketPaths,
  store: IObjectStore,
  bucket: string,
  key: string
): Promise<{ info: IObjectInfo; stream: Readable }> {
  if (key.endsWith('/')) {
    return { info: await store.stat(bucket, key), stream: Readable.from([]) };
  }
  const file = await paths.keyPath(bucket, key, 'read');
  const opened = await openFile(file);
  if (!opened) {
    throw notFound(bucket, key);
  }
  return {
    info: { key, size: opened.stat.size, lastModified: opened.stat.mtime.toISOString() },
    stream: opened.stream
  };
}

export async function write(
  paths: BucketPaths,
  bucket: string,
  key: string,
  source: Readable,
  options: IWriteOptions = {}
): Promise<IObjectInfo> {
  if (key.endsWith('/')) {
    throw new DomainError('invalid', 'invalid_key', `"${key}" names a folder; an object's key cannot end with "/".`);
  }
  guarded(source); // it waits while the key is checked
  const target = await paths.keyPath(bucket, key, 'write');
  const tmp = path.join(paths.tmp, `${crypto.randomUUID()}.part`);
  const md5 = crypto.createHash('md5');
  let bytes = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      md5.update(chunk);
      options.onProgress?.(bytes);
      done(null, chunk);
    }
  });
  try {
    await pipeline(source, meter, fs.createWriteStream(tmp, { flags: 'wx', mode: 0o644 }), {
      signal: options.signal
    });
    if (options.size !== undefined && bytes !== options.size) {
      throw new DomainError(
        'invalid',
        'size_mismatch',
        `Received ${bytes} bytes for "${key}" but ${options.size} were announced; nothing was stored.`
      );
    }
    await paths.ensureParent(bucket, target, key);
    const existing = await fs.promises.lstat(target).catch(() => null);
    if (existing?.isDirectory()) {
      throw new DomainError('conflict', 'conflict', `"${key}" is a folder; an object cannot have the same name.`);
    }
    await fs.promises.rename(tmp, target);
  } catch (e) {
    await fs.promises.rm(tmp, { force: true });
    throw e;
  }
  const stat = await fs.promises.stat(target);
  return { key, size: stat.size, lastModified: stat.mtime.toISOString(), etag: md5.digest('hex') };
}

/** A copy is a read and a write through the store: the disk has no cheaper way that is atomic. */
export async function copy(
  store: IObjectStore,
  bucket: string,
  fromKey: string,
  toBucket: string,
  toKey: string
): Promise<IObjectInfo> {
  const source = await store.read(bucket, fromKey);
  try {
    return await store.write(toBucket, toKey, source.stream, { size: source.info.size });
  } finally {
    source.stream.destroy(); // closes the file also when the target was refused
  }
}

export async function deleteObjects(paths: BucketPaths, bucket: string, keys: string[]): Promise<void> {
  await paths.bucketDir(bucket);
  const folders = keys.filter(k => k.endsWith('/'));
  // Folders that become empty inside a folder being deleted go too (on S3 they are only
  // prefixes of the deleted keys), deepest first after the files.
  const emptied = new Set<string>(folders);
  for (const key of keys) {
    if (key.endsWith('/')) {
      continue;
    }
    await paths
      .keyPath(bucket, key, 'read')
      .then(file => fs.promises.unlink(file))
      .catch(e => {
        if (!isAbsent(e)) {
          throw e;
        }
      });
    for (
      let parent = key.slice(0, key.lastIndexOf('/') + 1);
      parent;
      parent = parent.slice(0, parent.slice(0, -1).lastIndexOf('/') + 1)
    ) {
      if (folders.some(f => parent.startsWith(f))) {
        emptied.add(parent);
      }
    }
  }
  const ordered = [...emptied].sort((a, b) => b.length - a.length);
  for (const key of ordered) {
    await paths
      .keyPath(bucket, key, 'read')
      .then(dir => fs.promises.rmdir(dir))
      .catch(e => {
        if (!isAbsent(e) && (e as NodeJS.ErrnoException).code !== 'ENOTEMPTY') {
          throw e;
        }
      });
  }
}

export async function createFolder(paths: BucketPaths, bucket: string, prefix: string): Promise<void> {
  const key = prefix.endsWith('/') ? prefix : `${prefix}/`;
  const dir = await paths.keyPath(bucket, key, 'write');
  await paths.ensureParent(bucket, dir, key);
  // S3 keeps "a" and "a/" apart; on a disk one name is either a file or a folder.
  const clash = () =>
    new DomainError(
      'conflict',
      'conflict',
      `An object named "${key.slice(0, -1)}" exists; a folder cannot have the same name.`
    );
  // Without the trailing slash: lstat of "file/" fails instead of finding the file.
  const existing = await fs.promises.lstat(dir.replace(/[/\\]+$/, '')).catch(() => null);
  if (existing && !existing.isDirectory()) {
    throw clash();
  }
  try {
    await fs.promises.mkdir(dir, { recursive: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw code === 'EEXIST' || code === 'ENOTDIR' ? clash() : e;
  }
}
