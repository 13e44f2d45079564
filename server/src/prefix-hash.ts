/**
 * A hash (an object's MD5) of a file that is written out of order, computed in order: the
 * ranges of a download land in the file as they come, each says so once it is there whole,
 * and the hash reads the file on from where it stopped to the end of the written prefix
 * (the bytes from offset 0 with no gap). What it keeps of ranges that landed ahead of a gap
 * is their offsets, never their bytes, so its memory is one read buffer however far the
 * other ranges run ahead; the bytes are read back from the page cache, just written.
 *
 * The hash runs on the service's thread in pieces of 1 MiB (about 1.5 ms of MD5 each), so
 * requests are served between pieces.
 */
import * as crypto from 'crypto';
import type { FileHandle } from 'fs/promises';
import { DomainError, transferStopped } from './domain-errors';

/** Bytes read and hashed at a time. */
const PIECE = 1024 * 1024;

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
    this._hash = crypto.createHash(options.algorithm ?? 'md5');
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
    if (!this._pumping && this._failure === null && this._hashed < this._prefix) {
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
    if (this._failure !== null) {
      throw this._failure;
    }
    if (this._hashed !== this._size) {
      throw new DomainError(
        'failed',
        'incomplete',
        `Only ${this._hashed} of ${this._size} bytes could be checked; nothing was written.`
      );
    }
    return this._hash.digest('hex');
  }

  /** Resolves once no read of the file is under way (the file may then be closed). */
  async settled(): Promise<void> {
    while (this._pumping) {
      await this._running;
    }
  }

  /**
   * Reads and hashes the file from `_hashed` while the written prefix is ahead of it; the next
   * piece is read (into the other of two buffers) while this one is hashed.
   */
  private async _pump(): Promise<void> {
    let requested = this._hashed;
    const request = (): Promise<{ buffer: Buffer; bytesRead: number; want: number }> | null => {
      const want = Math.min(PIECE, this._prefix - requested);
      if (want <= 0) {
        return null;
      }
      this._turn ^= 1;
      const buffer = (this._buffers[this._turn] ??= Buffer.allocUnsafe(Math.min(PIECE, this._size)));
      const position = requested;
      requested += want;
      return this._handle.read(buffer, 0, want, position).then(({ bytesRead }) => ({ buffer, bytesRead, want }));
    };
    let reading = request();
    try {
      while (reading) {
        const { buffer, bytesRead, want } = await reading;
        // (A regular file reads short only at its end.)
        if (bytesRead !== want) {
          reading = null;
          throw new DomainError(
            'failed',
            'changed',
            'The file being written became shorter during the transfer; start it again.'
          );
        }
        if (this._signal.aborted) {
          reading = null;
          throw transferStopped();
        }
        reading = request();
        this._hash.update(buffer.subarray(0, bytesRead));
        this._hashed += bytesRead;
      }
    } catch (e) {
      // No read outlives the pump.
      await reading?.catch(() => undefined);
      this._failure = e;
      this._onError(e);
    } finally {
      this._pumping = false;
    }
  }

  private _hash: crypto.Hash;
  private _signal: AbortSignal;
  private _onError: (error: unknown) => void;
  /** Ranges that landed beyond a gap: start → end (exclusive). */
  private _ahead = new Map<number, number>();
  /** The end of the written prefix. */
  private _prefix = 0;
  private _hashed = 0;
  private _buffers: Buffer[] = [];
  private _turn = 0;
  private _pumping = false;
  private _running: Promise<void> = Promise.resolve();
  private _failure: unknown = null;
}
