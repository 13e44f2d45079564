import type { IJob, IJobPhase } from '../api/client';
import { PolledList } from '../core/polled';
import type { IAtelierClient } from '../tokens';

const FINISHED = new Set<IJobPhase>(['Completed', 'Failed', 'Stopped']);

export function isFinished(job: IJob): boolean {
  return FINISHED.has(job.status.phase);
}

export type JobSort = 'created' | 'name' | 'phase' | 'duration';

/** The service's training jobs, followed closely while one has not finished. */
export class JobsModel extends PolledList<IJob> {
  constructor(private readonly _client: IAtelierClient) {
    super('jupyterlab-atelier:jobs', 'when-hidden');
  }

  get client(): IAtelierClient {
    return this._client;
  }

  get jobs(): IJob[] {
    return this.items;
  }

  /** The jobs as the list shows them: filtered by name, flavor or phase, then sorted. */
  get visible(): IJob[] {
    const filter = this.filter.trim().toLowerCase();
    const shown = filter
      ? this.items.filter(j =>
          [j.metadata.name, j.status.phase, j.flavor.name, j.flavor.id, j.id].some(v =>
            v.toLowerCase().includes(filter)
          )
        )
      : [...this.items];
    const key = this.sort;
    shown.sort((a, b) => {
      switch (key) {
        case 'name':
          return a.metadata.name.localeCompare(b.metadata.name);
        case 'phase':
          return (
            a.status.phase.localeCompare(b.status.phase) || b.metadata.createdAt.localeCompare(a.metadata.createdAt)
          );
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

  setView(options: { filter?: string; sort?: JobSort }): void {
    this.filter = options.filter ?? this.filter;
    this.sort = options.sort ?? this.sort;
    this.emitChanged();
  }

  async create(request: Parameters<IAtelierClient['createJob']>[0]): Promise<IJob> {
    const job = await this._client.createJob(request);
    this.added(job);
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

  protected openEvents(
    signal: AbortSignal,
    onItem: (job: IJob) => void,
    onRemoved: (id: string) => void,
    opened: () => void
  ): Promise<void> {
    return this._client.jobEvents(onItem, onRemoved, signal, opened);
  }

  protected fetch(): Promise<IJob[]> {
    return this._client.jobs();
  }

  protected isActive(job: IJob): boolean {
    return !isFinished(job);
  }
}
