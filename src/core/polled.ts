import { IDisposable } from '@lumino/disposable';
import { Poll } from '@lumino/polling';
import { ISignal, Signal } from '@lumino/signaling';

/** While the event stream is open the list is not read on a timer: the stream tells of every change. */
const STREAMING_INTERVAL = Poll.NEVER;

/**
 * A list of the service's long-running records (transfers). Where the service pushes changes
 * (`openEvents`), each event updates its record and the list is read again only when the
 * stream (re)opens: nothing is read while nothing changes. While the stream is down, it is
 * polled every second while a record is active and every 10 s otherwise, and the stream is
 * opened again with a growing pause. `finished` fires once per record seen going from active
 * to finished.
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
    void this._follow();
    return this._poll.start();
  }

  find(id: string): T | undefined {
    return this._items.find(item => item.id === id);
  }

  async refresh(): Promise<void> {
    this.merge(await this.fetch());
  }

  dispose(): void {
    this._events?.abort();
    this._poll.dispose();
    Signal.clearData(this);
  }

  protected abstract fetch(): Promise<T[]>;
  /**
   * Opens the service's event stream of this list; resolves when it ends. `opened` is called
   * once it is open. Lists without one are polled.
   */
  protected openEvents?(
    signal: AbortSignal,
    onItem: (item: T) => void,
    onRemoved: (id: string) => void,
    opened: () => void
  ): Promise<void>;
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
    const interval = this._streaming ? STREAMING_INTERVAL : next.some(i => this.isActive(i)) ? 1000 : 10000;
    if (this._poll.frequency.interval !== interval) {
      this._poll.frequency = { interval, backoff: true, max: Math.max(interval, 30000) };
    }
    this._changed.emit();
  }

  /** Puts a pushed record in place (a new one first). */
  protected upsert(item: T): void {
    const at = this._items.findIndex(i => i.id === item.id);
    this.merge(at < 0 ? [item, ...this._items] : this._items.map((i, n) => (n === at ? item : i)));
  }

  /** Drops a record the service says is gone. */
  protected removeItem(id: string): void {
    if (this._items.some(i => i.id === id)) {
      this._active.delete(id);
      this.merge(this._items.filter(i => i.id !== id));
    }
  }

  /** Keeps the event stream open while the list lives, opening it again after a pause when it drops. */
  private async _follow(): Promise<void> {
    if (!this.openEvents) {
      return;
    }
    let pause = 1000;
    while (!this.isDisposed) {
      const controller = new AbortController();
      this._events = controller;
      try {
        await this.openEvents(
          controller.signal,
          item => this.upsert(item),
          id => this.removeItem(id),
          () => {
            this._streaming = true;
            pause = 1000;
            // What changed before the stream opened is read once; the interval slows down.
            void this.refresh().catch(() => undefined);
          }
        );
      } catch {
        // the service restarts, or this deployment drops streams: polled meanwhile
      }
      this._streaming = false;
      if (this.isDisposed) {
        return;
      }
      this.merge(this._items); // back to polling at the pace of the records
      await new Promise(resolve => setTimeout(resolve, pause));
      pause = Math.min(pause * 2, 30000);
    }
  }

  /** Tells listeners that something they show changed (a filter, a sort). */
  protected emitChanged(): void {
    this._changed.emit();
  }

  private _poll: Poll;
  private _events: AbortController | null = null;
  private _streaming = false;
  private _items: T[] = [];
  private _active = new Map<string, boolean>();
  private _changed = new Signal<this, void>(this);
  private _finished = new Signal<this, T>(this);
}
