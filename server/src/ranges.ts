/**
 * Large objects in ranges: a download fetches several byte ranges at once (one connection
 * each), the endpoint's store writes each where it belongs in the file and returns its
 * CRC-32 (for S3 endpoints this happens in a worker thread), and the whole object's CRC
 * follows from the ranges' (crc32Combine). One connection alone cannot keep the network and
 * the disk busy on both ends. An MD5 has no such algebra: where one is wanted, it is computed
 * in order from the file as its written prefix grows (PrefixHash), while later ranges land.
 */
import { setMaxListeners } from 'events';
import type { FileHandle } from 'fs/promises';
import { crc32, crc32Combine } from './crc32';
import { ApiError } from './errors';
import { transferStopped } from './domain-errors';
import type { IObjectStore } from './platform/storage';
import { PrefixHash } from './prefix-hash';

export interface IRangedOptions {
  rangeSize: number;
  concurrency: number;
  signal: AbortSignal;
  /** Called with the bytes written so far. */
  onProgress: (bytes: number) => void;
  /** Also the bytes' MD5, read back in order as they land (`handle` must be open for reading too). */
  md5?: boolean;
}

export interface IRangedResult {
  /** The CRC-32 of the bytes, from the ranges'. */
  crc32: number;
  /** Their MD5 (hex), where asked for. */
  md5?: string;
}

/**
 * Downloads `size` bytes of the object with ETag `etag` into `handle` (from offset 0) and
 * returns their CRC-32 (and MD5, where asked for). Fails with the first error of any range
 * or of the hash; the others stop at once, and no write or read of the file is under way
 * once this settles.
 */
export async function downloadRanges(
  store: IObjectStore,
  bucket: string,
  key: string,
  object: { size: number; etag: string },
  handle: FileHandle,
  options: IRangedOptions
): Promise<IRangedResult> {
  const readRangeInto = store.readRangeInto?.bind(store);
  if (!readRangeInto) {
    throw new Error(`The endpoint "${store.info.id}" does not serve ranges.`);
  }
  const ranges = cut(object.size, options.rangeSize, options.md5 ? options.concurrency : 1);
  const count = ranges.length;
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
  const fail = (e: unknown) => {
    // The first failure is the one to report; the others are its consequences.
    failure = failure ?? e;
    stop.abort();
  };
  const hash = options.md5 ? new PrefixHash(handle, object.size, { signal: stop.signal, onError: fail }) : null;
  const worker = async () => {
    while (next < count && !stop.signal.aborted) {
      const i = next++;
      const [start, length] = ranges[i];
      try {
        crcs[i] = await readRangeInto(bucket, key, start, start + length - 1, object.etag, handle.fd, {
          onBytes,
          signal: stop.signal
        });
        hash?.landed(start, length);
      } catch (e) {
        fail(e);
      }
    }
  };
  let md5: string | undefined;
  try {
    await Promise.all(Array.from({ length: Math.min(options.concurrency, count) }, worker));
    if (hash && !failure && !stop.signal.aborted) {
      md5 = await hash.digest();
    }
  } catch (e) {
    fail(e);
  } finally {
    options.signal.removeEventListener('abort', cancel);
    // No read of the file outlives this call (its caller closes the file next).
    await hash?.settled();
  }
  if (options.signal.aborted) {
    throw transferStopped();
  }
  if (failure) {
    throw failure;
  }
  const crc32 = crcs.reduce((whole, crc, i) => crc32Combine(whole, crc, ranges[i][1]), 0);
  return md5 === undefined ? { crc32 } : { crc32, md5 };
}

/**
 * `size` bytes cut into ranges of `rangeSize`, as [start, length], at least one. With `stagger`
 * above 1, the first `stagger` ranges grow from 1/stagger of a range to a whole one: ranges
 * that start together share the bandwidth and end together, so ranges of one size would land
 * in batches, and an in-order hash would wait for each batch, and for all of the last one
 * after the last byte. Staggered, one range ends about every 1/stagger of a range's time, the
 * connections stay out of step to the end, and the hash follows closely.
 */
export function cut(size: number, rangeSize: number, stagger = 1): [number, number][] {
  const ranges: [number, number][] = [];
  let start = 0;
  do {
    const n = ranges.length;
    const want = n < stagger ? Math.ceil((rangeSize * (n + 1)) / stagger) : rangeSize;
    const length = Math.min(want, size - start);
    ranges.push([start, length]);
    start += length;
  } while (start < size);
  return ranges;
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
