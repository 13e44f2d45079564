/**
 * Transfers between the workspace and object storage run inside the service: the browser is
 * not in the data path. Each is a durable record (a JSON file under {dataDir}/transfers) with
 * a state machine and progress, so a restart of the service neither loses nor repeats one:
 * an interrupted transfer resumes after the files it had finished.
 *
 * Nothing half-written is ever presented as whole: objects appear only once verified (the
 * store's contract), and downloads are written to a hidden temporary file beside the target,
 * verified, then renamed into place. A download is verified by its size and by the object's
 * CRC-32 where the endpoint keeps one (every object Atelier uploads in parts carries one, and
 * S3's own full-object checksums count too), else by its MD5 where the ETag is one.
 *
 * Large objects with a CRC-32 (or with nothing to check but their size) come down in ranges,
 * several at once; the rest in one stream, since an MD5 must see the bytes in order.
 */
import * as crypto from 'crypto';
import { EventEmitter, setMaxListeners } from 'events';
import * as fs from 'fs';
import * as path from 'path';
import { Readable, Transform } from 'stream';
import { pipeline } from 'stream/promises';
import type { Logger } from 'pino';
import { crc32, crc32Combine, crc32FromBase64 } from './crc32';
import { RecordWriter } from './durable';
import { ApiError } from './errors';
import { describeFsError, isFsError, NAME_MAX, TEMP_FILE } from './fs-errors';
import type { IObjectStore, IPart, IStorageProvider } from './platform/storage';
import { downloadRanges, fileCrc32 } from './ranges';
import { checkBucket, checkKey, objectExists } from './platform/storage';
import type { ICreateTransfer, ITransfer } from '@atelier/api';
import { guarded } from './streams';
import { checkWorkspacePath, resolveInWorkspace } from './workspace';

interface IWorkItem {
  /** Path relative to the transfer's workspace path ('' for a single file). */
  rel: string;
  key: string;
  size: number;
  etag?: string;
}

interface IRecord extends ITransfer {
  /** Every item before this index is done (items are processed in order, a few at once). */
  resumeFrom?: number;
  /**
   * Large uploads under way, by item index: the multipart upload, the parts it has, and the
   * file's CRC-32 as read before the upload started (stored with the object).
   */
  multipart?: Record<string, { key: string; uploadId: string; parts: IPart[]; crc32?: number }>;
  /** The folder `path` is relative to, when not the workspace (a job's folder). */
  root?: string;
}

const FINISHED = new Set(['completed', 'failed', 'cancelled']);

export interface ITransferOptions {
  dir: string;
  workspace: string;
  storage: IStorageProvider;
  concurrency: number;
  /** Files larger than this go up as resumable multipart uploads, part by part. */
  partSize: number;
  logger: Logger;
  /** How many finished transfers are kept. */
  keep?: number;
}

export class TransferManager extends EventEmitter {
  constructor(private readonly _options: ITransferOptions) {
    super();
    this.setMaxListeners(0);
    fs.mkdirSync(_options.dir, { recursive: true, mode: 0o700 });
  }

  /** Loads the records; interrupted transfers start again where they stopped. */
  async start(): Promise<void> {
    for (const name of await fs.promises.readdir(this._options.dir)) {
      if (!name.endsWith('.json')) {
        continue;
      }
      try {
        const record = JSON.parse(await fs.promises.readFile(path.join(this._options.dir, name), 'utf8')) as IRecord;
        this._records.set(record.id, record);
      } catch (e) {
        this._options.logger.warn({ file: name, err: e }, 'skipping an unreadable transfer record');
      }
    }
    for (const record of this._records.values()) {
      if (!FINISHED.has(record.state)) {
        this._options.logger.info({ id: record.id }, 'resuming an interrupted transfer');
        record.state = 'queued';
        this._run(record);
      }
    }
  }

  list(): ITransfer[] {
    return [...this._records.values()].map(publicView).sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  get(id: string): ITransfer {
    return publicView(this._record(id));
  }

  /** Checks the request (4xx for anything wrong), records it, and starts it. */
  async create(request: ICreateTransfer, options: { root?: string } = {}): Promise<ITransfer> {
    const store = this._options.storage.get(request.endpoint);
    checkBucket(request.bucket);
    checkKey(request.key);
    const rel = checkWorkspacePath(request.path);
    const local = await resolveInWorkspace(options.root ?? this._options.workspace, rel);
    const stat = await fs.promises.stat(local).catch(() => null);
    if (request.direction === 'upload') {
      if (!stat) {
        throw new ApiError(404, 'not_found', `"${rel}" does not exist in the workspace.`);
      }
      if (stat.isDirectory() && !request.key.endsWith('/')) {
        throw new ApiError(400, 'invalid_request', `"${rel}" is a folder: end the target key with "/".`);
      }
      await store.list(request.bucket, { prefix: '', delimiter: '/', limit: 1 });
    } else if (request.key.endsWith('/')) {
      if (stat && !stat.isDirectory()) {
        throw new ApiError(409, 'conflict', `"${rel}" is a file; a folder cannot be downloaded onto it.`);
      }
    } else {
      await store.stat(request.bucket, request.key);
    }
    const record: IRecord = {
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
    if (options.root) {
      record.root = options.root;
    }
    // Conflicts are found before anything moves.
    const items = await this._plan(record, store);
    if (!record.overwrite) {
      const taken = await this._conflicts(record, store, items);
      if (taken.length) {
        throw new ApiError(
          409,
          'exists',
          `${taken.length === 1 ? `"${taken[0]}" already exists` : `${taken.length} targets already exist, e.g. "${taken[0]}"`}; choose overwrite or another name.`
        );
      }
    }
    this._records.set(record.id, record);
    await this._save(record);
    this._run(record, items);
    this._prune();
    return publicView(record);
  }

  /** Resolves when the transfer has finished (completed, failed or cancelled). */
  wait(id: string): Promise<ITransfer> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const record = this._records.get(id);
        if (!record) {
          cleanup();
          reject(new ApiError(404, 'not_found', `There is no transfer "${id}".`));
          return true;
        }
        if (FINISHED.has(record.state)) {
          cleanup();
          resolve(publicView(record));
          return true;
        }
        return false;
      };
      const onChange = (transfer: ITransfer) => {
        if (transfer.id === id) {
          check();
        }
      };
      const onClose = () => {
        cleanup();
        reject(new ApiError(503, 'closing', 'The service is stopping.'));
      };
      const cleanup = () => {
        this.off('change', onChange);
        this.off('close', onClose);
      };
      this.on('change', onChange);
      this.once('close', onClose);
      check();
    });
  }

  /** Stops a running or queued transfer; what it wrote so far is removed. */
  async cancel(id: string): Promise<ITransfer> {
    const record = this._record(id);
    if (FINISHED.has(record.state)) {
      throw new ApiError(409, 'finished', `The transfer is already ${record.state}.`);
    }
    this._aborts.get(id)?.abort();
    record.state = 'cancelled';
    record.finishedAt = new Date().toISOString();
    await this._save(record);
    this._changed(record, true);
    return publicView(record);
  }

  /** Forgets a finished transfer. */
  async remove(id: string): Promise<void> {
    const record = this._record(id);
    if (!FINISHED.has(record.state)) {
      throw new ApiError(409, 'active', 'The transfer is still running; cancel it first.');
    }
    this._records.delete(id);
    await this._writer.forget(id);
    await fs.promises.rm(path.join(this._options.dir, `${id}.json`), { force: true });
  }

  /** Waits for running transfers to reach a stopping point (service shutdown). */
  async close(): Promise<void> {
    this._closing = true;
    this.emit('close');
    for (const controller of this._aborts.values()) {
      controller.abort();
    }
    await Promise.allSettled([...this._running.values()]);
    for (const record of this._records.values()) {
      if (this._dirty.has(record.id)) {
        await this._save(record);
      }
    }
  }

  /** Drops the multipart uploads of a failed or cancelled transfer (their parts were never visible). */
  private async _abortUploads(record: IRecord): Promise<void> {
    const store = this._options.storage.get(record.endpoint);
    for (const upload of Object.values(record.multipart ?? {})) {
      await store.abortMultipart(record.bucket, upload.key, upload.uploadId).catch(() => undefined);
    }
    delete record.multipart;
  }

  /** A path under the transfer's root, resolved and checked for links out of it once per run. */
  private _resolve(record: IRecord, rel: string): Promise<string> {
    const paths = this._resolved.get(record.id) ?? new Map<string, Promise<string>>();
    this._resolved.set(record.id, paths);
    let resolved = paths.get(rel);
    if (!resolved) {
      resolved = resolveInWorkspace(this._root(record), rel);
      paths.set(rel, resolved);
    }
    return resolved;
  }

  private _root(record: IRecord): string {
    return record.root ?? this._options.workspace;
  }

  /** Why a transfer failed, in the user's terms: paths relative to the workspace, no errno. */
  private _failure(record: IRecord, e: unknown): { message: string; code: string } {
    if (e instanceof ApiError) {
      return { message: e.message, code: e.code };
    }
    if (isFsError(e)) {
      const roots = [{ dir: this._root(record), label: record.root ? "the job's folder" : 'the workspace' }];
      return { message: `The transfer failed: ${describeFsError(e, roots)}`, code: 'transfer_failed' };
    }
    return {
      message:
        'The transfer failed: the storage endpoint or the service reported an unexpected error; the service log has the details.',
      code: 'transfer_failed'
    };
  }

  private _record(id: string): IRecord {
    const record = this._records.get(id);
    if (!record) {
      throw new ApiError(404, 'not_found', `There is no transfer "${id}".`);
    }
    return record;
  }

  private _run(record: IRecord, planned?: IWorkItem[]): void {
    const controller = new AbortController();
    // Every file in flight listens to this signal: more than the default ten is normal here.
    setMaxListeners(0, controller.signal);
    this._aborts.set(record.id, controller);
    const task = this._execute(record, controller.signal, planned)
      .catch(async e => {
        if (this._closing && controller.signal.aborted) {
          return; // stays queued/running on disk: resumed at the next start
        }
        await this._abortUploads(record);
        if (record.state === 'cancelled') {
          return;
        }
        record.state = 'failed';
        record.error = this._failure(record, e);
        record.finishedAt = new Date().toISOString();
        this._options.logger.warn({ id: record.id, err: { message: (e as Error).message } }, 'transfer failed');
        await this._save(record);
        this._changed(record, true);
      })
      .finally(() => {
        this._aborts.delete(record.id);
        this._running.delete(record.id);
      });
    this._running.set(record.id, task);
  }

  private async _execute(record: IRecord, signal: AbortSignal, planned?: IWorkItem[]): Promise<void> {
    const store = this._options.storage.get(record.endpoint);
    const items = planned ?? (await this._plan(record, store));
    record.state = 'running';
    record.startedAt = record.startedAt ?? new Date().toISOString();
    record.filesTotal = items.length;
    record.bytesTotal = items.reduce((sum, item) => sum + item.size, 0);
    const start = Math.min(record.resumeFrom ?? 0, items.length);
    record.filesDone = start;
    record.bytesDone = items.slice(0, start).reduce((sum, item) => sum + item.size, 0);
    const partBytes = (index: number, part: IPart) =>
      Math.min(this._options.partSize, items[index].size - (part.partNumber - 1) * this._options.partSize);
    for (const [index, upload] of Object.entries(record.multipart ?? {})) {
      if (Number(index) >= start && Number(index) < items.length) {
        record.bytesDone += upload.parts.reduce((sum, part) => sum + partBytes(Number(index), part), 0);
      }
    }
    await this._save(record);
    this._changed(record, true);

    const done = new Array<boolean>(items.length).fill(false);
    for (let i = 0; i < start; i++) {
      done[i] = true;
    }
    const progress = new Array<number>(items.length).fill(0);
    for (const [index, upload] of Object.entries(record.multipart ?? {})) {
      if (Number(index) >= start && Number(index) < items.length) {
        progress[Number(index)] = upload.parts.reduce((sum, part) => sum + partBytes(Number(index), part), 0);
      }
    }
    let next = start;
    const worker = async () => {
      while (next < items.length) {
        if (signal.aborted) {
          throw new ApiError(409, 'cancelled', 'The transfer was cancelled.');
        }
        const index = next++;
        const item = items[index];
        const onProgress = (bytes: number) => {
          record.bytesDone += bytes - progress[index];
          progress[index] = bytes;
          this._changed(record);
        };
        if (record.direction === 'upload' && item.size > this._options.partSize) {
          await this._uploadInParts(record, store, item, index, signal, onProgress);
        } else if (record.direction === 'upload') {
          await this._uploadOne(record, store, item, signal, onProgress);
        } else {
          await this._downloadOne(record, store, item, signal, onProgress);
        }
        onProgress(item.size);
        done[index] = true;
        record.filesDone += 1;
        let resumeFrom = record.resumeFrom ?? 0;
        while (resumeFrom < items.length && done[resumeFrom]) {
          resumeFrom++;
        }
        record.resumeFrom = resumeFrom;
        this._changed(record);
      }
    };
    // Many small files: more in flight, as request latency, not bandwidth, bounds them.
    const small = items.length > 0 && record.bytesTotal / items.length <= SMALL_FILE;
    const concurrency = small ? this._options.concurrency * 2 : this._options.concurrency;
    const workers = Array.from({ length: Math.min(concurrency, Math.max(1, items.length - start)) }, worker);
    const results = await Promise.allSettled(workers);
    this._resolved.delete(record.id);
    this._made.delete(record.id);
    const failure = results.find(r => r.status === 'rejected') as PromiseRejectedResult | undefined;
    if (failure) {
      throw failure.reason;
    }
    if (record.direction === 'download' && record.key.endsWith('/') && items.length === 0) {
      await fs.promises.mkdir(await resolveInWorkspace(this._root(record), record.path), { recursive: true });
    }
    record.state = 'completed';
    record.finishedAt = new Date().toISOString();
    await this._save(record);
    this._changed(record, true);
  }

  /** What moves: one file or object, or every file of a folder / object under a prefix. */
  private async _plan(record: IRecord, store: IObjectStore): Promise<IWorkItem[]> {
    const local = await resolveInWorkspace(this._root(record), record.path);
    if (record.direction === 'upload') {
      const stat = await fs.promises.stat(local);
      if (stat.isFile()) {
        const key = record.key.endsWith('/') ? `${record.key}${path.basename(local)}` : record.key;
        return [{ rel: '', key: checkKey(key), size: stat.size }];
      }
      const files: IWorkItem[] = [];
      const walk = async (dir: string, relDir: string) => {
        const entries = await fs.promises.readdir(dir, { withFileTypes: true });
        entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
        for (const entry of entries) {
          const rel = relDir ? `${relDir}/${entry.name}` : entry.name;
          if (entry.isDirectory()) {
            await walk(path.join(dir, entry.name), rel);
          } else if (entry.isFile() && !TEMP_FILE.test(entry.name)) {
            // A file removed since the folder was read is not part of the upload.
            const stat = await fs.promises.stat(path.join(dir, entry.name)).catch(e => {
              if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
                return null;
              }
              throw e;
            });
            if (stat?.isFile()) {
              files.push({ rel, key: checkKey(`${record.key}${rel}`), size: stat.size });
            }
          }
          // Symbolic links and special files are not followed out of the workspace; Atelier's
          // own temporary files (downloads under way) are not data.
        }
      };
      await walk(local, '');
      return files;
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

  private async _conflicts(record: IRecord, store: IObjectStore, items: IWorkItem[]): Promise<string[]> {
    const taken: string[] = [];
    for (const item of items) {
      if (record.direction === 'upload') {
        if (await objectExists(store, record.bucket, item.key)) {
          taken.push(item.key);
        }
      } else {
        const target = await this._downloadTarget(record, item);
        if (
          await fs.promises.lstat(target).then(
            () => true,
            () => false
          )
        ) {
          taken.push(path.relative(this._root(record), target));
        }
      }
      if (taken.length >= 20) {
        break;
      }
    }
    return taken;
  }

  private async _downloadTarget(record: IRecord, item: IWorkItem): Promise<string> {
    if (record.key.endsWith('/')) {
      // Each folder is resolved (and checked for links out of the root) once per transfer;
      // the file itself is replaced by a rename, which never follows a link.
      const rel = record.path ? `${record.path}/${item.rel}` : item.rel;
      const slash = rel.lastIndexOf('/');
      const dir = slash < 0 ? '' : rel.slice(0, slash);
      return path.join(await this._resolve(record, dir), rel.slice(slash + 1));
    }
    const base = await this._resolve(record, record.path);
    const stat = await fs.promises.stat(base).catch(() => null);
    return stat?.isDirectory() ? path.join(base, path.basename(item.key)) : base;
  }

  private async _uploadOne(
    record: IRecord,
    store: IObjectStore,
    item: IWorkItem,
    signal: AbortSignal,
    onProgress: (bytes: number) => void
  ): Promise<void> {
    // The base is resolved (and confined) once for this run; the plan followed no links.
    const base = await this._resolve(record, record.path);
    const file = item.rel ? path.join(base, item.rel) : base;
    // Small files in one read; large ones streamed.
    // Large ones are opened before the store is called: an open that fails is this file's
    // error, never an unheard stream error; and the stream is closed whatever the store did.
    const source =
      item.size <= SMALL_FILE
        ? Readable.from([await fs.promises.readFile(file)])
        : guarded((await fs.promises.open(file, 'r')).createReadStream());
    try {
      await store.write(record.bucket, item.key, source, { size: item.size, onProgress, signal });
    } finally {
      source.destroy();
    }
  }

  /**
   * A large file goes up part by part; each stored part is recorded, so after a restart of
   * the service only the missing parts are sent. The object appears when all are assembled.
   */
  private async _uploadInParts(
    record: IRecord,
    store: IObjectStore,
    item: IWorkItem,
    index: number,
    signal: AbortSignal,
    onProgress: (bytes: number) => void
  ): Promise<void> {
    const base = await this._resolve(record, record.path);
    const file = item.rel ? path.join(base, item.rel) : base;
    const partSize = this._options.partSize;
    const count = Math.ceil(item.size / partSize);
    record.multipart = record.multipart ?? {};
    const sizeOf = (n: number) => Math.min(partSize, item.size - (n - 1) * partSize);
    // One handle serves the CRC-32 pre-scan and the parts.
    const handle = await fs.promises.open(file, 'r');
    try {
      let upload = record.multipart[String(index)];
      if (!upload) {
        // The CRC-32 goes with the object from the start (its metadata is set when the upload
        // begins), so the file is read once before: about 0.2 s a GiB.
        const whole = await fileCrc32(handle, item.size, signal);
        upload = {
          key: item.key,
          uploadId: await store.createMultipart(record.bucket, item.key, { crc32: whole }),
          parts: [],
          crc32: whole
        };
        record.multipart[String(index)] = upload;
        await this._save(record);
      }
      const current = upload;
      const have = new Set(current.parts.map(p => p.partNumber));
      const todo = Array.from({ length: count }, (_, i) => i + 1).filter(n => !have.has(n));
      let sent = current.parts.reduce((sum, p) => sum + sizeOf(p.partNumber), 0);
      onProgress(sent);
      const worker = async () => {
        while (todo.length) {
          if (signal.aborted) {
            throw new ApiError(409, 'cancelled', 'The transfer was cancelled.');
          }
          const n = todo.shift()!;
          const body = Buffer.allocUnsafe(sizeOf(n)); // filled entirely by the read (checked below)
          const { bytesRead } = await handle.read(body, 0, body.length, (n - 1) * partSize);
          if (bytesRead !== body.length) {
            throw new ApiError(
              409,
              'changed',
              `"${item.rel || record.path}" changed size during the transfer; start it again.`
            );
          }
          const part = await store.uploadPart(record.bucket, item.key, current.uploadId, n, body);
          current.parts.push({ ...part, crc32: crc32(body) });
          sent += body.length;
          onProgress(sent);
          await this._save(record);
        }
      };
      await Promise.all(Array.from({ length: Math.min(this._options.concurrency, Math.max(1, todo.length)) }, worker));
      // The parts must add up to the CRC-32 stored with the object: a file rewritten in place
      // during the upload would otherwise leave an object that is neither version.
      const parts = [...current.parts].sort((a, b) => a.partNumber - b.partNumber);
      if (current.crc32 !== undefined && parts.every(p => p.crc32 !== undefined)) {
        const sum = parts.reduce((whole, p) => crc32Combine(whole, p.crc32!, sizeOf(p.partNumber)), 0);
        if (sum !== current.crc32) {
          delete record.multipart[String(index)];
          await this._save(record);
          await store.abortMultipart(record.bucket, item.key, current.uploadId).catch(() => undefined);
          throw new ApiError(
            409,
            'changed',
            `"${item.rel || record.path}" changed during the transfer; start it again.`
          );
        }
      }
      await store.completeMultipart(record.bucket, item.key, current.uploadId, current.parts, item.size);
      delete record.multipart[String(index)];
      await this._save(record);
    } finally {
      await handle.close();
    }
  }

  private async _downloadOne(
    record: IRecord,
    store: IObjectStore,
    item: IWorkItem,
    signal: AbortSignal,
    onProgress: (bytes: number) => void
  ): Promise<void> {
    const target = await this._downloadTarget(record, item);
    const dir = path.dirname(target);
    const made = this._made.get(record.id) ?? new Set<string>();
    this._made.set(record.id, made);
    if (!made.has(dir)) {
      await fs.promises.mkdir(dir, { recursive: true });
      made.add(dir);
    }
    const tmp = tempFile(target, record.id);
    try {
      // Large objects: what the endpoint knows of them decides between ranges and one stream.
      const info =
        item.size > this._options.partSize && store.readRangeInto ? await store.stat(record.bucket, item.key) : null;
      const checksum = crc32FromBase64(info?.crc32);
      if (info?.etag && (checksum !== undefined || !PLAIN_MD5.test(info.etag))) {
        const handle = await fs.promises.open(tmp, 'w', 0o644);
        let got: number;
        try {
          got = await downloadRanges(store, record.bucket, item.key, { size: info.size, etag: info.etag }, handle, {
            rangeSize: this._options.partSize,
            concurrency: this._options.concurrency,
            signal,
            onProgress
          });
        } finally {
          await handle.close();
        }
        if (checksum !== undefined && got !== checksum) {
          throw new ApiError(
            502,
            'checksum_mismatch',
            `"${item.key}" arrived damaged (its CRC-32 differs from the one stored with it); nothing was written.`
          );
        }
      } else {
        await this._downloadStream(record, store, item, tmp, signal, onProgress);
      }
      if (
        !record.overwrite &&
        (await fs.promises.lstat(target).then(
          () => true,
          () => false
        ))
      ) {
        throw new ApiError(
          409,
          'exists',
          `"${path.relative(this._root(record), target)}" appeared meanwhile; nothing was overwritten.`
        );
      }
      await fs.promises.rename(tmp, target);
    } catch (e) {
      await fs.promises.rm(tmp, { force: true });
      throw e;
    }
  }

  /** One GET, written to `tmp` and checked: its size, and its MD5 where the ETag is one. */
  private async _downloadStream(
    record: IRecord,
    store: IObjectStore,
    item: IWorkItem,
    tmp: string,
    signal: AbortSignal,
    onProgress: (bytes: number) => void
  ): Promise<void> {
    const { stream, info } = await store.read(record.bucket, item.key);
    // The whole-object MD5 can be checked only where the ETag is one (not for multipart ETags).
    const etag = info.etag ?? item.etag;
    const md5 = etag && PLAIN_MD5.test(etag) ? crypto.createHash('md5') : null;
    let bytes = 0;
    if (info.size <= SMALL_FILE) {
      // Small objects: gathered and hashed, then written in one call (fewer system calls and
      // stream objects than a pipeline; about 0.2 ms of CPU an object).
      const chunks: Buffer[] = [];
      const abort = () => stream.destroy(new ApiError(409, 'cancelled', 'The transfer was cancelled.'));
      if (signal.aborted) {
        abort();
      }
      signal.addEventListener('abort', abort, { once: true });
      try {
        for await (const chunk of stream as AsyncIterable<Buffer>) {
          chunks.push(chunk);
          bytes += chunk.length;
          md5?.update(chunk);
        }
      } finally {
        signal.removeEventListener('abort', abort);
      }
      onProgress(bytes);
      await fs.promises.writeFile(tmp, Buffer.concat(chunks, bytes), { mode: 0o644 });
    } else {
      const meter = new Transform({
        transform(chunk: Buffer, _enc, callback) {
          bytes += chunk.length;
          md5?.update(chunk);
          onProgress(bytes);
          callback(null, chunk);
        }
      });
      await pipeline(stream, meter, fs.createWriteStream(tmp, { mode: 0o644 }), { signal });
    }
    if (bytes !== info.size) {
      throw new ApiError(
        502,
        'size_mismatch',
        `"${item.key}" arrived with ${bytes} bytes instead of ${info.size}; nothing was written.`
      );
    }
    if (md5 && etag !== md5.digest('hex')) {
      throw new ApiError(
        502,
        'checksum_mismatch',
        `"${item.key}" arrived damaged (its MD5 differs from its ETag); nothing was written.`
      );
    }
  }

  /** Notes a change; listeners get it at most every 250 ms per transfer, or at once. */
  private _changed(record: IRecord, now = false): void {
    this._dirty.add(record.id);
    if (now) {
      this.emit('change', publicView(record));
      this._lastEmit.set(record.id, Date.now());
      return;
    }
    const last = this._lastEmit.get(record.id) ?? 0;
    if (Date.now() - last >= 250) {
      this._lastEmit.set(record.id, Date.now());
      this.emit('change', publicView(record));
      if (Date.now() - (this._lastSave.get(record.id) ?? 0) >= 1000) {
        void this._save(record).catch(() => undefined);
      }
    }
  }

  /** Writes the record atomically, one write at a time per record, in order. */
  private _save(record: IRecord): Promise<void> {
    this._dirty.delete(record.id);
    this._lastSave.set(record.id, Date.now());
    const file = path.join(this._options.dir, `${record.id}.json`);
    return this._writer.write(record.id, file, JSON.stringify(record), () => this._records.has(record.id));
  }

  /** Keeps the newest finished transfers only. */
  private _prune(): void {
    const keep = this._options.keep ?? 200;
    const finished = [...this._records.values()]
      .filter(r => FINISHED.has(r.state))
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    for (const record of finished.slice(keep)) {
      void this.remove(record.id).catch(() => undefined);
    }
  }

  private _records = new Map<string, IRecord>();
  private _aborts = new Map<string, AbortController>();
  private _running = new Map<string, Promise<void>>();
  private _dirty = new Set<string>();
  private _lastEmit = new Map<string, number>();
  private _lastSave = new Map<string, number>();
  private _writer = new RecordWriter((e, id) =>
    this._options.logger.error({ err: e, id }, 'saving a transfer record failed')
  );
  private _closing = false;
  /** Per transfer while it runs: workspace paths resolved (and confined), folders known to exist. */
  private _resolved = new Map<string, Map<string, Promise<string>>>();
  private _made = new Map<string, Set<string>>();
}

/**
 * The hidden temporary file a download is written to before its rename. A name near the
 * disk's limit of 255 bytes gets a short stand-in, since the temporary name must fit too.
 */
function tempFile(target: string, id: string): string {
  const name = path.basename(target);
  const tag = `.atelier-${id.slice(0, 8)}.part`;
  const stem =
    Buffer.byteLength(name, 'utf8') + tag.length + 1 <= NAME_MAX
      ? name
      : crypto.createHash('sha1').update(name).digest('hex').slice(0, 16);
  return path.join(path.dirname(target), `.${stem}${tag}`);
}

/** An ETag that is the object's MD5 (not a multipart or encrypted object's). */
const PLAIN_MD5 = /^[0-9a-f]{32}$/;

/** Files up to this size are read in one call and sent with more concurrency. */
const SMALL_FILE = 1024 * 1024;

function publicView(record: IRecord): ITransfer {
  const { resumeFrom: _resume, multipart: _multipart, root: _root, ...view } = record;
  void _resume;
  void _multipart;
  void _root;
  return { ...view, error: view.error ? { ...view.error } : undefined };
}
