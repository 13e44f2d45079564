import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';
import type {
  IBucket,
  ICreateJob,
  ICreateTransfer,
  IEndpoint,
  IFlavorList,
  IFlavorSwitch,
  IJob,
  IJobFlavors,
  IJupyterInfo,
  IListing,
  ILogChunk,
  IObjectInfo,
  IStatus,
  ITransfer,
  IUpload,
  IUsage
} from '@atelier/api';
import type { IAtelierClient } from '../tokens';
import { API_PATH, AtelierError, requestAPI, streamAPI } from './request';

export type {
  IBucket,
  ICreateJob,
  ICreateTransfer,
  IEndpoint,
  IFlavor,
  IFlavorList,
  IFlavorSwitch,
  IJob,
  IJobData,
  IJobFlavors,
  IJobPhase,
  IJupyterInfo,
  IListing,
  ILogChunk,
  IObjectInfo,
  IStatus,
  ITransfer,
  IUsage
} from '@atelier/api';

/** Query string of defined values. */
function query(params: Record<string, string | number | boolean | undefined>): string {
  const entries = Object.entries(params).filter(([, v]) => v !== undefined && v !== '');
  return entries.length ? `?${entries.map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`).join('&')}` : '';
}

function bucketPath(endpoint: string, bucket: string, rest: string): string {
  return `storage/endpoints/${encodeURIComponent(endpoint)}/buckets/${encodeURIComponent(bucket)}/${rest}`;
}

const JSON_HEADERS = { 'Content-Type': 'application/json' };

/** The typed client of the Atelier service: one method per endpoint. */
export class AtelierClient implements IAtelierClient {
  constructor(options: AtelierClient.IOptions = {}) {
    this.serverSettings = options.serverSettings ?? ServerConnection.makeSettings();
  }

  readonly serverSettings: ServerConnection.ISettings;

  status(): Promise<IStatus> {
    return requestAPI<IStatus>('status', {}, this.serverSettings);
  }

  flavors(): Promise<IFlavorList> {
    return requestAPI<IFlavorList>('flavors', {}, this.serverSettings);
  }

  /** Starts switching the notebook server to another flavor (202); follow it with `flavorSwitch`. */
  switchFlavor(flavorId: string): Promise<IFlavorSwitch> {
    return requestAPI<IFlavorSwitch>(
      'flavors/switch',
      { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify({ flavorId }) },
      this.serverSettings
    );
  }

  flavorSwitch(): Promise<IFlavorSwitch> {
    return requestAPI<IFlavorSwitch>('flavors/switch', {}, this.serverSettings);
  }

  usage(): Promise<IUsage> {
    return requestAPI<IUsage>('flavors/usage', {}, this.serverSettings);
  }

  jupyter(): Promise<IJupyterInfo> {
    return requestAPI<IJupyterInfo>('jupyter', {}, this.serverSettings);
  }

  restartJupyter(): Promise<IJupyterInfo> {
    return requestAPI<IJupyterInfo>('jupyter/restart', { method: 'POST' }, this.serverSettings);
  }

  async endpoints(): Promise<IEndpoint[]> {
    return (await requestAPI<{ endpoints: IEndpoint[] }>('storage/endpoints', {}, this.serverSettings)).endpoints;
  }

  async buckets(endpoint: string): Promise<IBucket[]> {
    const path = `storage/endpoints/${encodeURIComponent(endpoint)}/buckets`;
    return (await requestAPI<{ buckets: IBucket[] }>(path, {}, this.serverSettings)).buckets;
  }

  async createBucket(endpoint: string, name: string): Promise<void> {
    const path = `storage/endpoints/${encodeURIComponent(endpoint)}/buckets`;
    await requestAPI(
      path,
      { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify({ name }) },
      this.serverSettings
    );
  }

  list(
    endpoint: string,
    bucket: string,
    options: { prefix?: string; token?: string; limit?: number; delimiter?: '/' | '' } = {}
  ): Promise<IListing> {
    const { token, ...rest } = options;
    const q = query({ ...rest, pageToken: token, delimiter: options.delimiter ?? '/' });
    return requestAPI<IListing>(bucketPath(endpoint, bucket, `objects${q}`), {}, this.serverSettings);
  }

  stat(endpoint: string, bucket: string, key: string): Promise<IObjectInfo> {
    return requestAPI<IObjectInfo>(bucketPath(endpoint, bucket, `stat${query({ key })}`), {}, this.serverSettings);
  }

  /** Whether an object exists (false on 404). */
  async exists(endpoint: string, bucket: string, key: string): Promise<boolean> {
    try {
      await this.stat(endpoint, bucket, key);
      return true;
    } catch (e) {
      if (e instanceof AtelierError && e.status === 404) {
        return false;
      }
      throw e;
    }
  }

  /** The URL that downloads an object as a file (authenticated by the login cookie, or the token). */
  downloadUrl(endpoint: string, bucket: string, key: string): string {
    const token = this.serverSettings.token;
    const url = URLExt.join(this.serverSettings.baseUrl, API_PATH, bucketPath(endpoint, bucket, 'object'));
    return `${url}${query({ key, download: true, token: token || undefined })}`;
  }

  /** An object's content for a preview (refused above the service's size limit). */
  async preview(endpoint: string, bucket: string, key: string): Promise<Blob> {
    const url =
      URLExt.join(this.serverSettings.baseUrl, API_PATH, bucketPath(endpoint, bucket, 'object')) +
      query({ key, preview: true });
    let response: Response;
    try {
      response = await ServerConnection.makeRequest(url, {}, this.serverSettings);
    } catch (e) {
      throw new AtelierError(0, 'network', `Cannot reach the Atelier service: ${(e as Error).message}`);
    }
    if (!response.ok) {
      const body = await response.json().catch(() => ({}));
      throw new AtelierError(response.status, body.code ?? 'unexpected', body.message ?? response.statusText);
    }
    return response.blob();
  }

  /**
   * Uploads a file from the computer into `key`, streamed through the service; progress in
   * bytes. Rejects with 409 `exists` when `overwrite` is false and the key is taken.
   */
  upload(
    endpoint: string,
    bucket: string,
    key: string,
    file: Blob,
    options: { overwrite?: boolean; onProgress?: (loaded: number) => void; signal?: AbortSignal } = {}
  ): Promise<IObjectInfo> {
    const url =
      URLExt.join(this.serverSettings.baseUrl, API_PATH, bucketPath(endpoint, bucket, 'object')) +
      query({ key, overwrite: options.overwrite ?? false });
    return this._put<IObjectInfo>(url, file, options.onProgress, options.signal);
  }

  /**
   * Uploads a large file in parts through a resumable session. The session is remembered in
   * this browser: choosing the same file again (same target, size and date) after a network
   * failure, a reload or a restart of the service sends only the parts still missing.
   */
  async uploadResumable(
    endpoint: string,
    bucket: string,
    key: string,
    file: File,
    options: {
      overwrite?: boolean;
      onProgress?: (loaded: number) => void;
      signal?: AbortSignal;
      concurrency?: number;
    } = {}
  ): Promise<IObjectInfo> {
    const memory = `jupyterlab-atelier:upload:${endpoint}/${bucket}/${key}:${file.size}:${file.lastModified}`;
    let upload: IUpload | null = null;
    const remembered = window.localStorage.getItem(memory);
    if (remembered) {
      upload = await requestAPI<IUpload>(
        `storage/uploads/${encodeURIComponent(remembered)}`,
        {},
        this.serverSettings
      ).catch(() => null);
    }
    if (!upload) {
      upload = await requestAPI<IUpload>(
        'storage/uploads',
        {
          method: 'POST',
          headers: JSON_HEADERS,
          body: JSON.stringify({ endpoint, bucket, key, size: file.size, overwrite: options.overwrite ?? false })
        },
        this.serverSettings
      );
      window.localStorage.setItem(memory, upload.id);
    }
    const session = upload;
    const partBytes = (n: number) => Math.min(session.partSize, file.size - (n - 1) * session.partSize);
    const done = new Set(session.partsDone);
    let confirmed = [...done].reduce((sum, n) => sum + partBytes(n), 0);
    const inFlight = new Map<number, number>();
    const report = () => options.onProgress?.(confirmed + [...inFlight.values()].reduce((a, b) => a + b, 0));
    report();
    const todo = Array.from({ length: session.partCount }, (_, i) => i + 1).filter(n => !done.has(n));
    const base = URLExt.join(
      this.serverSettings.baseUrl,
      API_PATH,
      'storage/uploads',
      encodeURIComponent(session.id),
      'parts'
    );
    const worker = async () => {
      while (todo.length) {
        const n = todo.shift()!;
        const blob = file.slice((n - 1) * session.partSize, (n - 1) * session.partSize + partBytes(n));
        for (let attempt = 1; ; attempt++) {
          try {
            await this._put(
              `${base}/${n}`,
              blob,
              loaded => {
                inFlight.set(n, loaded);
                report();
              },
              options.signal
            );
            break;
          } catch (e) {
            inFlight.delete(n);
            const retriable =
              e instanceof AtelierError && (e.status === 0 || e.status >= 500) && e.code !== 'cancelled';
            if (!retriable || attempt === 3 || options.signal?.aborted) {
              throw e;
            }
            await new Promise(resolve => setTimeout(resolve, 1000 * attempt));
          }
        }
        inFlight.delete(n);
        confirmed += partBytes(n);
        report();
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 3, Math.max(1, todo.length)) }, worker));
    } catch (e) {
      if (options.signal?.aborted) {
        // Cancelled on purpose: drop the session, nothing stays behind.
        window.localStorage.removeItem(memory);
        await requestAPI(
          `storage/uploads/${encodeURIComponent(session.id)}`,
          { method: 'DELETE' },
          this.serverSettings
        ).catch(() => undefined);
      }
      throw e;
    }
    const info = await requestAPI<IObjectInfo>(
      `storage/uploads/${encodeURIComponent(session.id)}/complete`,
      { method: 'POST' },
      this.serverSettings
    );
    window.localStorage.removeItem(memory);
    return info;
  }

  /** PUT with upload progress (XMLHttpRequest: fetch reports none), Jupyter's credentials, one error type. */
  private _put<T>(url: string, body: Blob, onProgress?: (loaded: number) => void, signal?: AbortSignal): Promise<T> {
    const settings = this.serverSettings;
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(new AtelierError(0, 'cancelled', 'The upload was cancelled.'));
        return;
      }
      const xhr = new XMLHttpRequest();
      xhr.open('PUT', url);
      if (settings.token) {
        xhr.setRequestHeader('Authorization', `token ${settings.token}`);
      }
      const xsrf = document.cookie.match('\\b_xsrf=([^;]*)\\b');
      if (xsrf) {
        xhr.setRequestHeader('X-XSRFToken', xsrf[1]);
      }
      xhr.setRequestHeader('Content-Type', 'application/octet-stream');
      xhr.upload.onprogress = event => onProgress?.(event.loaded);
      xhr.onload = () => {
        let answer: any = {};
        try {
          answer = JSON.parse(xhr.responseText);
        } catch {
          answer = {};
        }
        if (xhr.status >= 200 && xhr.status < 300) {
          resolve(answer as T);
        } else {
          reject(
            new AtelierError(
              xhr.status,
              answer.code ?? 'unexpected',
              answer.message ?? `The upload failed (${xhr.status}).`
            )
          );
        }
      };
      xhr.onerror = () =>
        reject(new AtelierError(0, 'network', 'The upload was interrupted: the connection to the service broke.'));
      xhr.onabort = () => reject(new AtelierError(0, 'cancelled', 'The upload was cancelled.'));
      signal?.addEventListener('abort', () => xhr.abort(), { once: true });
      xhr.send(body);
    });
  }

  async createFolder(endpoint: string, bucket: string, key: string): Promise<void> {
    await requestAPI(
      bucketPath(endpoint, bucket, 'folders'),
      { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify({ key }) },
      this.serverSettings
    );
  }

  copy(
    endpoint: string,
    bucket: string,
    body: { from: string; to: string; toBucket?: string; move?: boolean; overwrite?: boolean }
  ): Promise<{ copied: number; moved: boolean }> {
    return requestAPI(
      bucketPath(endpoint, bucket, 'copy'),
      { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify(body) },
      this.serverSettings
    );
  }

  count(endpoint: string, bucket: string, prefix: string): Promise<{ objects: number; bytes: number }> {
    return requestAPI(bucketPath(endpoint, bucket, `count${query({ prefix })}`), {}, this.serverSettings);
  }

  /** Deletes one object (`key`) or a folder and everything in it (`prefix`). */
  delete(endpoint: string, bucket: string, target: { key: string } | { prefix: string }): Promise<{ deleted: number }> {
    return requestAPI(
      bucketPath(endpoint, bucket, `objects${query(target)}`),
      { method: 'DELETE' },
      this.serverSettings
    );
  }

  async transfers(): Promise<ITransfer[]> {
    return (await requestAPI<{ transfers: ITransfer[] }>('transfers', {}, this.serverSettings)).transfers;
  }

  /** Follows every change of a transfer (`transfer` events) until `signal` aborts. */
  transferEvents(onTransfer: (transfer: ITransfer) => void, signal: AbortSignal, onOpen?: () => void): Promise<void> {
    return streamAPI(
      'transfers/events',
      (event, data) => event === 'transfer' && onTransfer(data as ITransfer),
      signal,
      this.serverSettings,
      onOpen
    );
  }

  createTransfer(request: ICreateTransfer): Promise<ITransfer> {
    return requestAPI<ITransfer>(
      'transfers',
      { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify(request) },
      this.serverSettings
    );
  }

  cancelTransfer(id: string): Promise<ITransfer> {
    return requestAPI<ITransfer>(`transfers/${encodeURIComponent(id)}/cancel`, { method: 'POST' }, this.serverSettings);
  }

  async removeTransfer(id: string): Promise<void> {
    await requestAPI(`transfers/${encodeURIComponent(id)}`, { method: 'DELETE' }, this.serverSettings);
  }

  jobFlavors(): Promise<IJobFlavors> {
    return requestAPI<IJobFlavors>('jobs/flavors', {}, this.serverSettings);
  }

  async jobs(): Promise<IJob[]> {
    return (await requestAPI<{ jobs: IJob[] }>('jobs', {}, this.serverSettings)).jobs;
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
}

export namespace AtelierClient {
  export interface IOptions {
    serverSettings?: ServerConnection.ISettings;
  }
}
