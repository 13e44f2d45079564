/**
 * Single-object requests (GET or HEAD of an object or a range, PUT of one body or one part)
 * signed with SigV4 and sent with Node's http: the AWS SDK's middleware stack costs about
 * 0.5 ms of CPU per request, which is most of the time a transfer of many small objects takes;
 * this path costs about 0.06 ms. The SDK stays in charge of everything else (listings,
 * starting and completing multipart uploads, copies, deletes).
 *
 * Every request is signed with `x-amz-content-sha256: UNSIGNED-PAYLOAD`: OBS accepts SigV4
 * only in that form or streamed (Huawei Cloud's OBS FAQ "如何使用V4签名访问OBS",
 * support.huaweicloud.com/intl/zh-cn/obs_faq/obs_faq_0274.html), S3 and other
 * S3-compatible servers accept it too, and a
 * body always travels with Content-MD5, which the server checks (hashing a 16 MiB part once
 * more with SHA-256 for the signature would cost 8 ms of CPU for nothing).
 *
 * Errors come back shaped like the SDK's (`name` from the XML `Code`, `$metadata`), so one
 * translation turns both into the API's errors.
 */
import { createHash, createHmac } from 'crypto';
import * as http from 'http';
import * as https from 'https';
import type { Readable } from 'stream';
import { SignatureV4 } from '@smithy/signature-v4';

type SourceData = string | ArrayBuffer | ArrayBufferView;

function bytes(data: SourceData): string | Uint8Array {
  if (typeof data === 'string') {
    return data;
  }
  return data instanceof ArrayBuffer
    ? new Uint8Array(data)
    : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** SHA-256 for the signer, from Node's crypto. */
class Sha256 {
  constructor(secret?: SourceData) {
    this._hash = secret ? createHmac('sha256', bytes(secret)) : createHash('sha256');
  }

  update(data: SourceData): void {
    this._hash.update(bytes(data));
  }

  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this._hash.digest());
  }

  private _hash: ReturnType<typeof createHash> | ReturnType<typeof createHmac>;
}

/** S3's encoding of a key in a path: every byte but unreserved characters, '/' kept. */
export function encodeKey(key: string): string {
  return key.split('/').map(encodeStrict).join('/');
}

/** The payload hash of SigV4 requests whose body is not hashed for the signature. */
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
const RETRYABLE = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT']);

export interface ILeanRequest {
  headers?: Record<string, string>;
  /** Query parameters (`partNumber`, `uploadId`), signed with the request. */
  query?: Record<string, string>;
  /** Sent with a Content-MD5 header (required), which protects it. */
  body?: Buffer;
  signal?: AbortSignal;
}

/** RFC 3986 encoding, as SigV4 wants it. */
function encodeStrict(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, c => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** A signed request, ready for http.request (plus the body, sent separately). */
export interface ISignedRequest {
  method: string;
  protocol: 'http:' | 'https:';
  /** The host to connect to. */
  hostname: string;
  port: number;
  /** Path and query, encoded. */
  path: string;
  headers: Record<string, string>;
  /** TLS server name, for virtual-hosted addressing. */
  servername?: string;
}

/** The SDK's shape of an S3 error answer: `name` from the XML `Code`, `$metadata`. */
export function s3Error(status: number, text: string): Error {
  const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1] ?? (status === 404 ? 'NotFound' : `HTTP${status}`);
  const message = /<Message>([^<]*)<\/Message>/.exec(text)?.[1] ?? '';
  return Object.assign(new Error(message || code), { name: code, $metadata: { httpStatusCode: status } });
}

/** Runs `attempt` up to three times while it fails with a reset connection or a 500/503. */
export async function withRetries<T>(attempt: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? '';
      const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode ?? 0;
      if (n >= 3 || signal?.aborted || !(RETRYABLE.has(code) || status === 500 || status === 503)) {
        throw e;
      }
      await new Promise(resolve => setTimeout(resolve, 100 * n));
    }
  }
}

export interface ILeanResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Readable;
}

export interface ILeanOptions {
  endpoint: string;
  region: string;
  forcePathStyle: boolean;
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  httpAgent: http.Agent;
  httpsAgent: https.Agent;
}

export class LeanS3 {
  constructor(private readonly _options: ILeanOptions) {
    this._url = new URL(_options.endpoint);
    this._signer = new SignatureV4({
      credentials: _options.credentials,
      region: _options.region,
      service: 's3',
      sha256: Sha256,
      uriEscapePath: false,
      applyChecksum: false
    });
  }

  /**
   * One request for one object. Resolves with 2xx answers (the body still to read); rejects
   * with an SDK-shaped error otherwise. Connection resets are retried (at most 3 attempts).
   */
  async request(
    method: 'GET' | 'HEAD' | 'PUT',
    bucket: string,
    key: string,
    options: ILeanRequest = {}
  ): Promise<ILeanResponse> {
    return withRetries(() => this._once(method, bucket, key, options), options.signal);
  }

  /** The request as it goes on the wire, signed, for a sender elsewhere (the bulk worker). */
  async sign(
    method: 'GET' | 'HEAD' | 'PUT',
    bucket: string,
    key: string,
    options: ILeanRequest = {}
  ): Promise<ISignedRequest> {
    const url = this._url;
    const base = url.pathname.replace(/\/$/, '');
    // Virtual-hosted style unless asked for path style (or the bucket name has dots, which
    // TLS certificates for *.host do not cover).
    const pathStyle = this._options.forcePathStyle || bucket.includes('.');
    const hostname = pathStyle ? url.hostname : `${bucket}.${url.hostname}`;
    const path = pathStyle ? `${base}/${bucket}/${encodeKey(key)}` : `${base}/${encodeKey(key)}`;
    const host = url.port ? `${hostname}:${url.port}` : hostname;
    const body = options.body;
    const query = options.query ?? {};
    const search = Object.keys(query)
      .sort()
      .map(name => `${encodeStrict(name)}=${encodeStrict(query[name])}`)
      .join('&');
    if (body && !options.headers?.['content-md5']) {
      throw new Error('A body needs a Content-MD5 header, which protects it.');
    }
    const headers: Record<string, string> = {
      host,
      'x-amz-content-sha256': UNSIGNED_PAYLOAD,
      ...(body ? { 'content-length': String(body.length) } : {}),
      ...options.headers
    };
    const signed = await this._signer.sign({
      method,
      protocol: url.protocol,
      hostname,
      port: url.port ? Number(url.port) : undefined,
      path,
      headers,
      query
    });
    const secure = url.protocol === 'https:';
    return {
      method,
      protocol: secure ? 'https:' : 'http:',
      hostname: url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : hostname,
      port: Number(url.port) || (secure ? 443 : 80),
      path: search ? `${path}?${search}` : path,
      headers: signed.headers as Record<string, string>,
      ...(pathStyle ? {} : { servername: hostname })
    };
  }

  private async _once(
    method: 'GET' | 'HEAD' | 'PUT',
    bucket: string,
    key: string,
    options: ILeanRequest
  ): Promise<ILeanResponse> {
    const signed = await this.sign(method, bucket, key, options);
    const secure = signed.protocol === 'https:';
    return new Promise((resolve, reject) => {
      const req = (secure ? https : http).request(
        { ...signed, agent: secure ? this._options.httpsAgent : this._options.httpAgent, signal: options.signal },
        res => {
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) {
            resolve({ status, headers: res.headers, body: res });
            return;
          }
          let text = '';
          res.setEncoding('utf8');
          res.on('data', chunk => (text += chunk.length < 65536 ? chunk : ''));
          res.on('error', reject);
          res.on('end', () => reject(s3Error(status, text)));
        }
      );
      req.on('error', reject);
      req.setTimeout(60000, () =>
        req.destroy(Object.assign(new Error('The storage endpoint did not answer in time.'), { code: 'ETIMEDOUT' }))
      );
      req.end(options.body);
    });
  }

  private _url: URL;
  private _signer: SignatureV4;
}
