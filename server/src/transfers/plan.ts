/**
 * What a transfer does, decided before anything moves: the request checked against the
 * workspace and the endpoint (a 4xx for anything wrong), its new record, the files or objects
 * it moves, where each object copied to the workspace lands, and which targets exist already.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { ApiError } from '../errors';
import { TEMP_FILE } from '../fs-errors';
import type { IObjectStore } from '../platform/storage';
import { checkBucket, checkKey, objectExists } from '../platform/storage';
import { listAll } from '../storage/operations';
import type { ICreateTransfer } from '@atelier/api';
import { checkWorkspacePath, resolveInWorkspace } from '../workspace';
import type { IRecord } from './record';
import { exists, TransferRun } from './run';

/** One file or object to move. */
export interface IWorkItem {
  /** Path relative to the transfer's workspace path ('' for a single file). */
  rel: string;
  key: string;
  size: number;
  etag?: string;
}

/**
 * Checks a request against the workspace (under `root`) and the endpoint's store, and returns
 * its new record, queued. Throws a 4xx for anything wrong.
 */
export async function newRecord(request: ICreateTransfer, store: IObjectStore, root: string): Promise<IRecord> {
  checkBucket(request.bucket);
  checkKey(request.key);
  const rel = checkWorkspacePath(request.path);
  const local = await resolveInWorkspace(root, rel);
  const stat = await fs.promises.stat(local).catch(() => null);
  if (request.direction === 'to-storage') {
    if (!stat) {
      throw new ApiError(404, 'not_found', `"${rel}" does not exist in the workspace.`);
    }
    if (stat.isDirectory() && !request.key.endsWith('/')) {
      throw new ApiError(400, 'invalid_request', `"${rel}" is a folder: end the target key with "/".`);
    }
    await store.list(request.bucket, { prefix: '', delimiter: '/', limit: 1 });
  } else if (request.key.endsWith('/')) {
    if (stat && !stat.isDirectory()) {
      throw new ApiError(409, 'conflict', `"${rel}" is a file; a folder cannot be copied onto it.`);
    }
  } else {
    await store.stat(request.bucket, request.key);
  }
  return {
    id: crypto.randomUUID(),
    direction: request.direction,
    endpoint: request.endpoint,
    bucket: request.bucket,
    key: request.key,
    path: rel,
    overwrite: request.overwrite,
    state: 'queued',
    filesTotal: 0,
    filesDone: 0,
    bytesTotal: 0,
    bytesDone: 0,
    createdAt: new Date().toISOString()
  };
}

/** What moves: one file or object, or every file of a folder / object under a prefix. */
export async function planItems(run: TransferRun): Promise<IWorkItem[]> {
  const { record, store } = run;
  const local = await resolveInWorkspace(run.root, record.path);
  if (record.direction === 'to-storage') {
    const stat = await fs.promises.stat(local);
    if (stat.isFile()) {
      const key = record.key.endsWith('/') ? `${record.key}${path.basename(local)}` : record.key;
      return [{ rel: '', key: checkKey(key), size: stat.size }];
    }
    return folderFiles(local, record.key);
  }
  if (!record.key.endsWith('/')) {
    const info = await store.stat(record.bucket, record.key);
    return [{ rel: '', key: record.key, size: info.size, etag: info.etag }];
  }
  const objects: IWorkItem[] = [];
  let token: string | undefined;
  do {
    const page = await store.list(record.bucket, { prefix: record.key, delimiter: '', token, limit: 1000 });
    for (const object of page.objects) {
      if (!object.key.endsWith('/')) {
        objects.push({
          rel: checkWorkspacePath(object.key.slice(record.key.length)),
          key: object.key,
          size: object.size,
          etag: object.etag
        });
      }
    }
    token = page.nextToken;
  } while (token);
  return objects;
}

/** The files of the folder `local`, in name order, each to go to `prefix` + its relative path. */
async function folderFiles(local: string, prefix: string): Promise<IWorkItem[]> {
  const files: IWorkItem[] = [];
  const walk = async (dir: string, relDir: string) => {
    const entries = await fs.promises.readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const rel = relDir ? `${relDir}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        await walk(path.join(dir, entry.name), rel);
      } else if (entry.isFile() && !TEMP_FILE.test(entry.name)) {
        // A file removed since the folder was read is not part of the copy.
        const stat = await fs.promises.stat(path.join(dir, entry.name)).catch(e => {
          if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
            return null;
          }
          throw e;
        });
        if (stat?.isFile()) {
          files.push({ rel, key: checkKey(`${prefix}${rel}`), size: stat.size });
        }
      }
      // Symbolic links and special files are not followed out of the workspace; Atelier's
      // own temporary files (copies to the workspace under way) are not data.
    }
  };
  await walk(local, '');
  return files;
}

/**
 * Refuses (409 `exists`) a transfer that would replace objects or files, naming the first
 * (at most 20 are looked for), so that conflicts are found before anything moves.
 */
export async function checkTargets(run: TransferRun, items: IWorkItem[]): Promise<void> {
  const { record } = run;
  const taken: string[] = [];
  // A folder of more than a few files is checked with one listing of its target prefix, not
  // one request per file: the default (no overwrite) then costs about what overwrite costs.
  const listed =
    record.direction === 'to-storage' && record.key.endsWith('/') && items.length > FEW
      ? await keysUnder(run.store, record.bucket, record.key)
      : null;
  for (const item of items) {
    if (record.direction === 'to-storage') {
      if (listed ? listed.has(item.key) : await objectExists(run.store, record.bucket, item.key)) {
        taken.push(item.key);
      }
    } else {
      const target = await workspaceTarget(run, item);
      if (await exists(target)) {
        taken.push(path.relative(run.root, target));
      }
    }
    if (taken.length >= 20) {
      break;
    }
  }
  if (taken.length) {
    throw new ApiError(
      409,
      'exists',
      `${taken.length === 1 ? `"${taken[0]}" already exists` : `${taken.length} targets already exist, e.g. "${taken[0]}"`}; choose overwrite or another name.`
    );
  }
}

/** Up to this many files, a folder's targets are checked one by one. */
const FEW = 8;

/** Every key under a prefix (one listing, page by page). */
async function keysUnder(store: IObjectStore, bucket: string, prefix: string): Promise<Set<string>> {
  const keys = new Set<string>();
  for await (const object of listAll(store, bucket, prefix)) {
    keys.add(object.key);
  }
  return keys;
}

/** Where an object copied to the workspace lands: under the folder, or at the path (or inside it, if a folder). */
export async function workspaceTarget(run: TransferRun, item: IWorkItem): Promise<string> {
  const { record } = run;
  if (record.key.endsWith('/')) {
    // Each folder is resolved (and checked for links out of the root) once per transfer;
    // the file itself is replaced by a rename, which never follows a link.
    const rel = record.path ? `${record.path}/${item.rel}` : item.rel;
    const slash = rel.lastIndexOf('/');
    const dir = slash < 0 ? '' : rel.slice(0, slash);
    return path.join(await run.resolve(dir), rel.slice(slash + 1));
  }
  const base = await run.resolve(record.path);
  const stat = await fs.promises.stat(base).catch(() => null);
  return stat?.isDirectory() ? path.join(base, path.basename(item.key)) : base;
}
