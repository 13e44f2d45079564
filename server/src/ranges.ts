/**
 * Large objects in ranges: a download fetches several byte ranges at once (one connection
 * each), the endpoint's store writes each where it belongs in the file and returns its
 * CRC-32 (for S3 endpoints this happens in a worker thread), and the whole object's CRC
 * follows from the ranges' (crc32Combine). One connection alone cannot keep the network and
 * the disk busy on both ends.
 */
import { setMaxListeners } from 'events';
import type { FileHandle } from 'fs/promises';
import { crc32, crc32Combine } from './crc32';
import { ApiError } from './errors';
import { transferStopped } from './domain-errors';
import type { IObjectStore } from './platform/storage';

export interface IRangedOptions {
  rangeSize: number;
  concurrency: number;
  signal: AbortSignal;
  /** Called with the bytes written so far. */
  onProgress: (bytes: number) => void;
}

/**
 * Downloads `size` bytes of the object with ETag `etag` into `handle` (from offset 0) and
 * returns their CRC-32. Fails with the first error of any range; the others stop at once, and
 * no write lands after this settles.
 */
export async function downloadRanges(
  store: IObjectStore,
  bucket: string,
  key: string,
  object: { size: number; etag: string },
  handle: FileHandle,
  options: IRangedOptions
): Promise<number> {
  const readRangeInto = store.readRangeInto?.bind(store);
  if (!readRangeInto) {
    throw new Error(`The endpoint "${store.info.id}" does not serve ranges.`);
  }
  const count = Math.max(1, Math.ceil(object.size / options.rangeSize));
  const lengthOf = (i: number) => Math.min(options.rangeSize, object.size - i * options.rangeSize);
  const crcs = new Array<number>(count).fill(0);
  const stop = new AbortController();
  // Every range in flight listens to it.
  setMaxListeners(0, stop.signal);
  const cancel = () => stop.abort();
  if (options.signal.aborted) {
    cancel();
  }
  options.signal.addEventListener('abort', cancel, { once: true });
  let written = 0;
  const onBytes = (bytes: number) => {
    written += bytes;
    options.onProgress(written);
  };
  let next = 0;
  let failure: unknown = null;
  const worker = async () => {
    while (next < count && !stop.signal.aborted) {
      const i = next++;
      const start = i * options.rangeSize;
      try {
        crcs[i] = await readRangeInto(bucket, key, start, start + lengthOf(i) - 1, object.etag, handle.fd, {
          onBytes,
          signal: stop.signal
        });
      } catch (e) {
        // The first failure is the one to report; the others are its consequences.
        failure = failure ?? e;
        stop.abort();
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(options.concurrency, count) }, worker));
  } finally {
    options.signal.removeEventListener('abort', cancel);
  }
  if (options.signal.aborted) {
    throw transferStopped();
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
  for (let position = 0; position < size;) {
    if (signal?.aborted) {
      throw transferStopped();
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
