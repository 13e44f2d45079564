/**
 * The local endpoint: buckets are folders under `{dataDir}/buckets`, keys are paths inside
 * them, and "folders" are directories. Writes go to a temporary file beside the buckets and
 * are renamed into place only once complete, so a key never shows a partial object.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { Readable, Transform } from 'stream';
import { pipeline } from 'stream/promises';
import { ApiError } from '../../errors';
import { NAME_MAX } from '../../fs-errors';
import { guarded, openFile } from '../../streams';
import type { IBucket, IEndpoint, IListing, IObjectInfo } from '@atelier/api';
import {
  checkBucket,
  checkKey,
  checkPrefix,
  compareKeys,
  decodeToken,
  encodeToken,
  IListOptions,
  IObjectStore,
  IPart,
  IWriteOptions,
  notFound
} from '../storage';

const TMP_DIR = '.atelier-tmp';

/** Errors that mean "no such entry" (a name too long for the disk cannot exist either). */
function isMissing(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'ENAMETOOLONG';
}

/** Whether a delete can pass over `e`: the entry is not there, or its key cannot exist. */
function isAbsent(e: unknown): boolean {
  return isMissing(e) || (e instanceof ApiError && e.statusCode === 404);
}

/** What a key is wanted for: reading (a name the disk cannot hold is simply absent) or writing. */
type Intent = 'read' | 'write';

function outsideBucket(bucket: string, key: string, how: string): ApiError {
  return new ApiError(400, 'outside_bucket', `"${key}" leads outside the bucket "${bucket}" (${how}).`);
}

export class LocalObjectStore implements IObjectStore {
  constructor(
    readonly info: IEndpoint,
    private readonly _root: string
  ) {
    fs.mkdirSync(path.join(_root, TMP_DIR), { recursive: true, mode: 0o700 });
  }

  async listBuckets(): Promise<IBucket[]> {
    const entries = await fs.promises.readdir(this._root, { withFileTypes: true });
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
      const stat = await fs.promises.stat(path.join(this._root, entry.name));
      buckets.push({ name: entry.name, created: stat.birthtime.toISOString() });
    }
    return buckets.sort((a, b) => compareKeys(a.name, b.name));
  }

  async createBucket(name: string): Promise<void> {
    checkBucket(name);
    try {
      await fs.promises.mkdir(path.join(this._root, name));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') {
        throw new ApiError(409, 'exists', `The bucket "${name}" already exists.`);
      }
      throw e;
    }
  }

  async list(bucket: string, options: IListOptions): Promise<IListing> {
    const root = await this._bucketDir(bucket);
    const prefix = checkPrefix(options.prefix);
    const after = options.token ? decodeToken(options.token) : null;
    const slash = prefix.lastIndexOf('/');
    const dirPart = prefix.slice(0, slash + 1);
    const namePrefix = prefix.slice(slash + 1);
    // The folder listed must be part of the bucket: not reached through a link that leaves it.
    if (dirPart) {
      await this._confine(bucket, root, dirPart);
    }
    const entries: { key: string; folder: boolean; file?: string }[] = [];

    if (options.delimiter === '/') {
      for (const entry of await this._readdir(root, dirPart)) {
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
      await this._walk(root, dirPart, namePrefix, entries);
    }
    entries.sort((a, b) => compareKeys(a.key, b.key));

    const listing: IListing = { prefix, prefixes: [], objects: [] };
    let count = 0;
    for (const entry of entries) {
      if (after !== null && compareKeys(entry.key, after) <= 0) {
        continue;
      }
      if (entry.key === prefix) {
        continue; // the folder itself, as S3 consoles hide its placeholder
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

  async stat(bucket: string, key: string): Promise<IObjectInfo> {
    const file = await this._path(bucket, key, 'read');
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

  async read(bucket: string, key: string): Promise<{ info: IObjectInfo; stream: Readable }> {
    if (key.endsWith('/')) {
      return { info: await this.stat(bucket, key), stream: Readable.from([]) };
    }
    const file = await this._path(bucket, key, 'read');
    const opened = await openFile(file);
    if (!opened) {
      throw notFound(bucket, key);
    }
    return {
      info: { key, size: opened.stat.size, lastModified: opened.stat.mtime.toISOString() },
      stream: opened.stream
    };
  }

  async write(bucket: string, key: string, source: Readable, options: IWriteOptions = {}): Promise<IObjectInfo> {
    if (key.endsWith('/')) {
      throw new ApiError(400, 'invalid_key', `"${key}" names a folder; an object's key cannot end with "/".`);
    }
    guarded(source); // it waits while the key is checked
    const target = await this._path(bucket, key, 'write');
    const tmp = path.join(this._root, TMP_DIR, `${crypto.randomUUID()}.part`);
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
        throw new ApiError(
          400,
          'size_mismatch',
          `Received ${bytes} bytes for "${key}" but ${options.size} were announced; nothing was stored.`
        );
      }
      await this._ensureParent(bucket, target, key);
      const existing = await fs.promises.lstat(target).catch(() => null);
      if (existing?.isDirectory()) {
        throw new ApiError(409, 'conflict', `"${key}" is a folder; an object cannot have the same name.`);
      }
      await fs.promises.rename(tmp, target);
    } catch (e) {
      await fs.promises.rm(tmp, { force: true });
      throw e;
    }
    const stat = await fs.promises.stat(target);
    return { key, size: stat.size, lastModified: stat.mtime.toISOString(), etag: md5.digest('hex') };
  }

  async copy(bucket: string, fromKey: string, toBucket: string, toKey: string): Promise<IObjectInfo> {
    const source = await this.read(bucket, fromKey);
    try {
      return await this.write(toBucket, toKey, source.stream, { size: source.info.size });
    } finally {
      source.stream.destroy(); // closes the file also when the target was refused
    }
  }

  async delete(bucket: string, keys: string[]): Promise<void> {
    await this._bucketDir(bucket);
    const folders = keys.filter(k => k.endsWith('/'));
    // Folders that become empty inside a folder being deleted go too (on S3 they are only
    // prefixes of the deleted keys), deepest first after the files.
    const emptied = new Set<string>(folders);
    for (const key of keys) {
      if (key.endsWith('/')) {
        continue;
      }
      await this._path(bucket, key, 'read')
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
      await this._path(bucket, key, 'read')
        .then(dir => fs.promises.rmdir(dir))
        .catch(e => {
          if (!isAbsent(e) && (e as NodeJS.ErrnoException).code !== 'ENOTEMPTY') {
            throw e;
          }
        });
    }
  }

  async createFolder(bucket: string, prefix: string): Promise<void> {
    const key = prefix.endsWith('/') ? prefix : `${prefix}/`;
    const dir = await this._path(bucket, key, 'write');
    await this._ensureParent(bucket, dir, key);
    // S3 keeps "a" and "a/" apart; on a disk one name is either a file or a folder.
    const clash = () =>
      new ApiError(
        409,
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

  async createMultipart(bucket: string, key: string): Promise<string> {
    await this._path(bucket, key, 'write');
    const uploadId = crypto.randomUUID();
    const dir = path.join(this._root, TMP_DIR, `multipart-${uploadId}`);
    await fs.promises.mkdir(dir, { mode: 0o700 });
    await fs.promises.writeFile(path.join(dir, 'target.json'), JSON.stringify({ bucket, key }));
    return uploadId;
  }

  async uploadPart(bucket: string, key: string, uploadId: string, partNumber: number, body: Buffer): Promise<IPart> {
    const dir = await this._multipartDir(bucket, key, uploadId);
    const file = path.join(dir, `${partNumber}.part`);
    const tmp = `${file}.${crypto.randomBytes(4).toString('hex')}.tmp`;
    await fs.promises.writeFile(tmp, body);
    await fs.promises.rename(tmp, file);
    const md5 = crypto.createHash('md5').update(body).digest('hex');
    return { partNumber, etag: `"${md5}"`, md5 };
  }

  async completeMultipart(
    bucket: string,
    key: string,
    uploadId: string,
    parts: IPart[],
    size: number
  ): Promise<IObjectInfo> {
    const dir = await this._multipartDir(bucket, key, uploadId);
    const sorted = [...parts].sort((a, b) => a.partNumber - b.partNumber);
    async function* concatenated(): AsyncGenerator<Buffer> {
      for (const part of sorted) {
        const body = await fs.promises.readFile(path.join(dir, `${part.partNumber}.part`));
        if (crypto.createHash('md5').update(body).digest('hex') !== part.md5) {
          throw new ApiError(
            502,
            'checksum_mismatch',
            `Part ${part.partNumber} of "${key}" is damaged on disk; upload it again.`
          );
        }
        yield body;
      }
    }
    const info = await this.write(bucket, key, Readable.from(concatenated()), { size });
    await fs.promises.rm(dir, { recursive: true, force: true });
    return info;
  }

  async abortMultipart(bucket: string, key: string, uploadId: string): Promise<void> {
    const dir = await this._multipartDir(bucket, key, uploadId).catch(() => null);
    if (dir) {
      await fs.promises.rm(dir, { recursive: true, force: true });
    }
  }

  private async _multipartDir(bucket: string, key: string, uploadId: string): Promise<string> {
    if (!/^[0-9a-f-]{36}$/.test(uploadId)) {
      throw new ApiError(404, 'not_found', 'There is no such upload.');
    }
    const dir = path.join(this._root, TMP_DIR, `multipart-${uploadId}`);
    const target = await fs.promises.readFile(path.join(dir, 'target.json'), 'utf8').then(JSON.parse, () => null);
    if (!target || target.bucket !== bucket || target.key !== key) {
      throw new ApiError(404, 'not_found', 'There is no such upload.');
    }
    return dir;
  }

  /**
   * The bucket's folder; 404 when it does not exist. A bucket is a real folder under the
   * root: a link there is not a bucket (it would lead anywhere).
   */
  private async _bucketDir(bucket: string): Promise<string> {
    checkBucket(bucket);
    const dir = path.join(this._root, bucket);
    const stat = await fs.promises.lstat(dir).catch(() => null);
    if (!stat?.isDirectory()) {
      throw notFound(bucket);
    }
    return dir;
  }

  /**
   * The path of a key, which must stay inside its bucket even through symbolic links. A name
   * longer than the disk allows cannot exist (404 when reading) and cannot be made (400).
   */
  private async _path(bucket: string, key: string, intent: Intent): Promise<string> {
    checkKey(key);
    const root = await this._bucketDir(bucket);
    if (key.split('/').some(segment => Buffer.byteLength(segment, 'utf8') > NAME_MAX)) {
      if (intent === 'read') {
        throw notFound(bucket, key);
      }
      throw new ApiError(
        400,
        'invalid_key',
        `"${key.slice(0, 200)}…" has a name over ${NAME_MAX} bytes between two slashes, more than the local endpoint's disk can hold; use shorter names (S3 endpoints take them).`
      );
    }
    await this._confine(bucket, root, key);
    return path.join(root, key);
  }

  /**
   * Checks every existing step of `key` below the bucket's folder: a symbolic link must lead
   * to a place inside the bucket (not out of it, not into another bucket); a broken link leads
   * nowhere and is refused too. Steps that do not exist yet are fine (they will be folders).
   */
  private async _confine(bucket: string, root: string, key: string): Promise<void> {
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

  private async _ensureParent(bucket: string, target: string, key: string): Promise<void> {
    try {
      await fs.promises.mkdir(path.dirname(target), { recursive: true });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' || code === 'ENOTDIR') {
        throw new ApiError(409, 'conflict', `A part of "${key}" is an object in "${bucket}", not a folder.`);
      }
      throw e;
    }
  }

  private async _readdir(root: string, dirPart: string): Promise<fs.Dirent[]> {
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
  private async _walk(
    root: string,
    dirPart: string,
    namePrefix: string,
    out: { key: string; folder: boolean; file?: string }[]
  ): Promise<void> {
    const entries = await this._readdir(root, dirPart);
    if (entries.length === 0 && dirPart !== '' && namePrefix === '') {
      out.push({ key: dirPart, folder: true });
      return;
    }
    for (const entry of entries) {
      if (!entry.name.startsWith(namePrefix)) {
        continue;
      }
      if (entry.isDirectory()) {
        await this._walk(root, `${dirPart}${entry.name}/`, '', out);
      } else if (entry.isFile()) {
        out.push({ key: `${dirPart}${entry.name}`, folder: false, file: path.join(root, dirPart, entry.name) });
      }
    }
  }
}

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
