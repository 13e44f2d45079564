/**
 * One run of a transfer: what its steps (planning, copies to storage and to the workspace) share while it moves
 * files — its record and store, the signal that stops it, the workspace paths it has resolved —
 * and the manager's ways to save the record and to tell listeners. Also the small helpers
 * those steps have in common.
 */
import { setMaxListeners } from 'events';
import * as fs from 'fs';
import type { IObjectStore, IStorageProvider } from '../platform/storage';
import { resolveInWorkspace } from '../workspace';
import type { IRecord } from './record';

/** Files up to this size are read in one call and sent with more concurrency. */
export const SMALL_FILE = 1024 * 1024;

/** What a run needs from the manager. */
export interface IRunOptions {
  workspace: string;
  storage: IStorageProvider;
  concurrency: number;
  /** Large files move in parts (to storage) or ranges (to the workspace) of this size. */
  partSize: number;
  /** Writes the record atomically, after its earlier writes. */
  save(record: IRecord): Promise<void>;
  /** Notes a change of the record; `now` tells listeners at once instead of at most every 250 ms. */
  changed(record: IRecord, now?: boolean): void;
}

export class TransferRun {
  /** `store` is the endpoint's, where the caller has it already; else it is looked up at first use. */
  constructor(
    readonly record: IRecord,
    private readonly _options: IRunOptions,
    store?: IObjectStore
  ) {
    this._store = store;
    // Every file in flight listens to this signal: more than the default ten is normal here.
    setMaxListeners(0, this._controller.signal);
  }

  /** Aborted when the transfer is stopped or the service stops. */
  get signal(): AbortSignal {
    return this._controller.signal;
  }

  /**
   * The endpoint's store. A resumed transfer looks it up only once it runs, so an endpoint gone
   * from the configuration fails that transfer rather than the service's start.
   */
  get store(): IObjectStore {
    this._store = this._store ?? this._options.storage.get(this.record.endpoint);
    return this._store;
  }

  /** The folder the record's path is relative to: the workspace, or a job's folder. */
  get root(): string {
    return this.record.root ?? this._options.workspace;
  }

  get partSize(): number {
    return this._options.partSize;
  }

  get concurrency(): number {
    return this._options.concurrency;
  }

  abort(): void {
    this._controller.abort();
  }

  /** A path under the root, resolved and checked for links out of it once per run. */
  resolve(rel: string): Promise<string> {
    let resolved = this._resolved.get(rel);
    if (!resolved) {
      resolved = resolveInWorkspace(this.root, rel);
      this._resolved.set(rel, resolved);
    }
    return resolved;
  }

  /** Creates a folder (and its parents) unless this run has made it already. */
  async makeDir(dir: string): Promise<void> {
    if (!this._made.has(dir)) {
      await fs.promises.mkdir(dir, { recursive: true });
      this._made.add(dir);
    }
  }

  save(): Promise<void> {
    return this._options.save(this.record);
  }

  changed(now = false): void {
    this._options.changed(this.record, now);
  }

  private _controller = new AbortController();
  private _store: IObjectStore | undefined;
  private _resolved = new Map<string, Promise<string>>();
  private _made = new Set<string>();
}

/** Whether anything (a link included, not followed) is at `file`. */
export function exists(file: string): Promise<boolean> {
  return fs.promises.lstat(file).then(
    () => true,
    () => false
  );
}

/** The length of part `partNumber` (from 1) of `size` bytes cut in parts of `partSize`. */
export function partLength(size: number, partSize: number, partNumber: number): number {
  return Math.min(partSize, size - (partNumber - 1) * partSize);
}
