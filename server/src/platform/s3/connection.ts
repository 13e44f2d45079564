/**
 * One S3-compatible endpoint's connection: the HTTP agents, the lean SigV4 client for
 * single-object requests (lean.ts), AWS SDK v3 for the rest, and the bulk worker for ranged
 * reads (bulk.ts). The modules beside it (listing, reads, writes, multipart, copy) are
 * functions over one connection; `send` is how every one of them reaches the endpoint, so
 * its errors are always said in the user's terms (endpoint-errors.ts).
 */
import * as http from 'http';
import * as https from 'https';
import { S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { IEndpoint } from '@atelier/api';
import { BulkWorker } from './bulk';
import { translateS3Error } from './endpoint-errors';
import { LeanS3, UNSIGNED_PAYLOAD } from './lean';

export interface IS3Options {
  endpoint: string;
  region: string;
  forcePathStyle: boolean;
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Multipart part size in bytes (at least 5 MiB). */
  partSize: number;
  /** Parts in flight at once. */
  concurrency: number;
  /** Objects larger than this are copied part by part (S3's CopyObject stops at 5 GiB). */
  copyLimit?: number;
  /** Part size of such copies (default 512 MiB; S3 allows up to 5 GiB). */
  copyPartSize?: number;
}

// The SDK version is pinned and supports Node 20; its notice about later releases is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export class S3Connection {
  constructor(
    readonly info: IEndpoint,
    readonly options: IS3Options
  ) {
    const agentOptions = { keepAlive: true, maxSockets: 64 };
    const httpAgent = new http.Agent(agentOptions);
    const httpsAgent = new https.Agent(agentOptions);
    this.lean = new LeanS3({ ...options, httpAgent, httpsAgent });
    this.client = new S3Client({
      endpoint: options.endpoint,
      region: options.region,
      forcePathStyle: options.forcePathStyle,
      credentials: options.credentials,
      maxAttempts: 3,
      // Plain payloads: no aws-chunked encoding, which older S3-compatible servers reject.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      requestHandler: new NodeHttpHandler({ httpAgent, httpsAgent, connectionTimeout: 10000 })
    });
    // The SDK's requests are signed as the lean client's are: UNSIGNED-PAYLOAD (see lean.ts).
    this.client.middlewareStack.add(
      next => async args => {
        const request = args.request as { headers?: Record<string, string> };
        if (request.headers) {
          request.headers['x-amz-content-sha256'] = UNSIGNED_PAYLOAD;
        }
        return next(args);
      },
      { step: 'build', name: 'atelierUnsignedPayload' }
    );
  }

  /** Single-object requests (HEAD, GET, PUT, part uploads), signed by us. */
  readonly lean: LeanS3;
  /** Everything else: listings, buckets, multipart bookkeeping, copies, deletes. */
  readonly client: S3Client;
  /** Ranged reads of large objects, off the main thread. */
  readonly bulk = new BulkWorker();

  /** Sends a request and turns the endpoint's errors into domain errors a person understands. */
  async send<T>(call: () => Promise<T>, bucket?: string, key?: string): Promise<T> {
    try {
      return await call();
    } catch (e) {
      throw this.translate(e, bucket, key);
    }
  }

  /** The domain error that says what `e`, from this endpoint, means for `bucket` and `key`. */
  translate(e: unknown, bucket?: string, key?: string): Error {
    return translateS3Error(e, `the storage endpoint "${this.info.name}"`, bucket, key);
  }

  close(): void {
    this.client.destroy();
    void this.bulk.close();
  }
}
