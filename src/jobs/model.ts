import { IDisposable } from '@lumino/disposable';
import { Poll } from '@lumino/polling';
import { ISignal, Signal } from '@lumino/signaling';
import type { IJob, IJobPhase } from '../api/client';
import type { IAtelierClient } from '../tokens';

const FINISHED = new Set<IJobPhase>(['Completed', 'Failed', 'Stopped']);

export function isFinished(job: IJob): boolean {
  return FINISHED.has(job.status.phase);
}

export type JobSort = 'created' | 'name' | 'phase' | 'duration';

/**
 * The service's training jobs, polled every second while one is unfinished and every 10 s
 * otherwise. `finished` fires once per job seen going from unfinished to finished.
 */
export class JobsModel implements IDisposable {
  constructor(private readonly _client: IAtelierClient) {
    this._poll = new Poll({
      auto: false,
      factory: () => this.refresh(),
      frequency: { interval: 10000, backoff: true, max: 30000 },
      name: 'jupyterlab-atelier:jobs',
      standby: 'when-hidden'
    });
  }

  get client(): IAtelierClient {
    return this._client;
  }

  get jobs(): IJob[] {
    return this._jobs;
  }

  /** The jobs as the list shows them: filtered by name, flavor or phase, then sorted. */
  get visible(): IJob[] {
    const filter = this.filter.trim().toLowerCase();
    const shown = filter
      ? this._jobs.filter(j => [j.metadata.name, j.status.phase, j.flavor.name, j.flavor.id, j.id].some(v => v.toLowerCase().includes(filter)))
      : [...this._jobs];
    const key = this.sort;
    shown.sort((a, b) => {
      switch (key) {
        case 'name':
          return a.metadata.name.localeCompare(b.metadata.name);
        case 'phase':
          return a.status.phase.localeCompare(b.status.phase) || b.metadata.createdAt.localeCompare(a.metadata.createdAt);
        case 'duration':
          return b.status.duration - a.status.duration;
        default:
          return b.metadata.createdAt.localeCompare(a.metadata.createdAt);
      }
    });
    return shown;
  }

  filter = '';
  sort: JobSort = 'created';

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get finished(): ISignal<this, IJob> {
    return this._finished;
  }

  get isDisposed(): boolean {
    return this._poll.isDisposed;
  }

  start(): Promise<void> {
    return this._poll.start();
  }

  find(id: string): IJob | undefined {
    return this._jobs.find(j => j.id === id);
  }

  setView(options: { filter?: string; sort?: JobSort }): void {
    this.filter = options.filter ?? this.filter;
    this.sort = options.sort ?? this.sort;
    this._changed.emit();
  }

  async create(request: Parameters<IAtelierClient['createJob']>[0]): Promise<IJob> {
    const job = await this._client.createJob(request);
    this._merge([job, ...this._jobs.filter(j => j.id !== job.id)]);
    void this._poll.refresh();
    return job;
  }

  async stop(id: string): Promise<void> {
    await this._client.stopJob(id);
    await this.refresh();
  }

  async remove(id: string): Promise<void> {
    await this._client.removeJob(id);
    await this.refresh();
  }

  async refresh(): Promise<void> {
    this._merge(await this._client.jobs());
  }

  dispose(): void {
    this._poll.dispose();
    Signal.clearData(this);
  }

  private _merge(next: IJob[]): void {
    for (const job of next) {
      const before = this._phases.get(job.id);
      if (before !== undefined && !FINISHED.has(before) && isFinished(job)) {
        this._finished.emit(job);
      }
      this._phases.set(job.id, job.status.phase);
    }
    this._jobs = next;
    const interval = next.some(j => !isFinished(j)) ? 1000 : 10000;
    if (this._poll.frequency.interval !== interval) {
      this._poll.frequency = { interval, backoff: true, max: Math.max(interval, 30000) };
    }
    this._changed.emit();
  }

  private _poll: Poll;
  private _jobs: IJob[] = [];
  private _phases = new Map<string, IJobPhase>();
  private _changed = new Signal<this, void>(this);
  private _finished = new Signal<this, IJob>(this);
}

/** "1 h 02 min", "3 min 05 s", "12 s". */
export function formatDuration(seconds: number): string {
  const s = Math.floor(seconds);
  if (s < 60) {
    return `${s} s`;
  }
  if (s < 3600) {
    return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  }
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}
