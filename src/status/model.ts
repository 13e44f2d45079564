import { IDisposable } from '@lumino/disposable';
import { Poll } from '@lumino/polling';
import { ISignal, Signal } from '@lumino/signaling';
import type { IStatus } from '../api/client';
import { AtelierError } from '../api/request';
import type { IAtelierClient } from '../tokens';

/**
 * The service's status as the status bar shows it, refreshed by a poll that backs off while
 * the service is unreachable and recovers by itself (after a restart, for example).
 */
export class StatusModel implements IDisposable {
  constructor(options: StatusModel.IOptions) {
    this._client = options.client;
    this._poll = new Poll({
      auto: false,
      factory: () => this.refresh(),
      frequency: { interval: options.refreshInterval ?? 30000, backoff: true, max: 60000 },
      name: 'jupyterlab-atelier:status',
      standby: 'when-hidden'
    });
  }

  /** The last status read, or null before the first answer. */
  get status(): IStatus | null {
    return this._status;
  }

  /** The last error, or null when the last refresh succeeded. */
  get error(): AtelierError | null {
    return this._error;
  }

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get isDisposed(): boolean {
    return this._poll.isDisposed;
  }

  /** Starts polling. */
  start(): Promise<void> {
    return this._poll.start();
  }

  /** Reads the status now. Rejects (so the poll backs off) when the service does not answer. */
  async refresh(): Promise<void> {
    try {
      this._status = await this._client.status();
      this._error = null;
    } catch (e) {
      this._error =
        e instanceof AtelierError ? e : new AtelierError(0, 'network', String((e as Error)?.message ?? e));
      this._changed.emit();
      throw this._error;
    }
    this._changed.emit();
  }

  /** Asks for a refresh soon, e.g. after a restart of the Jupyter server. */
  refreshSoon(): Promise<void> {
    return this._poll.refresh();
  }

  setInterval(ms: number): void {
    this._poll.frequency = { ...this._poll.frequency, interval: ms };
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._poll.dispose();
    Signal.clearData(this);
  }

  private _client: IAtelierClient;
  private _poll: Poll;
  private _status: IStatus | null = null;
  private _error: AtelierError | null = null;
  private _changed = new Signal<this, void>(this);
}

export namespace StatusModel {
  export interface IOptions {
    client: IAtelierClient;
    /** Milliseconds between refreshes; default 30 s. */
    refreshInterval?: number;
  }
}

/** Memory in MiB as a person reads it: 512 MiB, 4 GiB, 23.5 GiB. */
export function formatMemory(mib: number): string {
  if (mib < 1024) {
    return `${Math.round(mib)} MiB`;
  }
  const gib = mib / 1024;
  return `${Number.isInteger(gib) ? gib : gib.toFixed(1)} GiB`;
}
