import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';
import type { ICreateJob, IJob, IJobFlavors, IJobList, IJobListQuery, IJobMetrics, ILogChunk } from '@atelier/api';
import { ClientConstructor, JSON_HEADERS, query } from './base';
import { API_PATH, AtelierError, requestAPI, streamAPI } from './request';

/** Training jobs: their flavors, the jobs, their logs and files. */
export function JobsAPI<TBase extends ClientConstructor>(Base: TBase) {
  return class extends Base {
    jobFlavors(): Promise<IJobFlavors> {
      return requestAPI<IJobFlavors>('jobs/flavors', {}, this.serverSettings);
    }

    async jobs(): Promise<IJob[]> {
      return (await this.jobPage()).jobs;
    }

    jobPage(options: Partial<IJobListQuery> = {}): Promise<IJobList> {
      const { limit, cursor, sort, q, phase, name, executor, since, until } = options;
      return requestAPI<IJobList>(
        `jobs${query({ limit, cursor, sort, q, phase, name, executor, since, until })}`,
        {},
        this.serverSettings
      );
    }

    /** Follows every change of a job (`job`) and every deletion (`removed`) until `signal` aborts. */
    jobEvents(
      onJob: (job: IJob) => void,
      onRemoved: (id: string) => void,
      signal: AbortSignal,
      onOpen?: () => void
    ): Promise<void> {
      return streamAPI(
        'jobs/events',
        (event, data) => {
          if (event === 'job') {
            onJob(data as IJob);
          } else if (event === 'removed') {
            onRemoved((data as { id: string }).id);
          }
        },
        signal,
        this.serverSettings,
        onOpen
      );
    }

    /** Follows a job's log from `offset` as it grows (`log` chunks) until the job ends or `signal` aborts. */
    jobLogEvents(
      id: string,
      offset: number,
      onLog: (chunk: { text: string; offset: number; nextOffset: number }) => void,
      signal: AbortSignal
    ): Promise<void> {
      return streamAPI(
        `jobs/${encodeURIComponent(id)}/logs/stream${query({ offset })}`,
        (event, data) => event === 'log' && onLog(data as { text: string; offset: number; nextOffset: number }),
        signal,
        this.serverSettings
      );
    }

    job(id: string): Promise<IJob> {
      return requestAPI<IJob>(`jobs/${encodeURIComponent(id)}`, {}, this.serverSettings);
    }

    createJob(request: ICreateJob): Promise<IJob> {
      return requestAPI<IJob>(
        'jobs',
        { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify(request) },
        this.serverSettings
      );
    }

    stopJob(id: string): Promise<IJob> {
      return requestAPI<IJob>(`jobs/${encodeURIComponent(id)}/stop`, { method: 'POST' }, this.serverSettings);
    }

    async removeJob(id: string): Promise<void> {
      await requestAPI(`jobs/${encodeURIComponent(id)}`, { method: 'DELETE' }, this.serverSettings);
    }

    jobLog(id: string, offset = 0): Promise<ILogChunk> {
      return requestAPI<ILogChunk>(`jobs/${encodeURIComponent(id)}/logs${query({ offset })}`, {}, this.serverSettings);
    }

    /** The metrics a job has reported so far: a series of (step, value) per metric. */
    jobMetrics(id: string): Promise<IJobMetrics> {
      return requestAPI<IJobMetrics>(`jobs/${encodeURIComponent(id)}/metrics`, {}, this.serverSettings);
    }

    /** Hears a job's metrics at once and whenever they change, until the job has finished and all was read, or `signal` aborts; resolves true when the stream said it was the end. */
    async jobMetricsEvents(
      id: string,
      onMetrics: (metrics: IJobMetrics) => void,
      signal: AbortSignal
    ): Promise<boolean> {
      let ended = false;
      await streamAPI(
        `jobs/${encodeURIComponent(id)}/metrics/stream`,
        (event, data) => {
          if (event === 'metrics') {
            onMetrics(data as IJobMetrics);
          } else if (event === 'end') {
            ended = true;
          }
        },
        signal,
        this.serverSettings
      );
      return ended;
    }

    /** The URL that downloads a job's whole log as a file. */
    jobLogUrl(id: string): string {
      const token = this.serverSettings.token;
      const url = URLExt.join(this.serverSettings.baseUrl, API_PATH, `jobs/${encodeURIComponent(id)}/logs`);
      return `${url}${query({ download: true, token: token || undefined })}`;
    }

    /** A file the job shares from its folder (`output.ipynb`, `outputs/...`), as text. */
    async jobFile(id: string, rel: string): Promise<string> {
      const url = URLExt.join(
        this.serverSettings.baseUrl,
        API_PATH,
        `jobs/${encodeURIComponent(id)}/files`,
        rel.split('/').map(encodeURIComponent).join('/')
      );
      const response = await ServerConnection.makeRequest(url, {}, this.serverSettings);
      if (!response.ok) {
        const body = await response.json().catch(() => ({}));
        throw new AtelierError(
          response.status,
          body.code ?? 'unexpected',
          body.message ?? `The job file "${rel}" could not be read (${response.status}).`
        );
      }
      return response.text();
    }
  };
}
