/**
 * A copy to storage, workspace → storage: a file goes up in one write, or, when large, as a
 * multipart upload (the store's term) whose parts are recorded as they are stored (a restart
 * sends only the missing ones) and whose CRC-32, read before the copy began, the parts must
 * add up to.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Readable } from 'stream';
import { crc32, crc32Combine } from '../crc32';
import { ApiError } from '../errors';
import { fileCrc32 } from '../ranges';
import { guarded } from '../streams';
import type { IWorkItem } from './plan';
import { transferStopped } from '../domain-errors';
import { partLength, SMALL_FILE, TransferRun } from './run';

/** Sends one file in a single write: read whole when small, else streamed. */
export async function copyFileToStorage(
  run: TransferRun,
  item: IWorkItem,
  onProgress: (bytes: number) => void
): Promise<void> {
  const { record, store, signal } = run;
  const file = await sourceFile(run, item);
  // Large files are opened before the store is called: an open that fails is this file's
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
 * Sends a large file part by part; each stored part is recorded, so after a restart of the
 * service only the missing parts are sent. The object appears when all are assembled.
 */
export async function copyFileInParts(
  run: TransferRun,
  item: IWorkItem,
  index: number,
  onProgress: (bytes: number) => void
): Promise<void> {
  const { record, store, signal, partSize } = run;
  const file = await sourceFile(run, item);
  const count = Math.ceil(item.size / partSize);
  const multipart = (record.multipart = record.multipart ?? {});
  const sizeOf = (n: number) => partLength(item.size, partSize, n);
  const changed = (how: string) =>
    new ApiError(409, 'changed', `"${item.rel || record.path}" ${how} during the transfer; start it again.`);
  // One handle serves the CRC-32 pre-scan and the parts.
  const handle = await fs.promises.open(file, 'r');
  try {
    let upload = multipart[String(index)];
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
      multipart[String(index)] = upload;
      await run.save();
    }
    const current = upload;
    const have = new Set(current.parts.map(p => p.partNumber));
    const todo = Array.from({ length: count }, (_, i) => i + 1).filter(n => !have.has(n));
    let sent = current.parts.reduce((sum, p) => sum + sizeOf(p.partNumber), 0);
    onProgress(sent);
    const worker = async () => {
      while (todo.length) {
        if (signal.aborted) {
          throw transferStopped();
        }
        const n = todo.shift()!;
        const body = Buffer.allocUnsafe(sizeOf(n)); // filled entirely by the read (checked below)
        const { bytesRead } = await handle.read(body, 0, body.length, (n - 1) * partSize);
        if (bytesRead !== body.length) {
          throw changed('changed size');
        }
        const part = await store.uploadPart(record.bucket, item.key, current.uploadId, n, body);
        current.parts.push({ ...part, crc32: crc32(body) });
        sent += body.length;
        onProgress(sent);
        await run.save();
      }
    };
    await Promise.all(Array.from({ length: Math.min(run.concurrency, Math.max(1, todo.length)) }, worker));
    // The parts must add up to the CRC-32 stored with the object: a file rewritten in place
    // during the upload would otherwise leave an object that is neither version.
    const parts = [...current.parts].sort((a, b) => a.partNumber - b.partNumber);
    if (current.crc32 !== undefined && parts.every(p => p.crc32 !== undefined)) {
      const sum = parts.reduce((whole, p) => crc32Combine(whole, p.crc32!, sizeOf(p.partNumber)), 0);
      if (sum !== current.crc32) {
        delete multipart[String(index)];
        await run.save();
        await store.abortMultipart(record.bucket, item.key, current.uploadId).catch(() => undefined);
        throw changed('changed');
      }
    }
    await store.completeMultipart(record.bucket, item.key, current.uploadId, current.parts, item.size);
    delete multipart[String(index)];
    await run.save();
  } finally {
    await handle.close();
  }
}

/** Drops the multipart uploads of a failed or stopped transfer (their parts were never visible). */
export async function abortMultipartUploads(run: TransferRun): Promise<void> {
  const { record, store } = run;
  for (const upload of Object.values(record.multipart ?? {})) {
    await store.abortMultipart(record.bucket, upload.key, upload.uploadId).catch(() => undefined);
  }
  delete record.multipart;
}

/** The file an item is read from: its base resolved (and confined) once a run; the plan followed no links. */
async function sourceFile(run: TransferRun, item: IWorkItem): Promise<string> {
  const base = await run.resolve(run.record.path);
  return item.rel ? path.join(base, item.rel) : base;
}
