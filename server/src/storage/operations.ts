/**
 * Operations on a bucket that take more than one call of the store: counting, deleting and
 * copying or moving everything under a prefix, a checked upload, a folder. The routes turn
 * HTTP into these calls and back; these know nothing of HTTP and throw domain errors.
 */
import type { Readable } from 'stream';
import type { ICopyBody, IObjectInfo } from '@atelier/api';
import { DomainError } from '../domain-errors';
import type { IObjectStore } from '../platform/storage';
import { checkKey, checkPrefix, objectExists } from '../platform/storage';

/** Every key under a prefix, page by page (recursive, placeholders included). */
export async function* listAll(
  store: IObjectStore,
  bucket: string,
  prefix: string
): AsyncGenerator<{ key: string; size: number }> {
  let token: string | undefined;
  do {
    const page = await store.list(bucket, { prefix, delimiter: '', token, limit: 1000 });
    for (const object of page.objects) {
      yield object;
    }
    token = page.nextToken;
  } while (token);
}

/**
 * What is under a prefix: the objects (placeholders of folders left out) and their bytes, and
 * the folders, empty ones included, whether a placeholder or an object's path makes them.
 */
export async function countUnder(
  store: IObjectStore,
  bucket: string,
  prefix: string
): Promise<{ objects: number; bytes: number; folders: number }> {
  const base = checkPrefix(prefix);
  let objects = 0;
  let bytes = 0;
  const folders = new Set<string>();
  for await (const object of listAll(store, bucket, base)) {
    const rel = object.key.slice(base.length);
    const parts = rel.split('/');
    for (let i = 1; i < parts.length; i++) {
      folders.add(parts.slice(0, i).join('/'));
    }
    if (!object.key.endsWith('/')) {
      objects += 1;
      bytes += object.size;
    }
  }
  folders.delete('');
  return { objects, bytes, folders: folders.size };
}

/** Deletes one object (`key`), or a folder and everything in it (`prefix`); says how many objects went. */
export async function deleteObjects(
  store: IObjectStore,
  bucket: string,
  target: { key?: string; prefix?: string }
): Promise<{ deleted: number }> {
  const { key, prefix } = target;
  if ((key === undefined) === (prefix === undefined)) {
    throw new DomainError(
      'invalid',
      'invalid_request',
      'Give either `key` (one object) or `prefix` (a folder and everything in it).'
    );
  }
  if (key !== undefined) {
    checkKey(key);
    await store.stat(bucket, key);
    await store.delete(bucket, [key]);
    return { deleted: 1 };
  }
  const folder = checkKey(prefix!.endsWith('/') ? prefix! : `${prefix}/`, 'prefix');
  const keys: string[] = [];
  let deleted = 0;
  for await (const object of listAll(store, bucket, folder)) {
    keys.push(object.key);
    if (!object.key.endsWith('/')) {
      deleted += 1;
    }
    if (keys.length === 1000) {
      await store.delete(bucket, keys.splice(0));
    }
  }
  keys.push(folder);
  await store.delete(bucket, keys);
  return { deleted };
}

/** Writes `body` as `key`; unless `overwrite`, refuses a key that is taken. */
export async function putObject(
  store: IObjectStore,
  bucket: string,
  key: string,
  body: Readable,
  options: { overwrite: boolean; size?: number; contentType: string }
): Promise<IObjectInfo> {
  checkKey(key);
  if (!options.overwrite && (await objectExists(store, bucket, key))) {
    throw new DomainError('conflict', 'exists', `"${key}" already exists in "${bucket}".`);
  }
  return store.write(bucket, key, body, { size: options.size, contentType: options.contentType });
}

/** Makes a folder (its placeholder, `key` ending with '/'); resolves to that key. */
export async function createFolder(store: IObjectStore, bucket: string, name: string): Promise<string> {
  const key = name.endsWith('/') ? name : `${name}/`;
  checkKey(key, 'folder');
  await store.createFolder(bucket, key);
  return key;
}

/** Refuses to preview an object larger than `limit` bytes. */
export async function checkPreviewable(store: IObjectStore, bucket: string, key: string, limit: number): Promise<void> {
  const info = await store.stat(bucket, key);
  if (info.size > limit) {
    throw new DomainError(
      'too_large',
      'too_large_to_preview',
      `"${key}" is ${info.size} bytes; previews show objects up to ${limit} bytes. Download it instead.`
    );
  }
}

/** Copies (or moves) one object, or every object under a prefix ending with '/'. */
export async function copyOrMove(
  store: IObjectStore,
  bucket: string,
  body: ICopyBody
): Promise<{ copied: number; moved: boolean }> {
  const toBucket = body.toBucket ?? bucket;
  const from = checkKey(body.from, 'source');
  const to = checkKey(body.to, 'target');
  const pairs: [string, string][] = [];
  if (from.endsWith('/')) {
    if (!to.endsWith('/')) {
      throw new DomainError('invalid', 'invalid_request', 'A folder is copied to a folder: end the target with "/".');
    }
    if (toBucket === bucket && to.startsWith(from)) {
      throw new DomainError(
        'invalid',
        'invalid_request',
        `"${to}" is inside "${from}"; a folder cannot be copied into itself.`
      );
    }
    for await (const object of listAll(store, bucket, from)) {
      pairs.push([object.key, `${to}${object.key.slice(from.length)}`]);
    }
    if (pairs.length === 0) {
      await store.stat(bucket, from);
    }
  } else {
    await store.stat(bucket, from);
    pairs.push([from, to.endsWith('/') ? `${to}${from.split('/').pop()}` : to]);
  }
  if (toBucket === bucket && pairs.some(([a, b]) => a === b)) {
    throw new DomainError('invalid', 'invalid_request', 'The source and the target are the same.');
  }
  if (!body.overwrite) {
    const taken: string[] = [];
    for (const [, target] of pairs) {
      if (!target.endsWith('/') && (await objectExists(store, toBucket, target))) {
        taken.push(target);
      }
    }
    if (taken.length) {
      throw new DomainError(
        'conflict',
        'exists',
        `${taken.length === 1 ? `"${taken[0]}" already exists` : `${taken.length} objects already exist, e.g. "${taken[0]}"`} in "${toBucket}".`
      );
    }
  }
  let copied = 0;
  for (const [source, target] of pairs) {
    if (source.endsWith('/')) {
      await store.createFolder(toBucket, target);
    } else {
      await store.copy(bucket, source, toBucket, target);
      copied += 1;
    }
  }
  if (body.move) {
    const sources = pairs.map(([source]) => source);
    if (from.endsWith('/')) {
      sources.push(from);
    }
    await store.delete(bucket, sources);
  }
  return { copied, moved: body.move };
}
