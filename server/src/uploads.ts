/**
 * Resumable uploads from the browser. A session names the target and the size; the browser
 * sends the parts (each verified by the store against its MD5) and asks to complete when
 * all are there. Sessions are durable records under {dataDir}/uploads, so an upload broken
 * off by the network, a reload or a restart of the service resumes with the parts it lacks.
 * The object appears only on completion; an abandoned session is aborted after a week.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import type { Logger } from 'pino';
import { writeAtomic } from './durable';
import { ApiError, isExplained } from './errors';
import type { IPart, IStorageProvider } from './platform/storage';
import { checkBucket, checkKey, objectExists } from './platform/storage';
import type { ICreateUpload, IUpload } from '@atelier/api';

interface IRecord {
  id: string;
  endpoint: string;
  bucket: string;
  key: string;
  size: number;
  partSize: number;
  uploadId: string;
  parts: Record<string, IPart>;
  createdAt: string;
}

const WEEK = 7 * 24 * 3600 * 1000;

export class UploadSessions {
  constructor(private readonly _options: { dir: string; storage: IStorageProvider; partSize: number; logger: Logger }) {
    fs.mkdirSync(_options.dir, { recursive: true, mode: 0o700 });
  }

  /** Aborts sessions older than a week. */
  async prune(): Promise<void> {
    for (const name of await fs.promises.readdir(this._options.dir)) {
      if (!name.endsWith('.json')) {
        continue;
      }
      const record = await this._read(name.slice(0, -5)).catch(() => null);
      if (record && Date.now() - Date.parse(record.createdAt) > WEEK) {
        await this.abort(record.id).catch(() => undefined);
      }
    }
  }

  async create(request: ICreateUpload): Promise<IUpload> {
    const store = this._options.storage.get(request.endpoint);
    checkBucket(request.bucket);
    checkKey(request.key);
    if (request.key.endsWith('/')) {
      throw new ApiError(400, 'invalid_key', `"${request.key}" names a folder; an object's key cannot end with "/".`);
    }
    if (!request.overwrite) {
      if (await objectExists(store, request.bucket, request.key)) {
        throw new ApiError(409, 'exists', `"${request.key}" already exists in "${request.bucket}".`);
      }
    }
    const partSize = this._options.partSize;
    if (Math.ceil(request.size / partSize) > 10000) {
      throw new ApiError(400, 'too_large', 'The file needs more than 10,000 parts; raise storage.partSizeMiB.');
    }
    const record: IRecord = {
      id: crypto.randomUUID(),
      endpoint: request.endpoint,
      bucket: request.bucket,
      key: request.key,
      size: request.size,
      partSize,
      uploadId: await store.createMultipart(request.bucket, request.key),
      parts: {},
      createdAt: new Date().toISOString()
    };
    await this._write(record);
    return view(record);
  }

  async get(id: string): Promise<IUpload> {
    return view(await this._read(id));
  }

  /** Stores part `partNumber` (1-based); its length must be the one the size implies. */
  async putPart(id: string, partNumber: number, body: Buffer): Promise<IUpload> {
    const record = await this._read(id);
    const count = partCount(record);
    if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > count) {
      throw new ApiError(400, 'invalid_part', `Part numbers go from 1 to ${count}.`);
    }
    const expected = partNumber < count ? record.partSize : record.size - record.partSize * (count - 1);
    if (body.length !== expected) {
      throw new ApiError(400, 'invalid_part', `Part ${partNumber} must be ${expected} bytes, not ${body.length}.`);
    }
    const store = this._options.storage.get(record.endpoint);
    const part = await store.uploadPart(record.bucket, record.key, record.uploadId, partNumber, body);
    // Parts may arrive concurrently: merge into the latest record, one writer at a time.
    return this._serial(id, async () => {
      const latest = await this._read(id);
      latest.parts[String(partNumber)] = part;
      await this._write(latest);
      return view(latest);
    });
  }

  async complete(id: string) {
    const record = await this._read(id);
    const missing = missingParts(record);
    if (missing.length) {
      throw new ApiError(409, 'incomplete', `${missing.length} part(s) are missing, e.g. part ${missing[0]}.`);
    }
    const store = this._options.storage.get(record.endpoint);
    const info = await store.completeMultipart(
      record.bucket,
      record.key,
      record.uploadId,
      Object.values(record.parts),
      record.size
    );
    await fs.promises.rm(this._file(id), { force: true });
    return info;
  }

  /** Drops the session. Its parts were never visible; an endpoint that cannot abort keeps them hidden. */
  async abort(id: string): Promise<void> {
    const record = await this._read(id);
    await this._options.storage
      .get(record.endpoint)
      .abortMultipart(record.bucket, record.key, record.uploadId)
      .catch(e =>
        this._options.logger.warn(
          { err: { message: (e as Error).message }, id },
          'the endpoint did not abort a multipart upload'
        )
      );
    await fs.promises.rm(this._file(id), { force: true });
  }

  private _file(id: string): string {
    if (!/^[0-9a-f-]{36}$/.test(id)) {
      throw new ApiError(404, 'not_found', 'There is no such upload.');
    }
    return path.join(this._options.dir, `${id}.json`);
  }

  private async _read(id: string): Promise<IRecord> {
    try {
      return JSON.parse(await fs.promises.readFile(this._file(id), 'utf8')) as IRecord;
    } catch (e) {
      if (isExplained(e)) {
        throw e;
      }
      throw new ApiError(404, 'not_found', 'There is no such upload (it was completed, cancelled, or has expired).');
    }
  }

  private async _write(record: IRecord): Promise<void> {
    await writeAtomic(this._file(record.id), JSON.stringify(record));
  }

  private _serial<T>(id: string, work: () => Promise<T>): Promise<T> {
    const previous = this._queues.get(id) ?? Promise.resolve();
    const next = previous.then(work, work);
    this._queues.set(
      id,
      next.then(
        () => undefined,
        () => undefined
      )
    );
    return next;
  }

  private _queues = new Map<string, Promise<unknown>>();
}

function partCount(record: { size: number; partSize: number }): number {
  return Math.max(1, Math.ceil(record.size / record.partSize));
}

function missingParts(record: IRecord): number[] {
  const missing: number[] = [];
  for (let n = 1; n <= partCount(record); n++) {
    if (!record.parts[String(n)]) {
      missing.push(n);
    }
  }
  return missing;
}

function view(record: IRecord): IUpload {
  return {
    id: record.id,
    endpoint: record.endpoint,
    bucket: record.bucket,
    key: record.key,
    size: record.size,
    partSize: record.partSize,
    partCount: partCount(record),
    partsDone: Object.keys(record.parts)
      .map(Number)
      .sort((a, b) => a - b),
    createdAt: record.createdAt
  };
}
