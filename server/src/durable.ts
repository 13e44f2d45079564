/**
 * State files written whole or not at all: a temporary file beside the target, then a rename
 * (mode 0600: records may name paths and keys). Records that change often are written one
 * at a time each, in order, so an older snapshot never lands after a newer one.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';

export async function writeAtomic(file: string, text: string): Promise<void> {
  const tmp = `${file}.${crypto.randomBytes(4).toString('hex')}.tmp`;
  await fs.promises.writeFile(tmp, text, { mode: 0o600 });
  await fs.promises.rename(tmp, file);
}

export function writeAtomicSync(file: string, text: string): void {
  const tmp = `${file}.${crypto.randomBytes(4).toString('hex')}.tmp`;
  fs.writeFileSync(tmp, text, { mode: 0o600 });
  fs.renameSync(tmp, file);
}

/** Writes of records, one at a time per record and in order. */
export class RecordWriter {
  /** `onError` hears a failed write (the promise `write` returned also rejects). */
  constructor(private readonly _onError: (error: unknown, id: string) => void) {}

  /**
   * Writes `text` to `file` after the record's earlier writes; skipped when, by its turn,
   * `wanted()` says the record is gone.
   */
  write(id: string, file: string, text: string, wanted: () => boolean): Promise<void> {
    const previous = this._last.get(id) ?? Promise.resolve();
    const write = previous.then(() => (wanted() ? writeAtomic(file, text) : undefined));
    this._last.set(
      id,
      write.catch(e => this._onError(e, id))
    );
    return write;
  }

  /** Waits for the record's writes so far, then forgets it. */
  async forget(id: string): Promise<void> {
    await this._last.get(id);
    this._last.delete(id);
  }

  /** Waits for every write so far. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this._last.values()]);
  }

  private _last = new Map<string, Promise<unknown>>();
}
