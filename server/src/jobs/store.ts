/**
 * The jobs' records on disk, and the little the service holds of each: a summary (name,
 * phase, flavor, times) to filter, sort and page the list by. Full records stay on disk
 * ({dir}/<id>/job.json); the service holds in full only the jobs that have not finished,
 * and reads a finished one when it is asked for (a few, cached).
 *
 * The summaries are also kept in {dir}/index.jsonl, one line per change (a summary, or
 * `{"id", "removed": true}`), so that opening a long history reads one file, not one per job.
 * The index may lag behind the records only for a job that had not finished (a record is
 * written before its index line, and a finished job never changes again), and every job the
 * index calls unfinished is read whole at the start anyway: so a crash between the two
 * writes costs nothing. A job folder the index does not know (a crash right after its
 * creation, or records from before the index) is read once and added; a line for a folder
 * that is gone is dropped. The file is rewritten whole, from memory, when it holds far more
 * lines than jobs.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as readline from 'readline';
import type { Logger } from 'pino';
import { RecordWriter, writeAtomic } from '../durable';
import { DomainError } from '../domain-errors';
import type { IJobListQuery, IJobPhase, IJobSort } from '@atelier/api';
import { FINISHED, IRecord } from './record';

/** What the list is filtered, sorted and paged by. Times in ms since the epoch. */
export interface IJobSummary {
  id: string;
  name: string;
  phase: IJobPhase;
  executor: string;
  flavorId: string;
  flavorName: string;
  created: number;
  started?: number;
  finished?: number;
  message?: string;
}

export interface IJobPage {
  ids: string[];
  next?: string;
  total: number;
}

const INDEX = 'index.jsonl';
/** Finished records kept in memory once read, the most recent first out. */
const CACHED = 512;

export class JobStore {
  constructor(
    private readonly _dir: string,
    private readonly _logger: Logger
  ) {}

  /** Reads the index (or, the first time, every record) and returns the unfinished jobs' records. */
  async open(): Promise<IRecord[]> {
    const indexed = await this._readIndex();
    const names = (await fs.promises.readdir(this._dir, { withFileTypes: true }))
      .filter(entry => entry.isDirectory())
      .map(entry => entry.name);
    const present = new Set(names);
    let changed = indexed.malformed > 0;
    for (const id of [...indexed.summaries.keys()]) {
      if (!present.has(id)) {
        indexed.summaries.delete(id); // its folder is gone
        changed = true;
      }
    }
    const active: IRecord[] = [];
    const toRead = names.filter(id => {
      const summary = indexed.summaries.get(id);
      return !summary || !FINISHED.has(summary.phase);
    });
    // Read in batches: a first start on a long history without an index reads every record.
    for (let at = 0; at < toRead.length; at += 64) {
      const batch = toRead.slice(at, at + 64);
      const records = await Promise.all(batch.map(id => this._readRecord(id).catch(e => this._unreadable(id, e))));
      for (const record of records) {
        if (!record) {
          continue;
        }
        const summary = summarize(record);
        const before = indexed.summaries.get(record.id);
        if (!before || JSON.stringify(before) !== JSON.stringify(summary)) {
          changed = true;
        }
        indexed.summaries.set(record.id, summary);
        if (!FINISHED.has(record.status.phase)) {
          active.push(record);
        }
      }
    }
    for (const summary of indexed.summaries.values()) {
      this._put(summary);
    }
    this._lines = indexed.lines;
    if (changed || this._lines > 2 * this._summaries.size + 1000) {
      await this._compact();
    }
    return active;
  }

  get size(): number {
    return this._summaries.size;
  }

  summary(id: string): IJobSummary | undefined {
    return this._summaries.get(id);
  }

  /** Writes the record (whole or not at all, in order per job), then its index line. */
  save(record: IRecord): Promise<void> {
    const summary = summarize(record);
    this._put(summary);
    const file = path.join(this._dir, record.id, 'job.json');
    return this._writer
      .write(record.id, file, JSON.stringify(record), () => this._summaries.has(record.id))
      .then(() => {
        if (this._summaries.get(record.id) === summary) {
          this._append(summary);
        }
        if (FINISHED.has(record.status.phase)) {
          this._remember(record);
        }
      });
  }

  /** Forgets a job and removes its folder. */
  async remove(id: string): Promise<void> {
    const summary = this._summaries.get(id);
    if (!summary) {
      return;
    }
    this._summaries.delete(id);
    const at = this._indexOf(summary);
    if (at >= 0) {
      this._byCreation.splice(at, 1);
    }
    this._cache.delete(id);
    this._version += 1;
    await this._writer.forget(id);
    await fs.promises.rm(path.join(this._dir, id), { recursive: true, force: true });
    this._append({ id, removed: true });
  }

  /** A finished job's record, from the cache or its file. */
  async read(id: string): Promise<IRecord> {
    const cached = this._cache.get(id);
    if (cached) {
      this._cache.delete(id);
      this._cache.set(id, cached);
      return cached;
    }
    const record = await this._readRecord(id);
    if (FINISHED.has(record.status.phase)) {
      this._remember(record);
    }
    return record;
  }

  /** One page of the jobs that match `query`, in its order, after its cursor. */
  query(query: IJobListQuery, now = Date.now()): IJobPage {
    const sort: IJobSort = query.sort ?? 'created';
    const match = matcher(query);
    const limit = query.limit ?? 100;
    const after = query.cursor ? decodeCursor(query.cursor, sort) : null;
    const ids: string[] = [];
    let total: number;
    let last: IJobSummary | undefined;
    let more = false;
    if (sort === 'created') {
      // Newest first, straight from the creation order (oldest first): no sort; the cursor's
      // place is found by a binary search, and only the page's jobs (and one more) are judged.
      const list = this._byCreation;
      const start = after ? firstFailing(list, s => compareKeys(keyOf(s, sort, now), after, sort) > 0) : list.length;
      for (let i = start - 1; i >= 0; i--) {
        const s = list[i];
        if (!match(s)) {
          continue;
        }
        if (ids.length === limit) {
          more = true;
          break;
        }
        ids.push(s.id);
        last = s;
      }
      total = this._count(query, match);
    } else {
      const sorted = this._sorted(sort, query, match, now);
      total = sorted.length;
      const start = after ? firstFailing(sorted, s => compareKeys(keyOf(s, sort, now), after, sort) <= 0) : 0;
      const page = sorted.slice(start, start + limit);
      ids.push(...page.map(s => s.id));
      last = page[page.length - 1];
      more = start + limit < sorted.length;
    }
    return { ids, total, ...(more && last ? { next: encodeCursor(keyOf(last, sort, now), sort) } : {}) };
  }

  /** Waits for every write so far. */
  async settled(): Promise<void> {
    await this._writer.settled();
    await this._appending;
  }

  // -- internals ------------------------------------------------------------------------

  /** The matching summaries in a sort other than creation; the last one is kept for the next page. */
  private _sorted(
    sort: IJobSort,
    query: IJobListQuery,
    match: (s: IJobSummary) => boolean,
    now: number
  ): IJobSummary[] {
    const { cursor: _cursor, limit: _limit, ...rest } = query;
    void _cursor;
    void _limit;
    const key = JSON.stringify({ ...rest, sort });
    // A duration changes while a job runs: such a sort is kept only for a few seconds.
    const fresh = sort !== 'duration' || now - (this._memo?.at ?? 0) < 5000;
    if (this._memo && this._memo.key === key && this._memo.version === this._version && fresh) {
      return this._memo.sorted;
    }
    const sorted = this._byCreation.filter(match);
    const keys = new Map(sorted.map(s => [s.id, keyOf(s, sort, now)]));
    sorted.sort((a, b) => compareKeys(keys.get(a.id)!, keys.get(b.id)!, sort));
    this._memo = { key, version: this._version, at: now, sorted };
    return sorted;
  }

  private _put(summary: IJobSummary): void {
    const before = this._summaries.get(summary.id);
    this._summaries.set(summary.id, summary);
    if (before) {
      const at = this._indexOf(before);
      if (at >= 0) {
        this._byCreation[at] = summary;
      }
      if (before.phase !== summary.phase || before.name !== summary.name) {
        this._version += 1;
      }
      return;
    }
    this._byCreation.splice(this._placeOf(summary), 0, summary);
    this._version += 1;
  }

  private _indexOf(summary: IJobSummary): number {
    const at = this._placeOf(summary);
    return this._byCreation[at]?.id === summary.id ? at : -1;
  }

  /** Where `summary` is, or would go, in the creation order. */
  private _placeOf(summary: IJobSummary): number {
    return firstFailing(this._byCreation, s => creationOrder(s, summary) < 0);
  }

  /** How many jobs match a filter: all of them without one, else counted once per change. */
  private _count(query: IJobListQuery, match: (s: IJobSummary) => boolean): number {
    const { q, phase, name, executor, since, until } = query;
    if (!q && !phase && !name && !executor && !since && !until) {
      return this._byCreation.length;
    }
    const key = JSON.stringify([q, phase, name, executor, since, until]);
    if (this._counted?.key !== key || this._counted.version !== this._version) {
      let total = 0;
      for (const s of this._byCreation) {
        total += match(s) ? 1 : 0;
      }
      this._counted = { key, version: this._version, total };
    }
    return this._counted.total;
  }

  private _remember(record: IRecord): void {
    this._cache.delete(record.id);
    this._cache.set(record.id, record);
    if (this._cache.size > CACHED) {
      this._cache.delete(this._cache.keys().next().value as string);
    }
  }

  private async _readRecord(id: string): Promise<IRecord> {
    const text = await fs.promises.readFile(path.join(this._dir, id, 'job.json'), 'utf8');
    return JSON.parse(text) as IRecord;
  }

  private _unreadable(id: string, e: unknown): null {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
      this._logger.warn({ job: id, err: e }, 'skipping an unreadable job record');
    }
    return null;
  }

  private async _readIndex(): Promise<{ summaries: Map<string, IJobSummary>; lines: number; malformed: number }> {
    const summaries = new Map<string, IJobSummary>();
    let lines = 0;
    let malformed = 0;
    const file = path.join(this._dir, INDEX);
    const input = fs.createReadStream(file, { encoding: 'utf8' });
    const opened = await new Promise<boolean>(resolve => {
      input.once('open', () => resolve(true));
      input.once('error', () => resolve(false));
    });
    if (!opened) {
      input.destroy();
      return { summaries, lines, malformed };
    }
    const reader = readline.createInterface({ input, crlfDelay: Infinity });
    try {
      for await (const line of reader) {
        if (!line) {
          continue;
        }
        lines += 1;
        try {
          const entry = JSON.parse(line) as IJobSummary & { removed?: boolean };
          if (typeof entry.id !== 'string') {
            malformed += 1;
          } else if (entry.removed) {
            summaries.delete(entry.id);
          } else {
            summaries.set(entry.id, entry);
          }
        } catch {
          malformed += 1; // a line cut short by a crash: the folders tell the rest
        }
      }
    } catch (e) {
      this._logger.warn({ err: e }, 'the job index could not be read whole; it is rebuilt from the records');
      malformed += 1;
    } finally {
      input.destroy();
    }
    return { summaries, lines, malformed };
  }

  /** Appends index lines, a batch at a time, in order; rewrites the file when it grew far past the jobs. */
  private _append(entry: IJobSummary | { id: string; removed: true }): void {
    this._pending.push(JSON.stringify(entry));
    if (this._pending.length > 1) {
      return; // a write is queued already
    }
    this._appending = this._appending
      .then(async () => {
        const lines = this._pending.splice(0);
        this._lines += lines.length;
        await fs.promises.appendFile(path.join(this._dir, INDEX), lines.join('\n') + '\n', { mode: 0o600 });
        if (this._lines > 2 * this._summaries.size + 10000) {
          await this._compact();
        }
      })
      .catch(e => this._logger.error({ err: e }, 'writing the job index failed; it is rebuilt at the next start'));
  }

  private async _compact(): Promise<void> {
    const text = [...this._summaries.values()].map(s => JSON.stringify(s)).join('\n');
    await writeAtomic(path.join(this._dir, INDEX), text ? text + '\n' : '');
    this._lines = this._summaries.size;
  }

  private _summaries = new Map<string, IJobSummary>();
  /** Every summary, oldest first. */
  private _byCreation: IJobSummary[] = [];
  private _cache = new Map<string, IRecord>();
  private _writer = new RecordWriter((e, id) => this._logger.error({ err: e, id }, 'saving a job record failed'));
  private _pending: string[] = [];
  private _appending: Promise<void> = Promise.resolve();
  private _lines = 0;
  /** Goes up whenever what a sort depends on changes. */
  private _version = 0;
  private _counted: { key: string; version: number; total: number } | undefined;
  private _memo: { key: string; version: number; at: number; sorted: IJobSummary[] } | null = null;
}

function summarize(record: IRecord): IJobSummary {
  const { status } = record;
  return {
    id: record.id,
    name: record.metadata.name,
    phase: status.phase,
    executor: record.executor,
    flavorId: record.flavor.id,
    flavorName: record.flavor.name,
    created: Date.parse(record.metadata.createdAt),
    ...(status.startedAt ? { started: Date.parse(status.startedAt) } : {}),
    ...(status.finishedAt ? { finished: Date.parse(status.finishedAt) } : {})
  };
}

function creationOrder(a: IJobSummary, b: IJobSummary): number {
  return a.created - b.created || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** The first index of `list` where `holds` is false, given it holds on a prefix (a binary search). */
function firstFailing<T>(list: T[], holds: (item: T) => boolean): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (holds(list[mid])) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

function matcher(query: IJobListQuery): (s: IJobSummary) => boolean {
  const phases = query.phase ? new Set(query.phase.split(',')) : null;
  const words = (query.q ?? '').toLowerCase().split(/\s+/).filter(Boolean);
  const name = query.name?.toLowerCase();
  const since = query.since ? Date.parse(query.since) : null;
  const until = query.until ? Date.parse(query.until) : null;
  const { executor } = query;
  return s =>
    (!phases || phases.has(s.phase)) &&
    (!executor || s.executor === executor) &&
    (since === null || s.created >= since) &&
    (until === null || s.created < until) &&
    (!name || s.name.toLowerCase().includes(name)) &&
    words.every(word =>
      [s.name, s.phase, s.flavorName, s.flavorId, s.id].some(value => value.toLowerCase().includes(word))
    );
}

type Key = Array<string | number>;

const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

/** The values a job is ordered by in `sort`, most significant first; ties go to the newest, then the id. */
function keyOf(s: IJobSummary, sort: IJobSort, now: number): Key {
  switch (sort) {
    case 'name':
      return [s.name, s.created, s.id];
    case 'phase':
      return [s.phase, s.created, s.id];
    case 'duration': {
      const seconds = s.started ? ((s.finished ?? now) - s.started) / 1000 : 0;
      return [seconds, s.created, s.id];
    }
    default:
      return [s.created, s.id];
  }
}

/** Compares two keys in the list's order: names and phases A–Z, durations and times largest first. */
function compareKeys(a: Key, b: Key, sort: IJobSort): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    let order: number;
    if (typeof x === 'number' && typeof y === 'number') {
      order = y - x; // newest, longest first
    } else if (i === 0 && (sort === 'name' || sort === 'phase')) {
      order = collator.compare(String(x), String(y));
    } else {
      order = String(x) < String(y) ? 1 : String(x) > String(y) ? -1 : 0; // the id: as the creation order, reversed
    }
    if (order !== 0) {
      return order;
    }
  }
  return 0;
}

function encodeCursor(key: Key, sort: IJobSort): string {
  return Buffer.from(JSON.stringify([sort, ...key])).toString('base64url');
}

function decodeCursor(cursor: string, sort: IJobSort): Key {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = null;
  }
  const valid =
    Array.isArray(parsed) &&
    parsed.length >= 3 &&
    parsed.slice(1).every(v => typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v)));
  if (!valid || !Array.isArray(parsed)) {
    throw new DomainError(
      'invalid',
      'bad_cursor',
      'The cursor is not one this service gave out; start again from the first page.',
      { field: 'cursor' }
    );
  }
  if (parsed[0] !== sort) {
    throw new DomainError(
      'invalid',
      'bad_cursor',
      `The cursor belongs to the list sorted by ${String(parsed[0])}, not by ${sort}; start again from the first page.`,
      { field: 'cursor' }
    );
  }
  return parsed.slice(1) as Key;
}
