/**
 * A hash (an object's MD5) of a file that is written out of order, computed in order: the
 * ranges of a download land in the file as they come, each says so once it is there whole,
 * and the hash reads the file on from where it stopped to the end of the written prefix
 * (the bytes from offset 0 with no gap). What it keeps of ranges that landed ahead of a gap
 * is their offsets, never their bytes, so its memory is one read buffer however far the
 * other ranges run ahead; the bytes are read back from the page cache, just written.
 *
 * The file is read here in pieces of 1 MiB and hashed on a worker thread (thread-hash.ts), a
 * few pieces under way at once: the service's thread only reads, and goes on moving the
 * download's bytes while the MD5 is computed beside it.
 */
import type { FileHandle } from 'fs/promises';
import { DomainError, transferStopped } from './domain-errors';
import { ThreadHash } from './thread-hash';

/** Bytes read and hashed at a time. */
const PIECE = 1024 * 1024;
/** Pieces read ahead of the hash at most (their buffers, reused). */
const PIECES = 4;

export class PrefixHash {
  /**
   * Hashes the first `size` bytes of the file `handle` (opened for reading) as `landed`
   * reports them. `onError` hears of a failure to read the file once, at once.
   */
  constructor(
    private readonly _handle: FileHandle,
    private readonly _size: number,
    options: { algorithm?: string; signal: AbortSignal; onError: (error: unknown) => void }
  ) {
    this._hash = new ThreadHash(options.algorithm ?? 'md5');
    this._signal = options.signal;
    this._onError = options.onError;
  }

  /** Bytes `start`..`start + length - 1` are in the file, whole. */
  landed(start: number, length: number): void {
    if (length <= 0) {
      return;
    }
    this._ahead.set(start, start + length);
    // The written prefix grows by every range that now joins it.
    for (let end = this._ahead.get(this._prefix); end !== undefined; end = this._ahead.get(this._prefix)) {
      this._ahead.delete(this._prefix);
      this._prefix = end;
    }
    if (!this._pumping && this._failure === null && this._read < this._prefix) {
      // Set and cleared in the same turns as the pump's own checks, so no growth goes unseen.
      this._pumping = true;
      this._running = this._pump();
    }
  }

  /** Bytes hashed so far (the tests' and the caller's view of its progress). */
  get hashed(): number {
    return this._hashed;
  }

  /**
   * The digest (hex) once all `size` bytes have landed and been hashed. Rejects with the
   * failure that stopped the hash, or when bytes are missing.
   */
  async digest(): Promise<string> {
    await this.settled();
    if (this._failure === null && this._hashed !== this._size) {
      this._failure = new DomainError(
        'failed',
        'incomplete',
        `Only ${this._hashed} of ${this._size} bytes could be checked; nothing was written.`
      );
    }
    if (this._failure !== null) {
      this._hash.drop();
      throw this._failure;
    }
    return this._hash.digest();
  }

  /** Resolves once no read of the file is under way (the file may then be closed) and every piece read is hashed. */
  async settled(): Promise<void> {
    while (this._pumping) {
      await this._running;
    }
  }

  /**
   * Reads the file from where the reads stopped while the written prefix is ahead of them, and
   * hands each piece to the hash thread; up to PIECES are read ahead of the hash. Ends once
   * all it read is hashed.
   */
  private async _pump(): Promise<void> {
    const hashing = new Set<Promise<void>>();
    try {
      // Ends in the same turn as its last look at the prefix, so no growth goes unseen.
      for (;;) {
        const buffer =
          this._read < this._prefix ? (this._free.pop() ?? (this._buffers < PIECES ? this._newBuffer() : null)) : null;
        if (!buffer) {
          if (!hashing.size) {
            break;
          }
          await Promise.race(hashing);
          continue;
        }
        const want = Math.min(PIECE, this._prefix - this._read);
        const position = this._read;
        const { bytesRead } = await this._handle.read(new Uint8Array(buffer), 0, want, position);
        // (A regular file reads short only at its end.)
        if (bytesRead !== want) {
          throw new DomainError(
            'failed',
            'changed',
            'The file being written became shorter during the transfer; start it again.'
          );
        }
        if (this._signal.aborted) {
          throw transferStopped();
        }
        this._read += bytesRead;
        const piece: Promise<void> = this._hash.update(buffer, bytesRead).then(back => {
          hashing.delete(piece);
          this._hashed += bytesRead;
          this._free.push(back);
        });
        // A failure is met at the next race; until then it is not an unhandled rejection.
        piece.catch(() => undefined);
        hashing.add(piece);
      }
    } catch (e) {
      // Nothing read or hashed outlives the pump.
      await Promise.allSettled(hashing);
      this._failure = e;
      this._onError(e);
    } finally {
      this._pumping = false;
    }
  }

  private _newBuffer(): ArrayBuffer {
    this._buffers += 1;
    return new ArrayBuffer(Math.min(PIECE, this._size));
  }

  private _hash: ThreadHash;
  private _signal: AbortSignal;
  private _onError: (error: unknown) => void;
  /** Ranges that landed beyond a gap: start → end (exclusive). */
  private _ahead = new Map<number, number>();
  /** The end of the written prefix. */
  private _prefix = 0;
  /** Bytes read (and handed to the hash), and bytes hashed. */
  private _read = 0;
  private _hashed = 0;
  /** Buffers made, and those back from the thread. */
  private _buffers = 0;
  private _free: ArrayBuffer[] = [];
  private _pumping = false;
  private _running: Promise<void> = Promise.resolve();
  private _failure: unknown = null;
}
