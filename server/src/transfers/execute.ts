/**
 * Running a transfer: its items moved a few at once, in order, with progress counted in bytes
 * and files, and the point to resume from recorded as items finish — so a restart of the
 * service neither loses nor repeats one.
 */
import * as fs from 'fs';
import { resolveInWorkspace } from '../workspace';
import { copyObjectToWorkspace } from './to-workspace';
import { IWorkItem, planItems } from './plan';
import { transferStopped } from '../domain-errors';
import { partLength, SMALL_FILE, TransferRun } from './run';
import { copyFileToStorage, copyFileInParts } from './to-storage';

/**
 * Moves the transfer's items (planned at its creation, or again when it resumes), starting
 * after those already done, until it has completed. Rejects with the first item's error.
 */
export async function execute(run: TransferRun, planned?: IWorkItem[]): Promise<void> {
  const { record, signal } = run;
  const items = planned ?? (await planItems(run));
  record.state = 'running';
  record.startedAt = record.startedAt ?? new Date().toISOString();
  record.filesTotal = items.length;
  record.bytesTotal = items.reduce((sum, item) => sum + item.size, 0);
  const start = Math.min(record.resumeFrom ?? 0, items.length);
  // Bytes done so far by item: those before `start` whole, large uploads by the parts they have.
  const progress = new Array<number>(items.length).fill(0);
  for (const [index, upload] of Object.entries(record.multipart ?? {})) {
    const i = Number(index);
    if (i >= start && i < items.length) {
      progress[i] = upload.parts.reduce(
        (sum, part) => sum + partLength(items[i].size, run.partSize, part.partNumber),
        0
      );
    }
  }
  record.filesDone = start;
  record.bytesDone =
    items.slice(0, start).reduce((sum, item) => sum + item.size, 0) + progress.reduce((sum, bytes) => sum + bytes, 0);
  await run.save();
  run.changed(true);

  const done = new Array<boolean>(items.length).fill(false);
  for (let i = 0; i < start; i++) {
    done[i] = true;
  }
  let next = start;
  const worker = async () => {
    while (next < items.length) {
      if (signal.aborted) {
        throw transferStopped();
      }
      const index = next++;
      const item = items[index];
      const onProgress = (bytes: number) => {
        record.bytesDone += bytes - progress[index];
        progress[index] = bytes;
        run.changed();
      };
      if (record.direction === 'to-storage' && item.size > run.partSize) {
        await copyFileInParts(run, item, index, onProgress);
      } else if (record.direction === 'to-storage') {
        await copyFileToStorage(run, item, onProgress);
      } else {
        await copyObjectToWorkspace(run, item, onProgress);
      }
      onProgress(item.size);
      done[index] = true;
      record.filesDone += 1;
      let resumeFrom = record.resumeFrom ?? 0;
      while (resumeFrom < items.length && done[resumeFrom]) {
        resumeFrom++;
      }
      record.resumeFrom = resumeFrom;
      run.changed();
    }
  };
  // Many small files: more in flight, as request latency, not bandwidth, bounds them.
  const small = items.length > 0 && record.bytesTotal / items.length <= SMALL_FILE;
  const concurrency = small ? run.concurrency * 2 : run.concurrency;
  const workers = Array.from({ length: Math.min(concurrency, Math.max(1, items.length - start)) }, worker);
  const results = await Promise.allSettled(workers);
  const failure = results.find(r => r.status === 'rejected') as PromiseRejectedResult | undefined;
  if (failure) {
    throw failure.reason;
  }
  if (record.direction === 'to-workspace' && record.key.endsWith('/') && items.length === 0) {
    await fs.promises.mkdir(await resolveInWorkspace(run.root, record.path), { recursive: true });
  }
  record.state = 'completed';
  record.finishedAt = new Date().toISOString();
  await run.save();
  run.changed(true);
}
