import { IDisposable } from '@lumino/disposable';
import { Poll } from '@lumino/polling';
import { ISignal, Signal } from '@lumino/signaling';
import type { ITransfer } from '../api/client';
import type { IAtelierClient } from '../tokens';

const ACTIVE = new Set(['queued', 'running']);

export function isActive(transfer: ITransfer): boolean {
  return ACTIVE.has(transfer.state);
}

/**
 * The service's transfers, polled every second while one is active and every 10 s
 * otherwise. `finished` fires once per transfer seen going from active to finished.
 */
export class TransfersModel implements IDisposable {
  constructor(private readonly _client: IAtelierClient) {
    this._poll = new Poll({
      auto: false,
      factory: () => this.refresh(),
      frequency: { interval: 10000, backoff: true, max: 30000 },
      name: 'jupyterlab-atelier:transfers',
      standby: 'never'
    });
  }

  get transfers(): ITransfer[] {
    return this._transfers;
  }

  get active(): ITransfer[] {
    return this._transfers.filter(isActive);
  }

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get finished(): ISignal<this, ITransfer> {
    return this._finished;
  }

  get isDisposed(): boolean {
    return this._poll.isDisposed;
  }

  start(): Promise<void> {
    return this._poll.start();
  }

  /** Creates a transfer and follows it closely until it ends. */
  async create(request: Parameters<IAtelierClient['createTransfer']>[0]): Promise<ITransfer> {
    const transfer = await this._client.createTransfer(request);
    this._merge([transfer, ...this._transfers.filter(t => t.id !== transfer.id)]);
    void this._poll.refresh();
    return transfer;
  }

  async cancel(id: string): Promise<void> {
    await this._client.cancelTransfer(id);
    await this.refresh();
  }

  async refresh(): Promise<void> {
    this._merge(await this._client.transfers());
  }

  dispose(): void {
    this._poll.dispose();
    Signal.clearData(this);
  }

  private _merge(next: ITransfer[]): void {
    for (const transfer of next) {
      const before = this._states.get(transfer.id);
      if (before !== undefined && ACTIVE.has(before) && !ACTIVE.has(transfer.state)) {
        this._finished.emit(transfer);
      }
      this._states.set(transfer.id, transfer.state);
    }
    this._transfers = next;
    const interval = next.some(isActive) ? 1000 : 10000;
    if (this._poll.frequency.interval !== interval) {
      this._poll.frequency = { interval, backoff: true, max: Math.max(interval, 30000) };
    }
    this._changed.emit();
  }

  private _poll: Poll;
  private _transfers: ITransfer[] = [];
  private _states = new Map<string, string>();
  private _changed = new Signal<this, void>(this);
  private _finished = new Signal<this, ITransfer>(this);
}
