/**
 * Single-object requests (GET, HEAD, PUT of one body) signed with SigV4 and sent with Node's
 * http: the AWS SDK's middleware stack costs about 0.5 ms of CPU per request, which is most of
 * the time a transfer of many small objects takes; this path costs about 0.06 ms. The SDK
 * stays in charge of everything else (listings, multipart, copies, deletes).
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
  return data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
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
  return key
    .split('/')
    .map(segment => encodeURIComponent(segment).replace(/[!'()*]/g, c => `%${c.charCodeAt(0).toString(16).toUpperCase()}`))
    .join('/');
}

const EMPTY_SHA256 = createHash('sha256').digest('hex');
const RETRYABLE = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT']);

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
    options: { headers?: Record<string, string>; body?: Buffer; signal?: AbortSignal } = {}
  ): Promise<ILeanResponse> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this._once(method, bucket, key, options);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code ?? '';
        const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode ?? 0;
        if (attempt >= 3 || options.signal?.aborted || !(RETRYABLE.has(code) || status === 500 || status === 503)) {
          throw e;
        }
        await new Promise(resolve => setTimeout(resolve, 100 * attempt));
      }
    }
  }

  private async _once(
    method: string,
    bucket: string,
    key: string,
    options: { headers?: Record<string, string>; body?: Buffer; signal?: AbortSignal }
  ): Promise<ILeanResponse> {
    const url = this._url;
    const base = url.pathname.replace(/\/$/, '');
    // Virtual-hosted style unless asked for path style (or the bucket name has dots, which
    // TLS certificates for *.host do not cover).
    const pathStyle = this._options.forcePathStyle || bucket.includes('.');
    const hostname = pathStyle ? url.hostname : `${bucket}.${url.hostname}`;
    const path = pathStyle ? `${base}/${bucket}/${encodeKey(key)}` : `${base}/${encodeKey(key)}`;
    const host = url.port ? `${hostname}:${url.port}` : hostname;
    const body = options.body;
    const headers: Record<string, string> = {
      host,
      'x-amz-content-sha256': body ? createHash('sha256').update(body).digest('hex') : EMPTY_SHA256,
      ...(body ? { 'content-length': String(body.length) } : {}),
      ...options.headers
    };
    const signed = await this._signer.sign({ method, protocol: url.protocol, hostname, port: url.port ? Number(url.port) : undefined, path, headers, query: {} });
    const secure = url.protocol === 'https:';
    return new Promise((resolve, reject) => {
      const req = (secure ? https : http).request(
        {
          method,
          hostname: url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : hostname,
          port: url.port || (secure ? 443 : 80),
          path,
          headers: signed.headers,
          agent: secure ? this._options.httpsAgent : this._options.httpAgent,
          signal: options.signal,
          ...(pathStyle ? {} : { servername: hostname })
        },
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
          res.on('end', () => {
            const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1] ?? (status === 404 ? 'NotFound' : `HTTP${status}`);
            const message = /<Message>([^<]*)<\/Message>/.exec(text)?.[1] ?? '';
            reject(Object.assign(new Error(message || code), { name: code, $metadata: { httpStatusCode: status } }));
          });
        }
      );
      req.on('error', reject);
      req.setTimeout(60000, () => req.destroy(Object.assign(new Error('The storage endpoint did not answer in time.'), { code: 'ETIMEDOUT' })));
      req.end(body);
    });
  }

  private _url: URL;
  private _signer: SignatureV4;
}
