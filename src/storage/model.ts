import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';
import type { IBucket, IEndpoint, IListing } from '../api/client';
import { AtelierError } from '../api/request';
import type { IAtelierClient } from '../tokens';

/** A row of the storage browser: a "folder" (common prefix) or an object. */
export interface IStorageItem {
  kind: 'folder' | 'object';
  key: string;
  /** The last path segment, without the trailing '/'. */
  name: string;
  size?: number;
  lastModified?: string;
}

export type SortKey = 'name' | 'size' | 'modified';

/** The name of a key inside its folder. */
export function nameOf(key: string): string {
  const trimmed = key.endsWith('/') ? key.slice(0, -1) : key;
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}

/** The folder a key is in ('' at the top of the bucket). */
export function parentOf(key: string): string {
  const trimmed = key.endsWith('/') ? key.slice(0, -1) : key;
  return trimmed.slice(0, trimmed.lastIndexOf('/') + 1);
}

/**
 * What the storage browser shows: the endpoint, the bucket, the folder (prefix), and the
 * items loaded so far. Listings are paged with the server's continuation token; the view
 * asks for the next page when it scrolls near the end, so a folder of 100,000 objects
 * opens at once.
 */
export class StorageBrowserModel implements IDisposable {
  constructor(options: StorageBrowserModel.IOptions) {
    this.client = options.client;
    this.pageSize = options.pageSize ?? 1000;
  }

  readonly client: IAtelierClient;
  readonly pageSize: number;

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** The endpoints; null until they have been asked for (an empty list is an answer). */
  get endpoints(): IEndpoint[] | null {
    return this._endpoints;
  }

  get buckets(): IBucket[] {
    return this._buckets;
  }

  get endpoint(): IEndpoint | null {
    return this._endpoints?.find(e => e.id === this._endpoint) ?? null;
  }

  get bucket(): string | null {
    return this._bucket;
  }

  get prefix(): string {
    return this._prefix;
  }

  get filter(): string {
    return this._filter;
  }

  get loading(): boolean {
    return this._loading;
  }

  get error(): string | null {
    return this._error;
  }

  get hasMore(): boolean {
    return this._nextToken !== undefined;
  }

  get sort(): { key: SortKey; ascending: boolean } {
    return { ...this._sort };
  }

  /** The loaded items, folders first, in the chosen order. */
  get items(): IStorageItem[] {
    if (!this._sorted) {
      this._sorted = this._sortItems();
    }
    return this._sorted;
  }

  private _sortItems(): IStorageItem[] {
    const { key, ascending } = this._sort;
    const dir = ascending ? 1 : -1;
    const value = (item: IStorageItem) =>
      key === 'size' ? (item.size ?? -1) : key === 'modified' ? (item.lastModified ?? '') : item.name.toLowerCase();
    return [...this._items].sort((a, b) => {
      if (a.kind !== b.kind) {
        return a.kind === 'folder' ? -1 : 1;
      }
      const va = value(a);
      const vb = value(b);
      return (va < vb ? -1 : va > vb ? 1 : a.key < b.key ? -1 : 1) * dir;
    });
  }

  get selected(): IStorageItem | null {
    return this._selected === null ? null : (this._items.find(i => i.key === this._selected) ?? null);
  }

  get isDisposed(): boolean {
    return this._disposed;
  }

  /** `s3://bucket/key` or `obs://bucket/key`, ready to paste into code. */
  uriOf(key: string): string {
    return `${this.endpoint?.scheme ?? 's3'}://${this._bucket}/${key}`;
  }

  /** Loads the endpoints and opens the first bucket of the first endpoint. */
  async initialize(): Promise<void> {
    await this._guard(async () => {
      this._endpoints = await this.client.endpoints();
    });
    // Asked: where asking failed (the guard says why), there are none.
    this._endpoints ??= [];
    if (this._endpoints.length && !this._endpoint) {
      await this.setEndpoint(this._endpoints[0].id);
    }
  }

  async setEndpoint(id: string): Promise<void> {
    this._endpoint = id;
    this._bucket = null;
    this._buckets = [];
    this._reset();
    await this._guard(async () => {
      this._buckets = await this.client.buckets(id);
    });
    if (this._buckets.length) {
      await this.setBucket(this._buckets[0].name);
    } else {
      this._changed.emit();
    }
  }

  async reloadBuckets(select?: string): Promise<void> {
    if (!this._endpoint) {
      return;
    }
    await this._guard(async () => {
      this._buckets = await this.client.buckets(this._endpoint!);
    });
    if (select) {
      await this.setBucket(select);
    } else {
      this._changed.emit();
    }
  }

  async setBucket(name: string, prefix = ''): Promise<void> {
    this._bucket = name;
    this._prefix = prefix;
    this._filter = '';
    await this.refresh();
  }

  /** Opens a folder of the current bucket. */
  async cd(prefix: string): Promise<void> {
    this._prefix = prefix;
    this._filter = '';
    await this.refresh();
  }

  /** Shows only the names in this folder that start with `text` (asked of the server). */
  async setFilter(text: string): Promise<void> {
    this._filter = text;
    await this.refresh();
  }

  setSort(key: SortKey): void {
    this._sort = this._sort.key === key ? { key, ascending: !this._sort.ascending } : { key, ascending: true };
    this._sorted = null;
    this._changed.emit();
  }

  select(key: string | null): void {
    if (key !== this._selected) {
      this._selected = key;
      this._changed.emit();
    }
  }

  /** Reads the buckets again (keeping the open one) and lists the folder again. */
  async refreshAll(): Promise<void> {
    if (this._endpoint) {
      await this._guard(async () => {
        this._buckets = await this.client.buckets(this._endpoint!);
      });
    }
    await this.refresh(true);
  }

  /**
   * Lists the folder again from its first page. With `keepVisible` the rows stay until the
   * new page arrives (a refresh in place, no flicker); otherwise they go at once (a new place).
   */
  async refresh(keepVisible = false): Promise<void> {
    const items = this._items;
    const selected = this._selected;
    this._reset();
    if (keepVisible) {
      this._items = items;
      this._selected = selected;
      this._replace = true;
    }
    await this.loadMore(true);
  }

  /** Loads the next page, if there is one and none is loading. */
  async loadMore(first = false): Promise<void> {
    if (!this._endpoint || !this._bucket || this._loading || (!first && this._nextToken === undefined)) {
      return;
    }
    const generation = this._generation;
    this._loading = true;
    this._changed.emit();
    let page: IListing | null = null;
    try {
      page = await this.client.list(this._endpoint, this._bucket, {
        prefix: this._prefix + this._filter,
        token: first ? undefined : this._nextToken,
        limit: this.pageSize
      });
    } catch (e) {
      if (generation === this._generation) {
        this._error = e instanceof AtelierError ? e.message : String(e);
      }
    }
    if (generation !== this._generation) {
      return; // the location changed meanwhile
    }
    this._loading = false;
    if (page && this._replace) {
      this._items = [];
    }
    this._replace = false;
    if (page) {
      for (const prefix of page.prefixes) {
        this._items.push({ kind: 'folder', key: prefix, name: nameOf(prefix) });
      }
      for (const object of page.objects) {
        this._items.push({
          kind: 'object',
          key: object.key,
          name: nameOf(object.key),
          size: object.size,
          lastModified: object.lastModified
        });
      }
      this._nextToken = page.nextToken;
      this._sorted = null;
      this._error = null;
    }
    this._changed.emit();
  }

  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    Signal.clearData(this);
  }

  private _reset(): void {
    this._generation++;
    this._items = [];
    this._replace = false;
    this._sorted = null;
    this._nextToken = undefined;
    this._loading = false;
    this._selected = null;
    this._error = null;
  }

  private async _guard(work: () => Promise<void>): Promise<void> {
    try {
      await work();
      this._error = null;
    } catch (e) {
      this._error = e instanceof AtelierError ? e.message : String(e);
    }
    this._changed.emit();
  }

  private _changed = new Signal<this, void>(this);
  private _endpoints: IEndpoint[] | null = null;
  private _buckets: IBucket[] = [];
  private _endpoint: string | null = null;
  private _bucket: string | null = null;
  private _prefix = '';
  private _filter = '';
  private _items: IStorageItem[] = [];
  /** The next first page replaces the rows kept visible during a refresh. */
  private _replace = false;
  private _sorted: IStorageItem[] | null = null;
  private _nextToken: string | undefined;
  private _loading = false;
  private _error: string | null = null;
  private _selected: string | null = null;
  private _sort: { key: SortKey; ascending: boolean } = { key: 'name', ascending: true };
  private _generation = 0;
  private _disposed = false;
}

export namespace StorageBrowserModel {
  export interface IOptions {
    client: IAtelierClient;
    /** Objects per listing page; default 1000. */
    pageSize?: number;
  }
}
