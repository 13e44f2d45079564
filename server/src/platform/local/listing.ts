/**
 * The local endpoint's buckets and listings. Keys are listed in S3's order (UTF-8 bytes),
 * folders either grouped under the delimiter or walked into, a page at a time with the last
 * key shown as the continuation token.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { IBucket, IListing } from '@atelier/api';
import { DomainError } from '../../domain-errors';
import { checkBucket, checkPrefix, compareKeys, decodeToken, encodeToken, IListOptions } from '../storage';
import { BucketPaths, isMissing, TMP_DIR } from './paths';

/** A file or folder found on disk, under its key. */
interface IEntry {
  key: string;
  folder: boolean;
  file?: string;
}

export async function listBuckets(paths: BucketPaths): Promise<IBucket[]> {
  const entries = await fs.promises.readdir(paths.root, { withFileTypes: true });
  const buckets: IBucket[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory() || entry.name === TMP_DIR) {
      continue;
    }
    try {
      checkBucket(entry.name);
    } catch {
      continue;
    }
    const stat = await fs.promises.stat(path.join(paths.root, entry.name));
    buckets.push({ name: entry.name, created: stat.birthtime.toISOString() });
  }
  return buckets.sort((a, b) => compareKeys(a.name, b.name));
}

export async function createBucket(paths: BucketPaths, name: string): Promise<void> {
  checkBucket(name);
  try {
    await fs.promises.mkdir(path.join(paths.root, name));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new DomainError('conflict', 'exists', `The bucket "${name}" already exists.`);
    }
    throw e;
  }
}

export async function list(paths: BucketPaths, bucket: string, options: IListOptions): Promise<IListing> {
  const root = await paths.bucketDir(bucket);
  const prefix = checkPrefix(options.prefix);
  const after = options.token ? decodeToken(options.token) : null;
  const slash = prefix.lastIndexOf('/');
  const dirPart = prefix.slice(0, slash + 1);
  const namePrefix = prefix.slice(slash + 1);
  // The folder listed must be part of the bucket: not reached through a link that leaves it.
  if (dirPart) {
    await paths.confine(bucket, root, dirPart);
  }
  const entries: IEntry[] = [];

  if (options.delimiter === '/') {
    for (const entry of await readdir(root, dirPart)) {
      if (!entry.name.startsWith(namePrefix)) {
        continue;
      }
      if (entry.isDirectory()) {
        entries.push({ key: `${dirPart}${entry.name}/`, folder: true });
      } else if (entry.isFile()) {
        entries.push({ key: `${dirPart}${entry.name}`, folder: false, file: path.join(root, dirPart, entry.name) });
      }
    }
  } else {
    await walk(root, dirPart, namePrefix, entries);
  }
  entries.sort((a, b) => compareKeys(a.key, b.key));

  const listing: IListing = { prefix, prefixes: [], objects: [] };
  let count = 0;
  for (const entry of entries) {
    if (after !== null && compareKeys(entry.key, after) <= 0) {
      continue;
    }
    if (entry.folder && entry.key === prefix) {
      continue; // the folder itself, as S3 consoles hide its placeholder (an object named so is listed)
    }
    if (count === options.limit) {
      listing.nextToken = encodeToken(lastKey(listing));
      break;
    }
    if (entry.folder && options.delimiter === '/') {
      listing.prefixes.push(entry.key);
    } else if (entry.folder) {
      listing.objects.push({ key: entry.key, size: 0, lastModified: new Date(0).toISOString() });
    } else {
      const stat = await fs.promises.stat(entry.file!).catch(() => null);
      if (!stat) {
        continue;
      }
      listing.objects.push({ key: entry.key, size: stat.size, lastModified: stat.mtime.toISOString() });
    }
    count++;
  }
  return listing;
}

async function readdir(root: string, dirPart: string): Promise<fs.Dirent[]> {
  try {
    return await fs.promises.readdir(path.join(root, dirPart), { withFileTypes: true });
  } catch (e) {
    if (isMissing(e)) {
      return [];
    }
    throw e;
  }
}

/** Every file, and every empty folder, under dirPart whose key starts with dirPart+namePrefix. */
async function walk(root: string, dirPart: string, namePrefix: string, out: IEntry[]): Promise<void> {
  const entries = await readdir(root, dirPart);
  if (entries.length === 0 && dirPart !== '' && namePrefix === '') {
    out.push({ key: dirPart, folder: true });
    return;
  }
  for (const entry of entries) {
    if (!entry.name.startsWith(namePrefix)) {
      continue;
    }
    if (entry.isDirectory()) {
      await walk(root, `${dirPart}${entry.name}/`, '', out);
    } else if (entry.isFile()) {
      out.push({ key: `${dirPart}${entry.name}`, folder: false, file: path.join(root, dirPart, entry.name) });
    }
  }
}

/** The greater of the listing's last object and last prefix: where the next page starts. */
function lastKey(listing: IListing): string {
  const lastObject = listing.objects[listing.objects.length - 1]?.key;
  const lastPrefix = listing.prefixes[listing.prefixes.length - 1];
  if (lastObject === undefined) {
    return lastPrefix;
  }
  if (lastPrefix === undefined) {
    return lastObject;
  }
  return compareKeys(lastObject, lastPrefix) > 0 ? lastObject : lastPrefix;
}
