import { IDisposable } from '@lumino/disposable';
import { Poll } from '@lumino/polling';
import { ISignal, Signal } from '@lumino/signaling';

/**
 * A list of the service's long-running records (transfers, jobs), polled every second while
 * one of them is active and every 10 s otherwise. `finished` fires once per record seen
 * going from active to finished.
 */
export abstract class PolledList<T extends { id: string }> implements IDisposable {
  constructor(name: string, standby: Poll.Standby = 'never') {
    this._poll = new Poll({
      auto: false,
      factory: () => this.refresh(),
      frequency: { interval: 10000, backoff: true, max: 30000 },
      name,
      standby
    });
  }

  /** The records, as the service last listed them. */
  get items(): T[] {
    return this._items;
  }

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get finished(): ISignal<this, T> {
    return this._finished;
  }

  get isDisposed(): boolean {
    return this._poll.isDisposed;
  }

  start(): Promise<void> {
    return this._poll.start();
  }

  find(id: string): T | undefined {
    return this._items.find(item => item.id === id);
  }

  async refresh(): Promise<void> {
    this.merge(await this.fetch());
  }

  dispose(): void {
    this._poll.dispose();
    Signal.clearData(this);
  }

  protected abstract fetch(): Promise<T[]>;
  protected abstract isActive(item: T): boolean;

  /** Puts a record just created first, and looks again soon. */
  protected added(item: T): void {
    this.merge([item, ...this._items.filter(i => i.id !== item.id)]);
    void this._poll.refresh();
  }

  protected merge(next: T[]): void {
    for (const item of next) {
      const before = this._active.get(item.id);
      const now = this.isActive(item);
      if (before === true && !now) {
        this._finished.emit(item);
      }
      this._active.set(item.id, now);
    }
    this._items = next;
    const interval = next.some(i => this.isActive(i)) ? 1000 : 10000;
    if (this._poll.frequency.interval !== interval) {
      this._poll.frequency = { interval, backoff: true, max: Math.max(interval, 30000) };
    }
    this._changed.emit();
  }

  /** Tells listeners that something they show changed (a filter, a sort). */
  protected emitChanged(): void {
    this._changed.emit();
  }

  private _poll: Poll;
  private _items: T[] = [];
  private _active = new Map<string, boolean>();
  private _changed = new Signal<this, void>(this);
  private _finished = new Signal<this, T>(this);
}
