import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';
import type { IBucket, ICountResult, IEndpoint, IListing, IObjectInfo, IUpload } from '@atelier/api';
import { ClientConstructor, JSON_HEADERS, query } from './base';
import { API_PATH, AtelierError, requestAPI, sendBlob } from './request';

function bucketPath(endpoint: string, bucket: string, rest: string): string {
  return `storage/endpoints/${encodeURIComponent(endpoint)}/buckets/${encodeURIComponent(bucket)}/${rest}`;
}

/** Object storage: endpoints, buckets, objects and folders, uploads from the computer. */
export function StorageAPI<TBase extends ClientConstructor>(Base: TBase) {
  return class extends Base {
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

    /**
     * Whether an object exists. Asked as a listing of the key as a prefix (the key itself sorts
     * first among the keys it begins), which answers 200 either way, so that a missing object,
     * the usual case before an upload, logs no failed request in the browser's console.
     */
    async exists(endpoint: string, bucket: string, key: string): Promise<boolean> {
      const page = await this.list(endpoint, bucket, { prefix: key, limit: 1 });
      return page.objects.some(object => object.key === key);
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

    count(endpoint: string, bucket: string, prefix: string): Promise<ICountResult> {
      return requestAPI(bucketPath(endpoint, bucket, `count${query({ prefix })}`), {}, this.serverSettings);
    }

    /** Deletes one object (`key`) or a folder and everything in it (`prefix`). */
    delete(
      endpoint: string,
      bucket: string,
      target: { key: string } | { prefix: string }
    ): Promise<{ deleted: number }> {
      return requestAPI(
        bucketPath(endpoint, bucket, `objects${query(target)}`),
        { method: 'DELETE' },
        this.serverSettings
      );
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
      return sendBlob<IObjectInfo>(url, file, this.serverSettings, options.onProgress, options.signal);
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
              await sendBlob(
                `${base}/${n}`,
                blob,
                this.serverSettings,
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
  };
}
