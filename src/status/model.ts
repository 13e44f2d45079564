import { IDisposable } from '@lumino/disposable';
import { IPoll, Poll } from '@lumino/polling';
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
    this._normal = { interval: options.refreshInterval ?? 10000, backoff: true, max: 60000 };
    this._poll = new Poll({
      auto: false,
      factory: () => this.refresh(),
      frequency: this._normal,
      name: 'jupyterlab-atelier:status',
      // One small request per interval; never skipped, or a hidden tab would miss a restart,
      // but slower while the tab is hidden (see _frequency).
      standby: 'never'
    });
    document.addEventListener('visibilitychange', this._onVisibility);
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

  /** The Jupyter server came back: it restarted, or the service answers again after an outage. */
  get jupyterRestarted(): ISignal<this, void> {
    return this._jupyterRestarted;
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
      const status = await this._client.status();
      const before = this._status?.jupyter.startedAt;
      const after = status.jupyter.startedAt;
      const recovered = this._error !== null;
      this._status = status;
      this._error = null;
      this._poll.frequency = this._frequency();
      if ((before && after && before !== after) || (recovered && status.jupyter.state === 'running')) {
        this._jupyterRestarted.emit();
      }
    } catch (e) {
      this._error = e instanceof AtelierError ? e : new AtelierError(0, 'network', String((e as Error)?.message ?? e));
      // While the service is unreachable (e.g. the Jupyter server restarts), retry within seconds.
      this._poll.frequency = StatusModel.RECONNECT;
      this._changed.emit();
      throw this._error;
    }
    this._changed.emit();
  }

  /** Asks for a refresh soon, e.g. after a restart of the Jupyter server. */
  refreshSoon(): Promise<void> {
    return this._poll.refresh();
  }

  /** Sets the refresh interval while the service answers. */
  setInterval(ms: number): void {
    this._normal = { ...this._normal, interval: ms, max: Math.max(ms, this._normal.max) };
    if (!this._error) {
      this._poll.frequency = this._frequency();
    }
  }

  /** The poll's current frequency (normal, or reconnecting). */
  get frequency(): IPoll.Frequency {
    return this._poll.frequency;
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    document.removeEventListener('visibilitychange', this._onVisibility);
    this._poll.dispose();
    Signal.clearData(this);
  }

  /** The normal frequency; while the tab is hidden, six times slower (at least a minute). */
  private _frequency(): IPoll.Frequency {
    if (document.visibilityState !== 'hidden') {
      return this._normal;
    }
    const interval = Math.max(this._normal.interval * 6, 60000);
    return { ...this._normal, interval, max: Math.max(interval, this._normal.max) };
  }

  /** Back in view: the normal pace, and a fresh status at once. */
  private _onVisibility = (): void => {
    if (!this._error) {
      this._poll.frequency = this._frequency();
    }
    if (document.visibilityState === 'visible') {
      void this._poll.refresh();
    }
  };

  private _normal: IPoll.Frequency;
  private _client: IAtelierClient;
  private _poll: Poll;
  private _status: IStatus | null = null;
  private _error: AtelierError | null = null;
  private _changed = new Signal<this, void>(this);
  private _jupyterRestarted = new Signal<this, void>(this);
}

export namespace StatusModel {
  /** Retries while the service does not answer: 1 s, growing to at most 5 s. */
  export const RECONNECT: IPoll.Frequency = { interval: 1000, backoff: true, max: 5000 };

  export interface IOptions {
    client: IAtelierClient;
    /** Milliseconds between refreshes; default 10 s. */
    refreshInterval?: number;
  }
}
