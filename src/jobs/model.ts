import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';
import type { IJob, IJobPhase, IJobSort } from '../api/client';
import type { IAtelierClient } from '../tokens';

const FINISHED = new Set<IJobPhase>(['Completed', 'Failed', 'Stopped']);

export function isFinished(job: IJob): boolean {
  return FINISHED.has(job.status.phase);
}

export type JobSort = IJobSort;

/** Jobs in a page: enough to fill a tall sidebar, small enough to answer at once. */
const PAGE = 100;
/** While the event stream is down: how often the loaded jobs are read again. */
const POLL_ACTIVE_MS = 2000;
const POLL_IDLE_MS = 10000;
/** Typing in the filter asks the service once the typing pauses. */
const FILTER_PAUSE_MS = 250;

/**
 * The service's training jobs as the list shows them: the newest page first (or the first in
 * the chosen order), more as the user scrolls, filtered and sorted by the service. The
 * service's event stream keeps them current: a pushed change updates its job in place, a new
 * job comes first, a deleted one goes; the list is read again only when the stream (re)opens,
 * when the view changes, or when a change moves a job in an order the page cannot place. While
 * the stream is down, the loaded jobs are polled (slower while the tab is hidden).
 *
 * Jobs that are not in the loaded pages but are shown elsewhere (a detail view, a comparison)
 * are fetched by `job(id)` and kept current by the same stream.
 */
export class JobsModel implements IDisposable {
  constructor(private readonly _client: IAtelierClient) {}

  get client(): IAtelierClient {
    return this._client;
  }

  /** The loaded jobs, in the list's order. */
  get jobs(): IJob[] {
    return this._items;
  }

  /** How many jobs match the filter, loaded or not. */
  get total(): number {
    return this._total;
  }

  get hasMore(): boolean {
    return this._next !== undefined;
  }

  get loading(): boolean {
    return this._loading !== null;
  }

  /** Whether the list was read at least once. */
  get loaded(): boolean {
    return this._loadedOnce;
  }

  /** What the last read failed with, if it did. */
  get error(): string | null {
    return this._error;
  }

  get filter(): string {
    return this._filter;
  }

  get sort(): JobSort {
    return this._sort;
  }

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** Fires once per job seen going from active to finished. */
  get finished(): ISignal<this, IJob> {
    return this._finished;
  }

  get isDisposed(): boolean {
    return this._disposed;
  }

  /** Opens the event stream and reads the first page. */
  async start(): Promise<void> {
    void this._follow();
    await this.refresh().catch(() => undefined);
  }

  /** Shows the jobs matching `filter` (words in the name, id, phase or flavor), in `sort`'s order. */
  setView(options: { filter?: string; sort?: JobSort }): void {
    const filter = options.filter ?? this._filter;
    const sort = options.sort ?? this._sort;
    if (filter === this._filter && sort === this._sort) {
      return;
    }
    const typing = filter !== this._filter && sort === this._sort;
    this._filter = filter;
    this._sort = sort;
    clearTimeout(this._viewTimer);
    if (typing) {
      this._viewTimer = setTimeout(() => void this._reload(PAGE).catch(() => undefined), FILTER_PAUSE_MS);
    } else {
      void this._reload(PAGE).catch(() => undefined);
    }
  }

  /** Reads the loaded range again (at least a page), in one request. */
  refresh(): Promise<void> {
    return this._reload(Math.min(500, Math.max(PAGE, this._items.length)));
  }

  /** Reads the next page, if there is one and none is being read. */
  async loadMore(): Promise<void> {
    if (!this._next || this._loading) {
      return;
    }
    const view = this._viewKey();
    const load = this._client.jobPage({ ...this._query(PAGE), cursor: this._next });
    this._loading = load;
    this._changed.emit();
    try {
      const page = await load;
      if (view !== this._viewKey() || this._disposed) {
        return; // the view changed meanwhile: its own read is under way
      }
      const known = new Set(this._items.map(j => j.id));
      this._items = [...this._items, ...page.jobs.filter(j => !known.has(j.id))];
      this._next = page.next;
      this._total = page.total;
      this._error = null;
      this._track(page.jobs);
    } catch (e) {
      this._error = (e as Error).message;
    } finally {
      if (this._loading === load) {
        this._loading = null;
      }
      this._changed.emit();
    }
  }

  /** A job from the loaded pages or the jobs fetched on their own. */
  find(id: string): IJob | undefined {
    return this._items.find(j => j.id === id) ?? this._extra.get(id);
  }

  /** A job, fetched from the service when it is not loaded; kept current from then on. */
  async job(id: string): Promise<IJob> {
    this._watched.add(id);
    const known = this.find(id);
    if (known) {
      return known;
    }
    const job = await this._client.job(id);
    this._extra.set(id, job);
    this._track([job]);
    this._changed.emit();
    return job;
  }

  async create(request: Parameters<IAtelierClient['createJob']>[0]): Promise<IJob> {
    const job = await this._client.createJob(request);
    this._pushed(job);
    return job;
  }

  async stop(id: string): Promise<void> {
    this._pushed(await this._client.stopJob(id));
  }

  async remove(id: string): Promise<void> {
    await this._client.removeJob(id);
    this._removed(id);
  }

  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    clearTimeout(this._viewTimer);
    clearTimeout(this._pollTimer);
    clearTimeout(this._reorderTimer);
    this._events?.abort();
    Signal.clearData(this);
  }

  // -- reading ----------------------------------------------------------------------------

  private _query(limit: number): Parameters<IAtelierClient['jobPage']>[0] {
    const q = this._filter.trim();
    return { limit, sort: this._sort, ...(q ? { q } : {}) };
  }

  private _viewKey(): string {
    return `${this._sort}\n${this._filter.trim()}`;
  }

  /** Reads the first `limit` jobs of the current view; a newer read wins over an older one. */
  private async _reload(limit: number): Promise<void> {
    const view = this._viewKey();
    const load = this._client.jobPage(this._query(limit));
    this._loading = load;
    this._changed.emit();
    try {
      const page = await load;
      if (this._loading !== load || this._disposed) {
        return; // a newer read is under way
      }
      if (view !== this._viewKey()) {
        return;
      }
      // A job shown elsewhere stays known when it leaves the list.
      const listed = new Set(page.jobs.map(j => j.id));
      for (const job of this._items) {
        if (this._watched.has(job.id) && !listed.has(job.id)) {
          this._extra.set(job.id, job);
        }
      }
      this._items = page.jobs;
      this._next = page.next;
      this._total = page.total;
      this._error = null;
      this._loadedOnce = true;
      this._track(page.jobs);
      for (const job of page.jobs) {
        this._extra.delete(job.id);
      }
    } catch (e) {
      if (this._loading === load) {
        this._error = (e as Error).message;
      }
      throw e;
    } finally {
      if (this._loading === load) {
        this._loading = null;
        this._changed.emit();
      }
    }
  }

  // -- pushed changes ---------------------------------------------------------------------

  /** Notes which jobs are active, and tells of those that finished since they were last seen. */
  private _track(jobs: IJob[]): void {
    for (const job of jobs) {
      const before = this._active.get(job.id);
      const now = !isFinished(job);
      if (before === true && !now) {
        this._finished.emit(job);
      }
      this._active.set(job.id, now);
    }
  }

  /** Whether the job belongs in the current view (the service's `q`: every word in the name, id, phase or flavor). */
  private _matches(job: IJob): boolean {
    const words = this._filter.toLowerCase().split(/\s+/).filter(Boolean);
    const values = [job.metadata.name, job.id, job.status.phase, job.flavor.name, job.flavor.id].map(v =>
      v.toLowerCase()
    );
    return words.every(word => values.some(v => v.includes(word)));
  }

  /** A job changed, or was created: put it in place. */
  private _pushed(job: IJob): void {
    this._track([job]);
    if (this._extra.has(job.id)) {
      this._extra.set(job.id, job);
    }
    const at = this._items.findIndex(j => j.id === job.id);
    const matches = this._matches(job);
    if (at >= 0) {
      const before = this._items[at];
      if (!matches) {
        this._items = this._items.filter(j => j.id !== job.id);
        this._total = Math.max(0, this._total - 1);
      } else {
        this._items = this._items.map((j, n) => (n === at ? job : j));
        if (this._sort === 'phase' && before.status.phase !== job.status.phase) {
          this._reorderSoon();
        }
      }
    } else if (matches) {
      if (this._sort === 'created') {
        // Newest first: it goes where its submit time puts it, if that is within the loaded pages.
        const created = job.metadata.createdAt;
        const index = this._items.findIndex(j => j.metadata.createdAt < created);
        if (index >= 0 || !this._next) {
          const items = [...this._items];
          items.splice(index >= 0 ? index : items.length, 0, job);
          this._items = items;
          this._total += 1;
        }
      } else {
        this._reorderSoon(); // where it goes in another order, the service says
      }
    }
    this._changed.emit();
  }

  private _removed(id: string): void {
    this._active.delete(id);
    this._watched.delete(id);
    this._extra.delete(id);
    if (this._items.some(j => j.id === id)) {
      this._items = this._items.filter(j => j.id !== id);
      this._total = Math.max(0, this._total - 1);
    }
    this._changed.emit();
  }

  private _reorderSoon(): void {
    clearTimeout(this._reorderTimer);
    this._reorderTimer = setTimeout(() => void this.refresh().catch(() => undefined), 1000);
  }

  /** Keeps the event stream open while the model lives; polls while it is down. */
  private async _follow(): Promise<void> {
    let pause = 1000;
    while (!this._disposed) {
      const controller = new AbortController();
      this._events = controller;
      try {
        await this._client.jobEvents(
          job => this._pushed(job),
          id => this._removed(id),
          controller.signal,
          () => {
            this._streaming = true;
            clearTimeout(this._pollTimer);
            pause = 1000;
            // What changed before the stream opened is read once (this read wins over one under way).
            void this.refresh().catch(() => undefined);
          }
        );
      } catch {
        // the service restarts, or this deployment drops streams: polled meanwhile
      }
      this._streaming = false;
      if (this._disposed) {
        return;
      }
      this._pollSoon();
      await new Promise(resolve => setTimeout(resolve, pause));
      pause = Math.min(pause * 2, 30000);
    }
  }

  /** While the stream is down: reads the loaded jobs again, often while one is active. */
  private _pollSoon(): void {
    clearTimeout(this._pollTimer);
    const active = [...this._items, ...this._extra.values()].some(j => !isFinished(j));
    const hidden = typeof document !== 'undefined' && document.hidden;
    const wait = (active ? POLL_ACTIVE_MS : POLL_IDLE_MS) * (hidden ? 6 : 1);
    this._pollTimer = setTimeout(async () => {
      if (this._streaming || this._disposed) {
        return;
      }
      await this.refresh().catch(() => undefined);
      await Promise.all(
        [...this._extra.keys()].map(id =>
          this._client.job(id).then(
            job => this._pushed(job),
            () => undefined
          )
        )
      );
      this._pollSoon();
    }, wait);
  }

  private _items: IJob[] = [];
  private _extra = new Map<string, IJob>();
  /** Jobs asked for by `job(id)`: shown elsewhere, so kept current when they leave the list. */
  private _watched = new Set<string>();
  private _total = 0;
  private _next: string | undefined = undefined;
  private _loading: Promise<unknown> | null = null;
  private _loadedOnce = false;
  private _error: string | null = null;
  private _filter = '';
  private _sort: JobSort = 'created';
  private _active = new Map<string, boolean>();
  private _streaming = false;
  private _events: AbortController | null = null;
  private _viewTimer: ReturnType<typeof setTimeout> | undefined = undefined;
  private _pollTimer: ReturnType<typeof setTimeout> | undefined = undefined;
  private _reorderTimer: ReturnType<typeof setTimeout> | undefined = undefined;
  private _disposed = false;
  private _changed = new Signal<this, void>(this);
  private _finished = new Signal<this, IJob>(this);
}
