/**
 * Streams handed from one part of the service to another. A stream can fail before anyone
 * consumes it (a file removed between its open and its first read, a connection reset while a
 * request waits for its turn); an 'error' event without a listener would end the process.
 */
import * as fs from 'fs';
import type { Readable } from 'stream';

/**
 * Keeps an early error of `stream` from ending the process. The error is not lost: the
 * stream stays errored, and whoever consumes it later (`pipeline`, `for await`, a reply)
 * gets it then.
 */
export function guarded<T extends Readable>(stream: T): T {
  stream.on('error', ignore);
  return stream;
}

function ignore(): void {
  // The consumer reports it (see above).
}

/**
 * Opens a regular file for reading before anything is said about it, so an answer and its
 * bytes are of one file even if the path is removed or replaced meanwhile. O_NONBLOCK keeps
 * a FIFO from blocking the open. Null when there is no regular file there; other errors
 * (permissions, I/O) are thrown.
 */
export async function openFile(file: string): Promise<{ stream: fs.ReadStream; stat: fs.Stats } | null> {
  let handle: fs.promises.FileHandle;
  try {
    handle = await fs.promises.open(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ENAMETOOLONG' || code === 'EISDIR' || code === 'ELOOP') {
      return null;
    }
    throw e;
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) {
      await handle.close();
      return null;
    }
    return { stream: guarded(handle.createReadStream()), stat };
  } catch (e) {
    await handle.close().catch(ignore);
    throw e;
  }
}
