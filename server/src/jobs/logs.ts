/** Job logs: read in chunks that never cut a UTF-8 character, and exit codes in words. */
import * as fs from 'fs';
import type { ILogChunk } from '@atelier/api';

/** The log from `offset`: at most `limit` bytes. */
export async function readLogChunk(file: string, offset: number, limit: number, finished: boolean): Promise<ILogChunk> {
  const handle = await fs.promises.open(file, 'r').catch(() => null);
  if (!handle) {
    return { text: '', offset, nextOffset: offset, size: 0, complete: finished };
  }
  try {
    const { size } = await handle.stat();
    const start = Math.min(Math.max(0, offset), size);
    const length = Math.min(Math.max(limit, 4), size - start); // room for one whole UTF-8 character
    const buffer = Buffer.allocUnsafe(length);
    const { bytesRead } = await handle.read(buffer, 0, length, start);
    // Never cut a UTF-8 character: stop before an incomplete one at the end (while the job
    // runs, the program may be in the middle of writing one).
    const end = bytesRead < size - start || !finished ? utf8Boundary(buffer, bytesRead) : bytesRead;
    return {
      text: buffer.subarray(0, end).toString('utf8'),
      offset: start,
      nextOffset: start + end,
      size,
      complete: finished && start + end >= size
    };
  } finally {
    await handle.close();
  }
}

export function describeExit(code: number): string {
  if (code > 128 && code < 160) {
    const names: Record<number, string> = { 6: 'SIGABRT', 9: 'SIGKILL', 11: 'SIGSEGV', 15: 'SIGTERM' };
    const signal = code - 128;
    const extra = signal === 9 ? ' (killed; out of memory?)' : '';
    return `The program was ended by ${names[signal] ?? `signal ${signal}`}${extra}.`;
  }
  return `The program exited with code ${code}.`;
}

/** The largest length ≤ `end` that does not cut a UTF-8 sequence. */
function utf8Boundary(buffer: Buffer, end: number): number {
  let i = end;
  let back = 0;
  while (i > 0 && back < 4 && (buffer[i - 1] & 0xc0) === 0x80) {
    i--;
    back++;
  }
  if (i > 0) {
    const lead = buffer[i - 1];
    const need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
    if (need > back + 1) {
      return i - 1;
    }
  }
  return end;
}
