/**
 * The service's side of the bulk worker (server/resources/bulk-worker.js): signed range
 * requests go to a worker thread that writes the bytes into a file at their offset and
 * answers with their CRC-32. One worker per endpoint, started when first needed and not
 * keeping the process alive; if it dies, what it had under way fails and the next request
 * starts another.
 */
import * as path from 'path';
import { Worker } from 'worker_threads';
import { RESOURCES_DIR } from '../../paths';
import type { ISignedRequest } from './lean';
import { s3Error } from './lean';

const SCRIPT = path.join(RESOURCES_DIR, 'bulk-worker.js');

export interface IRangeResult {
  crc: number;
  received: number;
  etag: string;
  contentRange: string;
}

interface IPending {
  resolve: (result: IRangeResult) => void;
  reject: (error: Error) => void;
  onBytes: (bytes: number) => void;
}

type Message =
  | { type: 'progress'; id: number; bytes: number }
  | ({ type: 'done'; id: number } & IRangeResult)
  | { type: 'failed'; id: number; status?: number; body?: string; code?: string; message: string };

export class BulkWorker {
  /**
   * Fetches `length` bytes with the signed GET `request` into the file `fd` at `position`.
   * Rejects with an SDK-shaped error for error answers, or a Node-style one (`code`) for
   * network failures; a cancelled request rejects once none of its writes is in flight.
   */
  fetchRange(
    request: ISignedRequest,
    fd: number,
    position: number,
    length: number,
    onBytes: (bytes: number) => void,
    signal?: AbortSignal
  ): Promise<IRangeResult> {
    const worker = this._start();
    const id = this._nextId++;
    return new Promise<IRangeResult>((resolve, reject) => {
      const cancel = () => worker.postMessage({ type: 'cancel', id });
      signal?.addEventListener('abort', cancel, { once: true });
      const done = () => signal?.removeEventListener('abort', cancel);
      this._pending.set(id, {
        resolve: result => {
          done();
          resolve(result);
        },
        reject: error => {
          done();
          reject(error);
        },
        onBytes
      });
      worker.postMessage({ type: 'get', id, request: { ...request, method: 'GET' }, fd, position, length });
      if (signal?.aborted) {
        cancel();
      }
    });
  }

  /** Stops the worker; what it had under way fails. */
  async close(): Promise<void> {
    const worker = this._worker;
    this._worker = null;
    await worker?.terminate();
  }

  private _start(): Worker {
    if (this._worker) {
      return this._worker;
    }
    const worker = new Worker(SCRIPT);
    worker.unref();
    worker.on('message', (message: Message) => this._receive(message));
    const lost = (why: string) => {
      if (this._worker === worker) {
        this._worker = null;
      }
      const orphans = [...this._pending.values()];
      this._pending.clear();
      // Writes the worker had handed to the thread pool may still land: the callers close
      // their files only after those are surely done.
      setTimeout(() => {
        for (const pending of orphans) {
          pending.reject(Object.assign(new Error(`The transfer worker stopped (${why}).`), { code: 'EWORKER' }));
        }
      }, 1000).unref();
    };
    worker.on('error', error => lost(error.message));
    worker.on('exit', code => lost(`exit code ${code}`));
    this._worker = worker;
    return worker;
  }

  private _receive(message: Message): void {
    const pending = this._pending.get(message.id);
    if (!pending) {
      return;
    }
    if (message.type === 'progress') {
      pending.onBytes(message.bytes);
      return;
    }
    this._pending.delete(message.id);
    if (message.type === 'done') {
      pending.resolve({
        crc: message.crc,
        received: message.received,
        etag: message.etag,
        contentRange: message.contentRange
      });
    } else if (message.status) {
      pending.reject(s3Error(message.status, message.body ?? ''));
    } else {
      pending.reject(Object.assign(new Error(message.message), { code: message.code }));
    }
  }

  private _worker: Worker | null = null;
  private _pending = new Map<number, IPending>();
  private _nextId = 1;
}
