/**
 * Transfers (copies between the workspace and object storage) run inside the service: the
 * browser is not in the data path. Each is a durable record (a JSON file under
 * {dataDir}/transfers) with a state machine and progress, so a restart of the service neither
 * loses nor repeats one: an interrupted transfer resumes after the files it had finished.
 *
 * Nothing half-written is ever presented as whole: objects appear only once verified (the
 * store's contract), and copies to the workspace are written to a hidden temporary file
 * beside the target, verified, then renamed into place. A copy to the workspace is verified
 * by its size and by the object's CRC-32 where the endpoint keeps one (every object Atelier
 * copies in parts carries one, and S3's own full-object checksums count too), else by its
 * MD5 where the ETag is one.
 *
 * Large objects with a CRC-32 (or with nothing to check but their size) come down in ranges,
 * several at once; the rest in one stream, since an MD5 must see the bytes in order.
 *
 * The manager keeps the records, starts and stops runs, and tells listeners of changes
 * ('change' with the public transfer, 'close' when the service stops).
 */
import { EventEmitter } from 'events';
import * as fs from 'fs';
import * as path from 'path';
import type { Logger } from 'pino';
import { RecordWriter } from '../durable';
import { ApiError, isExplained } from '../errors';
import { describeFsError, isFsError } from '../fs-errors';
import type { IObjectStore, IStorageProvider } from '../platform/storage';
import type { ICreateTransfer, ITransfer } from '@atelier/api';
import { execute } from './execute';
import { checkTargets, IWorkItem, newRecord, planItems } from './plan';
import { FINISHED, fromDisk, IRecord, publicView } from './record';
import { TransferRun } from './run';
import { abortMultipartUploads } from './to-storage';

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

/** How long a stop waits for the transfer to clear what it wrote. */
const STOP_WAIT_MS = 15000;

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
        const record = fromDisk(JSON.parse(await fs.promises.readFile(path.join(this._options.dir, name), 'utf8')));
        this._records.set(record.id, record);
      } catch (e) {
        this._options.logger.warn({ file: name, err: e }, 'skipping an unreadable transfer record');
      }
    }
    for (const record of this._records.values()) {
      if (!FINISHED.has(record.state)) {
        this._options.logger.info({ id: record.id }, 'resuming an interrupted transfer');
        record.state = 'queued';
        this._run(this._newRun(record));
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
    const record = await newRecord(request, store, options.root ?? this._options.workspace);
    if (options.root) {
      record.root = options.root;
    }
    const run = this._newRun(record, store);
    // Conflicts are found before anything moves.
    const items = await planItems(run);
    if (!record.overwrite) {
      await checkTargets(run, items);
    }
    this._records.set(record.id, record);
    await this._save(record);
    this._run(run, items);
    this._prune();
    return publicView(record);
  }

  /** Resolves when the transfer has finished (completed, failed or stopped). */
  wait(id: string): Promise<ITransfer> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const record = this._records.get(id);
        if (!record) {
          cleanup();
          reject(notFound(id));
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

  /**
   * Stops a running or queued transfer; what it wrote so far (a temporary file, the parts of an
   * upload) is removed before it is said to be stopped, as long as that takes at most
   * STOP_WAIT_MS. One that finished meanwhile is answered as it finished.
   */
  async stop(id: string): Promise<ITransfer> {
    const record = this._record(id);
    const under = this._stopping.get(id);
    if (under) {
      return under; // asked twice: one stop
    }
    if (FINISHED.has(record.state)) {
      throw new ApiError(409, 'finished', `The transfer is already ${record.state}.`);
    }
    const stopping = this._stop(record).finally(() => this._stopping.delete(id));
    this._stopping.set(id, stopping);
    return stopping;
  }

  private async _stop(record: IRecord): Promise<ITransfer> {
    this._runs.get(record.id)?.abort();
    const task = this._running.get(record.id);
    if (task) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        task.catch(() => undefined),
        new Promise(resolve => (timer = setTimeout(resolve, STOP_WAIT_MS)))
      ]);
      clearTimeout(timer);
    }
    if (FINISHED.has(record.state)) {
      return publicView(record); // it finished meanwhile
    }
    record.state = 'stopped';
    record.finishedAt = new Date().toISOString();
    await this._save(record);
    this._changed(record, true);
    return publicView(record);
  }

  /** Forgets a finished transfer. */
  async remove(id: string): Promise<void> {
    const record = this._record(id);
    if (!FINISHED.has(record.state)) {
      throw new ApiError(409, 'active', 'The transfer is still running; stop it first.');
    }
    this._records.delete(id);
    await this._writer.forget(id);
    await fs.promises.rm(path.join(this._options.dir, `${id}.json`), { force: true });
  }

  /** Waits for running transfers to reach a stopping point (service shutdown). */
  async close(): Promise<void> {
    this._closing = true;
    this.emit('close');
    for (const run of this._runs.values()) {
      run.abort();
    }
    await Promise.allSettled([...this._running.values()]);
    for (const record of this._records.values()) {
      if (this._dirty.has(record.id)) {
        await this._save(record);
      }
    }
  }

  /** A run of the record, with `store` where the caller has looked it up already. */
  private _newRun(record: IRecord, store?: IObjectStore): TransferRun {
    const { workspace, storage, concurrency, partSize } = this._options;
    const save = (r: IRecord) => this._save(r);
    const changed = (r: IRecord, now?: boolean) => this._changed(r, now);
    return new TransferRun(record, { workspace, storage, concurrency, partSize, save, changed }, store);
  }

  /** Why a transfer failed, in the user's terms: paths relative to the workspace, no errno. */
  private _failure(run: TransferRun, e: unknown): { message: string; code: string } {
    if (isExplained(e)) {
      return { message: e.message, code: e.code };
    }
    if (isFsError(e)) {
      const roots = [{ dir: run.root, label: run.record.root ? "the job's folder" : 'the workspace' }];
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
      throw notFound(id);
    }
    return record;
  }

  /** Runs the transfer; a failure is recorded, a stop of the service leaves it to resume. */
  private _run(run: TransferRun, planned?: IWorkItem[]): void {
    const { record } = run;
    this._runs.set(record.id, run);
    const task = execute(run, planned)
      .catch(async e => {
        if (this._closing && run.signal.aborted) {
          return; // stays queued/running on disk: resumed at the next start
        }
        await abortMultipartUploads(run);
        if (record.state === 'stopped' || this._stopping.has(record.id)) {
          return; // stop() says so
        }
        record.state = 'failed';
        record.error = this._failure(run, e);
        record.finishedAt = new Date().toISOString();
        this._options.logger.warn({ id: record.id, err: { message: (e as Error).message } }, 'transfer failed');
        await this._save(record);
        this._changed(record, true);
      })
      .finally(() => {
        this._runs.delete(record.id);
        this._running.delete(record.id);
      });
    this._running.set(record.id, task);
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
  /** The runs under way, by transfer: a stop of the transfer or of the service aborts them. */
  private _runs = new Map<string, TransferRun>();
  private _running = new Map<string, Promise<void>>();
  /** Transfers being stopped: their runs' failures are the stop's doing. */
  private _stopping = new Map<string, Promise<ITransfer>>();
  private _dirty = new Set<string>();
  private _lastEmit = new Map<string, number>();
  private _lastSave = new Map<string, number>();
  private _writer = new RecordWriter((e, id) =>
    this._options.logger.error({ err: e, id }, 'saving a transfer record failed')
  );
  private _closing = false;
}

function notFound(id: string): ApiError {
  return new ApiError(404, 'not_found', `There is no transfer "${id}".`);
}
