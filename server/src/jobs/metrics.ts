/**
 * Training metrics: the numbers a job reports per step, from two sources in its folder, parsed
 * here once for every client.
 *
 * - Its log (`logs/output.log`): a line is a metrics line when it holds at least one
 *   `name=value` or `name: value` pair with a numeric value (`loss=0.25`, `acc: 91.2%`,
 *   `lr=1e-3`); a step word (`epoch`, `step`, `iter`, `iteration`) followed by a number (`epoch 3`,
 *   `Epoch [3/10]`, `step=10`, `step: 10`) gives the line's step. Lines end at `\n` or `\r`
 *   (progress bars redraw with `\r`), and only their first 4 KiB are read.
 * - Its metrics file (`metrics.jsonl`, the path in `ATELIER_METRICS_FILE`): one JSON object per
 *   line, `{"step": 3, "loss": 0.25}`; every other finite number is a metric.
 *
 * A value without a step takes the step after its metric's last one (1 for its first); a value
 * at its metric's last step replaces it (a progress bar redrawn within one epoch). Memory stays
 * bounded whatever the log holds: at most METRICS_LIMITS.points points per metric (past that,
 * every other point goes and only every second new one is kept, so the whole run keeps its
 * shape; the latest value is always shown), at most METRICS_LIMITS.metrics metrics per job,
 * and the readers of METRICS_LIMITS.jobs jobs at a time. Each reader goes on from where it
 * stopped, so the log of a long job is read once, not on every request.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { IJobMetrics } from '@atelier/api';

/** The metrics file in a job's folder; the program finds its path in ATELIER_METRICS_FILE. */
export const METRICS_FILE = 'metrics.jsonl';

export const METRICS_LIMITS = {
  /** Points kept per metric (then thinned). */
  points: 1000,
  /** Metrics per job; more names are ignored. */
  metrics: 50,
  /** The part of a log line that is parsed. */
  logLine: 4096,
  /** A metrics file line longer than this is skipped. */
  fileLine: 64 * 1024,
  /** Jobs whose readers are kept (the least recently asked go first, and read again when asked). */
  jobs: 16,
  /** Bytes read at a time. */
  chunk: 1024 * 1024
};

/** What one line reports: its step (when it names one) and its values. */
export interface IMetricLine {
  step?: number;
  values: [string, number][];
}

const NUMBER = String.raw`[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?`;
const STEP_WORDS = new Set(['epoch', 'step', 'iter', 'iteration']);
/** A step word and its number: `epoch 3`, `Epoch [3/10]`, `step #4`, `iteration(5)`. */
const STEP = new RegExp(String.raw`(?:^|[^A-Za-z0-9_])(epoch|step|iter|iteration)\s*[:=#[(]?\s*(\d+(?:\.\d+)?)`, 'i');
/**
 * A pair: a name (at the start or after a space or , ; | ( [ {; quoted or not), `=` or `:`, a
 * number (then the end, a space or , ; | ) ] }, after an optional % and full stop).
 */
const PAIR = new RegExp(
  String.raw`(?:^|[\s,;|([{])(['"]?)([A-Za-z_][A-Za-z0-9_./-]{0,63})\1\s*[=:]\s*(${NUMBER})%?\.?(?=$|[\s,;|)\]}])`,
  'g'
);

/** The step and values of one log line, or null when it reports none. */
export function parseLogLine(line: string): IMetricLine | null {
  const text = line.length > METRICS_LIMITS.logLine ? line.slice(0, METRICS_LIMITS.logLine) : line;
  if (!text.includes('=') && !text.includes(':')) {
    return null;
  }
  if (text.trimStart().startsWith('{')) {
    const json = parseFileLine(text);
    if (json) {
      return json; // a JSON object printed to the log, as in the metrics file
    }
  }
  let step: number | undefined;
  const values: [string, number][] = [];
  for (const match of text.matchAll(PAIR)) {
    const [, , name, number] = match;
    const value = Number(number);
    if (!Number.isFinite(value)) {
      continue; // 1e999
    }
    if (STEP_WORDS.has(name.toLowerCase())) {
      step ??= value;
    } else {
      values.push([name, value]);
    }
  }
  if (!values.length) {
    return null;
  }
  if (step === undefined) {
    const found = STEP.exec(text);
    step = found ? Number(found[2]) : undefined;
  }
  return step === undefined ? { values } : { step, values };
}

/** The step and values of one line of the metrics file, or null when it is not a JSON object of numbers. */
export function parseFileLine(line: string): IMetricLine | null {
  const text = line.trim();
  if (!text.startsWith('{') || text.length > METRICS_LIMITS.fileLine) {
    return null;
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return null;
  }
  if (!data || typeof data !== 'object' || Array.isArray(data)) {
    return null;
  }
  let step: number | undefined;
  const values: [string, number][] = [];
  for (const [name, value] of Object.entries(data as Record<string, unknown>)) {
    if (typeof value !== 'number' || !Number.isFinite(value) || name.length > 64 || !name) {
      continue;
    }
    if (STEP_WORDS.has(name.toLowerCase())) {
      step ??= value;
    } else {
      values.push([name, value]);
    }
  }
  return values.length ? (step === undefined ? { values } : { step, values }) : null;
}

/** One metric's points, thinned past the limit; the latest point (the tail) may still change. */
export class MetricSeries {
  constructor(
    readonly name: string,
    private readonly _limit = METRICS_LIMITS.points
  ) {}

  /** How many values (distinct steps) were reported in all. */
  reported = 0;

  /** Adds a value at `step` (default: the step after the last one). */
  add(value: number, step?: number): void {
    const last = this._tail ? this._tail[0] : undefined;
    const at = step ?? (last ?? 0) + 1;
    if (this._tail && last === at) {
      this._tail[1] = value;
      return;
    }
    if (this._tail) {
      this._commit(this._tail);
    }
    this._tail = [at, value];
    this.reported += 1;
  }

  /** The points kept, in the order they came. */
  points(): { step: number; value: number }[] {
    const points = this._steps.map((step, i) => ({ step, value: this._values[i] }));
    if (this._tail) {
      points.push({ step: this._tail[0], value: this._tail[1] });
    }
    return points;
  }

  private _commit([step, value]: [number, number]): void {
    if (this._committed++ % this._stride !== 0) {
      return;
    }
    this._steps.push(step);
    this._values.push(value);
    if (this._steps.length > this._limit) {
      this._steps = this._steps.filter((_, i) => i % 2 === 0);
      this._values = this._values.filter((_, i) => i % 2 === 0);
      this._stride *= 2;
    }
  }

  private _steps: number[] = [];
  private _values: number[] = [];
  private _tail: [number, number] | null = null;
  private _committed = 0;
  private _stride = 1;
}

/** Reads a growing file line by line from where it stopped; a line is parsed once it has ended. */
class LineSource {
  constructor(
    private readonly _file: string,
    /** Where a line ends: `\n`, and `\r` too for logs. */
    private readonly _ends: number[]
  ) {}

  /** Hands every line ended since the last call to `onLine`; with `final`, the unended last line too. */
  async read(onLine: (line: string) => void, final: boolean): Promise<boolean> {
    const handle = await fs.promises.open(this._file, 'r').catch(() => null);
    if (!handle) {
      return false;
    }
    let changed = false;
    try {
      const { size } = await handle.stat();
      const buffer = Buffer.allocUnsafe(Math.min(METRICS_LIMITS.chunk, Math.max(1, size - this._offset)));
      while (this._offset < size) {
        const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, size - this._offset), this._offset);
        if (!bytesRead) {
          break;
        }
        // The bytes of \n and \r never occur inside a UTF-8 character: cutting there is safe.
        let end = -1;
        for (const byte of this._ends) {
          end = Math.max(end, buffer.lastIndexOf(byte, bytesRead - 1));
        }
        const atEnd = this._offset + bytesRead >= size;
        if (end < 0 && !(final && atEnd)) {
          if (bytesRead < METRICS_LIMITS.chunk) {
            break; // an unended line: read again once it has ended
          }
          // A whole chunk without a line end: skipped, with the rest of its line.
          this._offset += bytesRead;
          this._skipping = true;
          continue;
        }
        const used = end < 0 ? bytesRead : end + 1;
        const lines = buffer.toString('utf8', 0, used).split(/\r\n|\r|\n/);
        if (end >= 0) {
          lines.pop(); // the empty string after the last line end
        }
        if (this._skipping) {
          lines.shift();
          this._skipping = false;
        }
        for (const line of lines) {
          onLine(line);
        }
        changed ||= lines.length > 0;
        this._offset += used;
      }
    } finally {
      await handle.close();
    }
    return changed;
  }

  private _offset = 0;
  private _skipping = false;
}

/** One job's metrics: its two sources and the series they feed. */
class JobMetricsReader {
  constructor(dir: string) {
    this._log = new LineSource(path.join(dir, 'logs', 'output.log'), [0x0a, 0x0d]);
    this._file = new LineSource(path.join(dir, METRICS_FILE), [0x0a]);
  }

  /** Reads on; `finished` says the job has ended, so that nothing more will be written. */
  read(finished: boolean): Promise<IJobMetrics> {
    this._queue = this._queue.then(() => this._read(finished));
    return this._queue;
  }

  private async _read(finished: boolean): Promise<IJobMetrics> {
    if (!this._complete) {
      const log = await this._log.read(line => this._add(parseLogLine(line)), finished);
      const file = await this._file.read(line => this._add(parseFileLine(line)), finished);
      if (log || file) {
        this._revision += 1;
      }
      this._complete = finished;
    }
    return {
      series: [...this._series.values()].map(s => ({ name: s.name, points: s.points(), reported: s.reported })),
      revision: this._revision,
      complete: this._complete
    };
  }

  private _add(line: IMetricLine | null): void {
    for (const [name, value] of line?.values ?? []) {
      let series = this._series.get(name);
      if (!series) {
        if (this._series.size >= METRICS_LIMITS.metrics) {
          continue;
        }
        series = new MetricSeries(name);
        this._series.set(name, series);
      }
      series.add(value, line!.step);
    }
  }

  private readonly _log: LineSource;
  private readonly _file: LineSource;
  private readonly _series = new Map<string, MetricSeries>();
  private _queue: Promise<IJobMetrics> = Promise.resolve({ series: [], revision: 0, complete: false });
  private _revision = 0;
  private _complete = false;
}

/** The metrics readers of the jobs asked about lately, by job id. */
export class JobMetricsStore {
  /** The metrics of the job whose folder is `dir`, read on from where the last call stopped. */
  read(id: string, dir: string, finished: boolean): Promise<IJobMetrics> {
    let reader = this._readers.get(id);
    if (reader) {
      this._readers.delete(id); // re-inserted last: the most recently asked
    } else {
      reader = new JobMetricsReader(dir);
      if (this._readers.size >= METRICS_LIMITS.jobs) {
        this._readers.delete(this._readers.keys().next().value!);
      }
    }
    this._readers.set(id, reader);
    return reader.read(finished);
  }

  /** Drops a job's reader (the job was deleted). */
  forget(id: string): void {
    this._readers.delete(id);
  }

  private readonly _readers = new Map<string, JobMetricsReader>();
}
