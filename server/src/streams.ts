/**
 * Streams handed from one part of the service to another. A stream can fail before anyone
 * consumes it (a file removed between its open and its first read, a connection reset while a
 * request waits for its turn); an 'error' event without a listener would end the process.
 */
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
