/**
 * A typed client of the Atelier API for the tests and benchmarks: the request and answer
 * bodies are the contract's types (@atelier/api), so a test that sends or reads a field the
 * API does not have fails to compile. Raw answers stay reachable (`call`) for the tests that
 * check statuses and error bodies.
 */
import * as http from 'http';
import type {
  ICreateJob,
  ICreateTransfer,
  IJob,
  IJobList,
  IJobListQuery,
  IListing,
  IObjectInfo,
  ITransfer,
  IUpload
} from '@atelier/api';
import { IResponse, request } from './http';

/** Where the API is and how to authenticate: `{url, token}` of a gateway, or a sidecar's `api`. */
export type IApiTarget = { url: string; token: string } | { api: string };

export interface ICallResult<T> extends IResponse {
  /** The body as JSON (null when empty). */
  data: T;
}

const query = (o: Record<string, string | number | boolean | undefined>) =>
  Object.entries(o)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`)
    .join('&');

export class ApiClient {
  /** `api` ends with `atelier/api/v1/`. */
  constructor(target: IApiTarget) {
    if ('api' in target) {
      this.api = target.api;
      this.headers = {};
    } else {
      this.api = `${target.url}atelier/api/v1/`;
      this.headers = { Authorization: `token ${target.token}` };
    }
  }

  readonly api: string;
  readonly headers: Record<string, string>;
  readonly storage = new StorageApi(this);
  readonly transfers = new TransfersApi(this);
  readonly uploads = new UploadsApi(this);
  readonly jobs = new JobsApi(this);

  /** One request; a JSON body for anything but a Buffer, which goes as octets. */
  async call<T = any>(method: string, path: string, body?: unknown): Promise<ICallResult<T>> {
    const raw = Buffer.isBuffer(body);
    const res = await request(`${this.api}${path}`, {
      method,
      headers: {
        ...this.headers,
        ...(body === undefined
          ? {}
          : raw
            ? { 'Content-Type': 'application/octet-stream', 'Content-Length': body.length }
            : { 'Content-Type': 'application/json' })
      },
      body: body === undefined ? undefined : raw ? body : JSON.stringify(body)
    });
    let data: any = null;
    try {
      data = res.body ? JSON.parse(res.body) : null;
    } catch {
      data = null;
    }
    return { ...res, data };
  }

  /** Like `call`, but throws unless the status is `expected`; resolves to the body. */
  async ok<T = any>(method: string, path: string, body?: unknown, expected = [200, 201, 204]): Promise<T> {
    const res = await this.call<T>(method, path, body);
    if (!expected.includes(res.status)) {
      throw new Error(`${method} ${path} answered ${res.status}: ${res.body.slice(0, 500)}`);
    }
    return res.data;
  }

  /** A GET of raw bytes (objects, files). */
  bytes(path: string): Promise<{ status: number; body: Buffer }> {
    return new Promise((resolve, reject) => {
      http
        .get(`${this.api}${path}`, { headers: this.headers }, res => {
          const chunks: Buffer[] = [];
          res.on('data', c => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
        })
        .on('error', reject);
    });
  }

  /**
   * Reads an event stream until `done` says so for an event, or `timeoutMs` passes. Sent with
   * `Accept: text/event-stream`, as EventSource does (jupyter-server-proxy streams only then).
   */
  events(
    path: string,
    done: (event: string, data: any) => boolean,
    timeoutMs = 60000
  ): Promise<{ event: string; data: any }[]> {
    return new Promise((resolve, reject) => {
      const seen: { event: string; data: any }[] = [];
      let buffer = '';
      const finish = (error?: Error) => {
        clearTimeout(timer);
        req.destroy();
        if (error) {
          reject(error);
        } else {
          resolve(seen);
        }
      };
      const req = http.get(`${this.api}${path}`, { headers: { ...this.headers, Accept: 'text/event-stream' } }, res => {
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buffer += chunk;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const event = /^event: (.*)$/m.exec(block)?.[1];
            const data = /^data: (.*)$/m.exec(block)?.[1];
            if (event && data !== undefined) {
              seen.push({ event, data: JSON.parse(data) });
              if (done(event, seen[seen.length - 1].data)) {
                finish();
                return;
              }
            }
          }
        });
        res.on('end', () => finish());
      });
      req.on('error', e => (e.message === 'socket hang up' ? undefined : reject(e)));
      const timer = setTimeout(() => finish(new Error(`${path} timed out after ${seen.length} event(s)`)), timeoutMs);
    });
  }
}

class StorageApi {
  constructor(private readonly _client: ApiClient) {}

  private _bucket(endpoint: string, bucket: string): string {
    return `storage/endpoints/${encodeURIComponent(endpoint)}/buckets/${encodeURIComponent(bucket)}`;
  }

  /** Uploads `body` as `key` (a browser's PUT); the raw answer. */
  put(endpoint: string, bucket: string, key: string, body: Buffer | string, overwrite?: boolean) {
    return this._client.call<IObjectInfo>(
      'PUT',
      `${this._bucket(endpoint, bucket)}/object?${query({ key, overwrite })}`,
      Buffer.from(body)
    );
  }

  /** The object's bytes; throws unless 200. */
  async get(endpoint: string, bucket: string, key: string): Promise<Buffer> {
    const res = await this._client.bytes(`${this._bucket(endpoint, bucket)}/object?${query({ key })}`);
    if (res.status !== 200) {
      throw new Error(`${res.status} ${res.body}`);
    }
    return res.body;
  }

  /** One page of a listing; the raw answer. */
  list(
    endpoint: string,
    bucket: string,
    options: { prefix?: string; delimiter?: string; limit?: number; pageToken?: string } = {}
  ) {
    return this._client.call<IListing>('GET', `${this._bucket(endpoint, bucket)}/objects?${query(options)}`);
  }

  /** Every page of a listing; throws on an answer other than 200. */
  async pages(endpoint: string, bucket: string, prefix: string, delimiter = '', limit = 1000): Promise<IListing[]> {
    const pages: IListing[] = [];
    let pageToken: string | undefined;
    do {
      const res = await this.list(endpoint, bucket, { prefix, delimiter, limit, pageToken });
      if (res.status !== 200) {
        throw new Error(`listing answered ${res.status}: ${res.body}`);
      }
      pages.push(res.data);
      pageToken = res.data.nextToken;
    } while (pageToken);
    return pages;
  }
}

class TransfersApi {
  constructor(private readonly _client: ApiClient) {}

  /** Starts a transfer; the raw answer (201 with the transfer, or an error). */
  create(body: ICreateTransfer) {
    return this._client.call<ITransfer>('POST', 'transfers', body);
  }

  get(id: string): Promise<ITransfer> {
    return this._client.ok<ITransfer>('GET', `transfers/${id}`);
  }

  /** Waits until the transfer is in one of `states` (default: a final one). */
  async waitFor(
    id: string,
    states: ITransfer['state'][] = ['completed', 'failed', 'stopped'],
    timeoutMs = 60000
  ): Promise<ITransfer> {
    const deadline = Date.now() + timeoutMs;
    let transfer: ITransfer | undefined;
    while (Date.now() < deadline) {
      transfer = await this.get(id);
      if (states.includes(transfer.state)) {
        return transfer;
      }
      await new Promise(resolve => setTimeout(resolve, 50));
    }
    throw new Error(`transfer ${id} stayed ${transfer?.state}, waiting for ${states.join('/')}`);
  }
}

class UploadsApi {
  constructor(private readonly _client: ApiClient) {}

  /** One part of a resumable upload; the raw answer. */
  putPart(id: string, part: number, body: Buffer) {
    return this._client.call<IUpload>('PUT', `storage/uploads/${id}/parts/${part}`, body);
  }
}

class JobsApi {
  constructor(private readonly _client: ApiClient) {}

  /** Any request of the API (the jobs tests check neighbouring routes too). */
  call<T = any>(method: string, path: string, body?: unknown): Promise<ICallResult<T>> {
    return this._client.call<T>(method, path, body);
  }

  /** Submits a job; throws unless 201. */
  submit(body: ICreateJob | Record<string, unknown>): Promise<IJob> {
    return this._client.ok<IJob>('POST', 'jobs', body, [201]);
  }

  async get(id: string): Promise<IJob> {
    return (await this._client.call<IJob>('GET', `jobs/${id}`)).data;
  }

  /** One page of the list; throws unless 200. */
  page(query: Partial<IJobListQuery> = {}): Promise<IJobList> {
    const params = new URLSearchParams(
      Object.entries(query)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]): [string, string] => [k, String(v)])
    );
    return this._client.ok<IJobList>('GET', `jobs?${params}`, undefined, [200]);
  }

  /** Every page of the list, following `next`; the ids in order. */
  async all(query: Partial<IJobListQuery> = {}): Promise<{ ids: string[]; pages: number; totals: number[] }> {
    const ids: string[] = [];
    const totals: number[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await this.page({ ...query, ...(cursor ? { cursor } : {}) });
      ids.push(...page.jobs.map(j => j.id));
      totals.push(page.total);
      cursor = page.next;
      pages += 1;
    } while (cursor);
    return { ids, pages, totals };
  }

  /** Waits until the job reaches one of `phases` (default: a final one). */
  async waitFor(id: string, phases = ['Completed', 'Failed', 'Stopped'], timeoutMs = 90000): Promise<IJob> {
    const deadline = Date.now() + timeoutMs;
    let job: IJob | undefined;
    while (Date.now() < deadline) {
      job = await this.get(id);
      if (phases.includes(job.status.phase)) {
        return job;
      }
      await new Promise(resolve => setTimeout(resolve, 100));
    }
    throw new Error(
      `job ${id} stayed ${job?.status?.phase} (${job?.status?.message ?? ''}), waiting for ${phases.join('/')}`
    );
  }

  async log(id: string): Promise<string> {
    return (await this._client.call('GET', `jobs/${id}/logs`)).data.text;
  }

  /** Reads the log stream until `until` matches the text so far, or the stream ends. */
  async streamLog(
    id: string,
    until: (text: string) => boolean,
    timeoutMs = 60000
  ): Promise<{ text: string; events: number; ended: boolean }> {
    let text = '';
    let events = 0;
    let ended = false;
    await this._client.events(
      `jobs/${id}/logs/stream`,
      (event, data) => {
        if (event === 'log') {
          events += 1;
          text += data.text;
          return until(text);
        }
        ended = event === 'end';
        return ended;
      },
      timeoutMs
    );
    return { text, events, ended };
  }
}
