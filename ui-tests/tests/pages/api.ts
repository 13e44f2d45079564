/*
 * Set-up and checks of the browser tests through Atelier's and Jupyter's APIs: buckets, objects, workspace files.
 */
import { expect } from '@jupyterlab/galata';
import type { APIRequestContext, APIResponse } from '@playwright/test';
import { ATELIER_API, contentsPath } from './common';

// ---------------------------------------------------------------------------------------------
// Set-up and checks through the APIs
// ---------------------------------------------------------------------------------------------

/** Object storage through Atelier's API: buckets and objects of one endpoint. */
export class StorageApi {
  constructor(
    readonly request: APIRequestContext,
    readonly endpoint = 'local',
    readonly base = ''
  ) {}

  /** The URL of the endpoint's buckets, or of `bucket`. */
  url(bucket?: string): string {
    const buckets = `${this.base}${ATELIER_API}/storage/endpoints/${this.endpoint}/buckets`;
    return bucket === undefined ? buckets : `${buckets}/${bucket}`;
  }

  /** Creates `bucket` (201). */
  async createBucket(bucket: string): Promise<void> {
    expect((await this.request.post(this.url(), { data: { name: bucket } })).status()).toBe(201);
  }

  /** Puts `data` under `key` (201), with a Content-Type when one is given. */
  async putObject(bucket: string, key: string, data: string | Buffer, contentType?: string): Promise<void> {
    const res = await this.request.put(`${this.url(bucket)}/object?key=${encodeURIComponent(key)}`, {
      data,
      headers: contentType ? { 'Content-Type': contentType } : undefined
    });
    expect(res.status()).toBe(201);
  }

  /** Creates the empty folder `key` (ending with `/`) in `bucket` (201). */
  async createFolder(bucket: string, key: string): Promise<void> {
    expect((await this.request.post(`${this.url(bucket)}/folders`, { data: { key } })).status()).toBe(201);
  }

  /** The object's answer: read `.text()` or `.body()`. */
  object(bucket: string, key: string): Promise<APIResponse> {
    return this.request.get(`${this.url(bucket)}/object?key=${encodeURIComponent(key)}`);
  }

  /** The object's metadata answer (404 while there is none). */
  stat(bucket: string, key: string): Promise<APIResponse> {
    return this.request.get(`${this.url(bucket)}/stat?key=${encodeURIComponent(key)}`);
  }
}

/** The workspace through Jupyter's contents API. */
export class WorkspaceApi {
  /** `base` is the single-user server's prefix: '' for Lab, `/user/<name>` under a Hub. */
  constructor(
    readonly request: APIRequestContext,
    readonly base = ''
  ) {}

  url(path: string): string {
    return `${this.base}/api/contents/${contentsPath(path)}`;
  }

  /** Writes a text file (the answer is ok). */
  async putFile(path: string, content: string): Promise<void> {
    const res = await this.request.put(this.url(path), { data: { type: 'file', format: 'text', content } });
    expect(res.ok()).toBe(true);
  }

  /** Writes a notebook from its JSON (the answer is ok). */
  async putNotebook(path: string, content: object): Promise<void> {
    const res = await this.request.put(this.url(path), { data: { type: 'notebook', format: 'json', content } });
    expect(res.ok()).toBe(true);
  }

  /**
   * The file's model, or null while there is none: with its content unless `content` is false,
   * read as a text file when `text` is true.
   */
  async model(path: string, options: { content?: boolean; text?: boolean } = {}): Promise<any | null> {
    const query = `content=${options.content === false ? 0 : 1}${options.text ? '&format=text&type=file' : ''}`;
    const res = await this.request.get(`${this.url(path)}?${query}`);
    return res.ok() ? res.json() : null;
  }

  /** Polls until the text file `path` holds `expected`. */
  async untilText(path: string, expected: string, timeout = 30000): Promise<void> {
    await expect
      .poll(async () => (await this.model(path, { text: true }))?.content ?? null, { timeout })
      .toBe(expected);
  }

  /** Polls until the file `path` is `size` bytes long. */
  async untilSize(path: string, size: number, timeout = 60000): Promise<void> {
    await expect.poll(async () => (await this.model(path, { content: false }))?.size ?? null, { timeout }).toBe(size);
  }
}

/** Atelier's API, with object storage and the workspace beside it. */
export class AtelierApi {
  readonly storage: StorageApi;
  readonly workspace: WorkspaceApi;

  constructor(
    readonly request: APIRequestContext,
    readonly base = ''
  ) {
    this.storage = new StorageApi(request, 'local', base);
    this.workspace = new WorkspaceApi(request, base);
  }

  /** `GET <route>` of Atelier's API, as JSON (`route` without a leading slash). */
  async get(route: string): Promise<any> {
    return (await this.request.get(`${this.base}${ATELIER_API}/${route}`)).json();
  }

  /** `POST <route>` of Atelier's API with an optional JSON body. */
  post(route: string, data?: unknown): Promise<APIResponse> {
    return this.request.post(`${this.base}${ATELIER_API}/${route}`, data === undefined ? undefined : { data });
  }
}
