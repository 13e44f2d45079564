/**
 * Large objects in ranges: a download fetches several byte ranges at once (one connection
 * each) and writes them where they belong in the file, computing each range's CRC-32 on the
 * way; the whole object's CRC follows from the ranges' (crc32Combine). One connection alone
 * cannot keep the disk and the network busy on both ends.
 *
 * Memory stays bounded: each range holds at most one batch being written and one being filled.
 */
import { setMaxListeners } from 'events';
import type { FileHandle } from 'fs/promises';
import type { Readable } from 'stream';
import { crc32, crc32Combine } from './crc32';
import { ApiError } from './errors';
import type { IObjectStore } from './platform/storage';

/** Bytes gathered before one positional write (fewer, larger system calls). */
const BATCH = 1024 * 1024;

export interface IRangedOptions {
  rangeSize: number;
  concurrency: number;
  signal: AbortSignal;
  /** Called with the bytes written so far. */
  onProgress: (bytes: number) => void;
}

/**
 * Downloads `size` bytes of the object with ETag `etag` into `handle` (from offset 0) and
 * returns their CRC-32. Fails with the first error of any range; the others stop at once.
 */
export async function downloadRanges(
  store: IObjectStore,
  bucket: string,
  key: string,
  object: { size: number; etag: string },
  handle: FileHandle,
  options: IRangedOptions
): Promise<number> {
  const readRange = store.readRange?.bind(store);
  if (!readRange) {
    throw new Error(`The endpoint "${store.info.id}" does not serve ranges.`);
  }
  const count = Math.max(1, Math.ceil(object.size / options.rangeSize));
  const lengthOf = (i: number) => Math.min(options.rangeSize, object.size - i * options.rangeSize);
  const crcs = new Array<number>(count).fill(0);
  const stop = new AbortController();
  // Each range's request and body listen to it.
  setMaxListeners(0, stop.signal);
  const cancel = () => stop.abort(new ApiError(409, 'cancelled', 'The transfer was cancelled.'));
  if (options.signal.aborted) {
    cancel();
  }
  options.signal.addEventListener('abort', cancel, { once: true });
  let written = 0;
  let next = 0;
  let failure: unknown = null;

  const fetchRange = async (i: number) => {
    const start = i * options.rangeSize;
    const length = lengthOf(i);
    const body: Readable = await readRange(bucket, key, start, start + length - 1, object.etag, stop.signal);
    const onAbort = () => body.destroy();
    stop.signal.addEventListener('abort', onAbort, { once: true });
    let crc = 0;
    let position = start;
    let received = 0;
    let batch: Buffer[] = [];
    let batchBytes = 0;
    let writing: Promise<unknown> = Promise.resolve();
    const flush = async () => {
      await writing;
      const buffers = batch;
      const at = position;
      const bytes = batchBytes;
      writing = handle.writev(buffers, at).then(({ bytesWritten }) => {
        if (bytesWritten !== bytes) {
          throw new ApiError(507, 'write_failed', `Only ${bytesWritten} of ${bytes} bytes could be written; is the disk full?`);
        }
        written += bytes;
        options.onProgress(written);
      });
      // Awaited before the next write; marked handled so a failure meanwhile is not fatal.
      writing.catch(() => undefined);
      position += bytes;
      batch = [];
      batchBytes = 0;
    };
    try {
      for await (const chunk of body as AsyncIterable<Buffer>) {
        received += chunk.length;
        if (received > length) {
          break;
        }
        crc = crc32(chunk, crc);
        batch.push(chunk);
        batchBytes += chunk.length;
        if (batchBytes >= BATCH) {
          await flush();
        }
      }
      if (batchBytes > 0) {
        await flush();
      }
      await writing;
    } finally {
      stop.signal.removeEventListener('abort', onAbort);
      body.destroy();
      // No write may land after the caller closes or removes the file.
      await writing.catch(() => undefined);
    }
    if (received !== length) {
      throw new ApiError(502, 'size_mismatch', `Bytes ${start}-${start + length - 1} of "${key}" arrived as ${received} bytes instead of ${length}; nothing was written.`);
    }
    crcs[i] = crc;
  };

  const worker = async () => {
    while (next < count && !stop.signal.aborted) {
      const i = next++;
      try {
        await fetchRange(i);
      } catch (e) {
        // The first failure is the one to report; the others are its consequences.
        failure = failure ?? (stop.signal.aborted && stop.signal.reason instanceof ApiError ? stop.signal.reason : e);
        stop.abort(failure);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(options.concurrency, count) }, worker));
  } finally {
    options.signal.removeEventListener('abort', cancel);
  }
  if (failure) {
    throw failure;
  }
  return crcs.reduce((whole, crc, i) => crc32Combine(whole, crc, lengthOf(i)), 0);
}

/** The CRC-32 of a file's first `size` bytes, read in large pieces. */
export async function fileCrc32(handle: FileHandle, size: number, signal?: AbortSignal): Promise<number> {
  const buffer = Buffer.allocUnsafe(Math.min(8 * 1024 * 1024, Math.max(1, size)));
  let crc = 0;
  for (let position = 0; position < size; ) {
    if (signal?.aborted) {
      throw new ApiError(409, 'cancelled', 'The transfer was cancelled.');
    }
    const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, size - position), position);
    if (bytesRead === 0) {
      throw new ApiError(409, 'changed', 'The file became shorter during the transfer; start it again.');
    }
    crc = crc32(buffer.subarray(0, bytesRead), crc);
    position += bytesRead;
  }
  return crc;
}
