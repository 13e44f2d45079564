/**
 * Any S3-compatible endpoint (and OBS, which speaks S3): single-object requests through the
 * lean SigV4 client (lean.ts), the rest through AWS SDK v3 with a custom endpoint, ranged
 * reads of large objects through the bulk worker (bulk.ts). Integrity: every PUT and part
 * carries Content-MD5 (the server rejects damaged data), and the ETag that comes back is
 * compared with the MD5 computed here; multipart uploads complete only after every part
 * checked out, so a key never shows a partial object. Objects keep the CRC-32 their uploader
 * gave (`x-amz-meta-atelier-crc32`), which downloads and copies are checked against.
 */
import * as crypto from 'crypto';
import * as http from 'http';
import * as https from 'https';
import { Readable } from 'stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectsCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCopyCommand
} from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { ApiError } from '../../errors';
import { guarded } from '../../streams';
import { crc32, crc32FromBase64, crc32ToBase64 } from '../../crc32';
import { BulkWorker } from './bulk';
import { LeanS3, UNSIGNED_PAYLOAD, withRetries } from './lean';
import type { IBucket, IEndpoint, IListing, IObjectInfo } from '@atelier/api';
import {
  checkBucket,
  checkKey,
  checkPrefix,
  IListOptions,
  IObjectStore,
  IPart,
  IWriteOptions,
  multipartEtag,
  notFound
} from '../storage';

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

const GIB = 1024 * 1024 * 1024;

/** An S3 ETag without quotes. */
function bareEtag(etag: string | undefined): string {
  return (etag ?? '').replace(/"/g, '');
}

/** Where Atelier keeps the CRC-32 of what it uploads (user metadata, as rclone keeps an MD5). */
const CRC32_META = 'x-amz-meta-atelier-crc32';

/**
 * Size, date, ETag and whole-object CRC-32 from the headers of a GET or HEAD answer. The CRC
 * is the server's own full-object checksum (S3 flexible checksums) where it has one, else the
 * one Atelier stored when it uploaded the object. Composite checksums ("…-N", per part) are
 * not a whole-object CRC and are left out.
 */
function infoFrom(key: string, headers: http.IncomingHttpHeaders): IObjectInfo {
  const modified = headers['last-modified'] ? new Date(headers['last-modified']) : new Date(0);
  const checksum =
    crc32FromBase64(headers['x-amz-checksum-crc32'] as string | undefined) ??
    crc32FromBase64(headers[CRC32_META] as string | undefined);
  return {
    key,
    size: Number(headers['content-length'] ?? 0),
    lastModified: (isNaN(modified.getTime()) ? new Date(0) : modified).toISOString(),
    etag: bareEtag(headers.etag as string | undefined),
    ...(checksum === undefined ? {} : { crc32: crc32ToBase64(checksum) })
  };
}

/** Reads a stream in chunks of exactly `size` bytes (the last may be shorter). */
async function* chunks(source: Readable, size: number): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let length = 0;
  for await (const piece of source) {
    let buf: Buffer = Buffer.isBuffer(piece) ? piece : Buffer.from(piece);
    while (buf.length > 0) {
      const take = Math.min(size - length, buf.length);
      pending.push(buf.subarray(0, take));
      length += take;
      buf = buf.subarray(take);
      if (length === size) {
        yield Buffer.concat(pending, length);
        pending = [];
        length = 0;
      }
    }
  }
  if (length > 0) {
    yield Buffer.concat(pending, length);
  }
}

// The SDK version is pinned and supports Node 20; its notice about later releases is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export class S3ObjectStore implements IObjectStore {
  constructor(
    readonly info: IEndpoint,
    private readonly _options: IS3Options
  ) {
    const agentOptions = { keepAlive: true, maxSockets: 64 };
    const httpAgent = new http.Agent(agentOptions);
    const httpsAgent = new https.Agent(agentOptions);
    this._lean = new LeanS3({ ..._options, httpAgent, httpsAgent });
    this._client = new S3Client({
      endpoint: _options.endpoint,
      region: _options.region,
      forcePathStyle: _options.forcePathStyle,
      credentials: _options.credentials,
      maxAttempts: 3,
      // Plain payloads: no aws-chunked encoding, which older S3-compatible servers reject.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      requestHandler: new NodeHttpHandler({ httpAgent, httpsAgent, connectionTimeout: 10000 })
    });
    // The SDK's requests are signed as the lean client's are: UNSIGNED-PAYLOAD (see lean.ts).
    this._client.middlewareStack.add(
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

  async listBuckets(): Promise<IBucket[]> {
    const out = await this._send(() => this._client.send(new ListBucketsCommand({})));
    return (out.Buckets ?? []).map(b => ({ name: b.Name!, created: b.CreationDate?.toISOString() }));
  }

  async createBucket(name: string): Promise<void> {
    checkBucket(name);
    await this._send(() => this._client.send(new CreateBucketCommand({ Bucket: name })), name);
  }

  async list(bucket: string, options: IListOptions): Promise<IListing> {
    checkBucket(bucket);
    const prefix = checkPrefix(options.prefix);
    const out = await this._send(
      () =>
        this._client.send(
          new ListObjectsV2Command({
            Bucket: bucket,
            Prefix: prefix || undefined,
            Delimiter: options.delimiter || undefined,
            ContinuationToken: options.token,
            MaxKeys: options.limit
          })
        ),
      bucket
    );
    return {
      prefix,
      prefixes: (out.CommonPrefixes ?? []).map(p => p.Prefix!).filter(p => p !== prefix),
      objects: (out.Contents ?? [])
        // The folder's own placeholder is not shown inside it, as S3 consoles do.
        .filter(o => !(o.Key === prefix && prefix !== ''))
        .map(o => ({
          key: o.Key!,
          size: o.Size ?? 0,
          lastModified: (o.LastModified ?? new Date(0)).toISOString(),
          etag: bareEtag(o.ETag)
        })),
      nextToken: out.IsTruncated ? out.NextContinuationToken : undefined
    };
  }

  async stat(bucket: string, key: string): Promise<IObjectInfo> {
    checkBucket(bucket);
    checkKey(key);
    const res = await this._send(
      () => this._lean.request('HEAD', bucket, key, { headers: { 'x-amz-checksum-mode': 'ENABLED' } }),
      bucket,
      key
    );
    res.body.resume();
    return infoFrom(key, res.headers);
  }

  async read(bucket: string, key: string): Promise<{ info: IObjectInfo; stream: Readable }> {
    checkBucket(bucket);
    checkKey(key);
    const res = await this._send(() => this._lean.request('GET', bucket, key), bucket, key);
    return { info: infoFrom(key, res.headers), stream: res.body };
  }

  async readRangeInto(
    bucket: string,
    key: string,
    start: number,
    end: number,
    etag: string,
    fd: number,
    options: { onBytes: (bytes: number) => void; signal?: AbortSignal }
  ): Promise<number> {
    checkBucket(bucket);
    checkKey(key);
    const length = end - start + 1;
    const headers = { range: `bytes=${start}-${end}`, 'if-match': `"${etag}"` };
    const result = await this._send(
      () =>
        withRetries(async () => {
          // An attempt that fails takes back the progress it reported; the next writes the range anew.
          let reported = 0;
          const onBytes = (bytes: number) => {
            reported += bytes;
            options.onBytes(bytes);
          };
          try {
            const signed = await this._lean.sign('GET', bucket, key, { headers });
            return await this._bulk.fetchRange(signed, fd, start, length, onBytes, options.signal);
          } catch (e) {
            options.onBytes(-reported);
            throw e;
          }
        }, options.signal),
      bucket,
      key
    );
    // Servers that ignore If-Match still name the ETag of what they send.
    const range = /^bytes (\d+)-(\d+)\/\d+$/.exec(result.contentRange);
    const sent = bareEtag(result.etag);
    if (!range || Number(range[1]) !== start || Number(range[2]) !== end || (sent !== '' && sent !== etag)) {
      throw new ApiError(409, 'changed', `"${key}" changed while it was being read; start the transfer again.`);
    }
    if (result.received !== length) {
      throw new ApiError(
        502,
        'size_mismatch',
        `Bytes ${start}-${end} of "${key}" arrived as ${result.received} bytes instead of ${length}; nothing was written.`
      );
    }
    return result.crc;
  }

  async write(bucket: string, key: string, source: Readable, options: IWriteOptions = {}): Promise<IObjectInfo> {
    checkBucket(bucket);
    checkKey(key);
    if (key.endsWith('/')) {
      throw new ApiError(400, 'invalid_key', `"${key}" names a folder; an object's key cannot end with "/".`);
    }
    const parts = chunks(guarded(source), this._options.partSize);
    const first = await parts.next();
    const firstPart = first.done ? Buffer.alloc(0) : first.value;
    if (firstPart.length < this._options.partSize) {
      return this._putSmall(bucket, key, firstPart, options);
    }
    return this._putMultipart(bucket, key, firstPart, parts, options);
  }

  async copy(bucket: string, fromKey: string, toBucket: string, toKey: string): Promise<IObjectInfo> {
    checkBucket(bucket);
    checkBucket(toBucket);
    checkKey(fromKey);
    checkKey(toKey);
    const source = `${bucket}/${fromKey.split('/').map(encodeURIComponent).join('/')}`;
    const from = await this.stat(bucket, fromKey);
    if (from.size > (this._options.copyLimit ?? 5 * GIB)) {
      return this._copyInParts(bucket, fromKey, from, source, toBucket, toKey);
    }
    await this._send(
      () =>
        this._client.send(
          new CopyObjectCommand({
            Bucket: toBucket,
            Key: toKey,
            CopySource: source,
            CopySourceIfMatch: from.etag ? `"${from.etag}"` : undefined
          })
        ),
      bucket,
      fromKey
    );
    return this._checkCopy(from, toBucket, toKey);
  }

  /**
   * A copy too large for CopyObject: a multipart upload whose parts the server copies from
   * byte ranges of the source (UploadPartCopy), pinned to the source's ETag. Servers without
   * UploadPartCopy (NotImplemented, or an answer without a CopyPartResult) get a streamed copy
   * instead, through the service, verified as every upload is.
   */
  private async _copyInParts(
    bucket: string,
    fromKey: string,
    from: IObjectInfo,
    source: string,
    toBucket: string,
    toKey: string
  ): Promise<IObjectInfo> {
    const partSize = Math.max(this._options.copyPartSize ?? 512 * 1024 * 1024, Math.ceil(from.size / 10000));
    const count = Math.ceil(from.size / partSize);
    const uploadId = await this.createMultipart(toBucket, toKey, { crc32: crc32FromBase64(from.crc32) });
    const parts: { PartNumber: number; ETag: string }[] = [];
    let unsupported = false;
    let next = 1;
    const worker = async () => {
      while (next <= count && !unsupported) {
        const n = next++;
        const start = (n - 1) * partSize;
        const end = Math.min(from.size, start + partSize) - 1;
        const command = new UploadPartCopyCommand({
          Bucket: toBucket,
          Key: toKey,
          UploadId: uploadId,
          PartNumber: n,
          CopySource: source,
          CopySourceRange: `bytes=${start}-${end}`,
          CopySourceIfMatch: from.etag ? `"${from.etag}"` : undefined
        });
        const out = await this._client.send(command).catch(e => {
          const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
          if (err.name === 'NotImplemented' || err.$metadata?.httpStatusCode === 501) {
            return {} as { CopyPartResult?: { ETag?: string } };
          }
          throw this._translate(e, bucket, fromKey);
        });
        if (!out.CopyPartResult?.ETag) {
          unsupported = true;
          return;
        }
        parts.push({ PartNumber: n, ETag: out.CopyPartResult.ETag });
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(this._options.concurrency, count) }, worker));
    } catch (e) {
      await this.abortMultipart(toBucket, toKey, uploadId).catch(() => undefined);
      throw e;
    }
    if (unsupported) {
      await this.abortMultipart(toBucket, toKey, uploadId).catch(() => undefined);
      const { stream } = await this.read(bucket, fromKey);
      await this.write(toBucket, toKey, stream, { size: from.size });
      return this._checkCopy(from, toBucket, toKey);
    }
    parts.sort((a, b) => a.PartNumber - b.PartNumber);
    await this._send(
      () =>
        this._client.send(
          new CompleteMultipartUploadCommand({
            Bucket: toBucket,
            Key: toKey,
            UploadId: uploadId,
            MultipartUpload: { Parts: parts }
          })
        ),
      toBucket,
      toKey
    );
    return this._checkCopy(from, toBucket, toKey);
  }

  /** The copy has the source's size, and its CRC-32 where the source has one; else it goes. */
  private async _checkCopy(from: IObjectInfo, toBucket: string, toKey: string): Promise<IObjectInfo> {
    const info = await this.stat(toBucket, toKey);
    if (
      info.size !== from.size ||
      (from.crc32 !== undefined && info.crc32 !== undefined && info.crc32 !== from.crc32)
    ) {
      await this.delete(toBucket, [toKey]).catch(() => undefined);
      throw new ApiError(
        502,
        'checksum_mismatch',
        `The storage endpoint copied "${from.key}" wrongly (${info.size} of ${from.size} bytes); the copy was removed.`
      );
    }
    return info;
  }

  async delete(bucket: string, keys: string[]): Promise<void> {
    checkBucket(bucket);
    for (let i = 0; i < keys.length; i += 1000) {
      const batch = keys.slice(i, i + 1000);
      batch.forEach(k => checkKey(k));
      const out = await this._send(
        () =>
          this._client.send(
            new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: batch.map(Key => ({ Key })), Quiet: true } })
          ),
        bucket
      );
      const failed = (out.Errors ?? []).filter(e => e.Code !== 'NoSuchKey');
      if (failed.length) {
        throw new ApiError(
          502,
          'delete_failed',
          `The storage endpoint did not delete ${failed.length} object(s), e.g. "${failed[0].Key}": ${failed[0].Message}`
        );
      }
    }
  }

  async createFolder(bucket: string, prefix: string): Promise<void> {
    checkBucket(bucket);
    const key = checkKey(prefix.endsWith('/') ? prefix : `${prefix}/`);
    await this._send(
      () =>
        this._client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: Buffer.alloc(0), ContentLength: 0 })),
      bucket
    );
  }

  close(): void {
    this._client.destroy();
    void this._bulk.close();
  }

  async createMultipart(bucket: string, key: string, options: { crc32?: number } = {}): Promise<string> {
    checkBucket(bucket);
    checkKey(key);
    const metadata =
      options.crc32 === undefined
        ? undefined
        : { [CRC32_META.slice('x-amz-meta-'.length)]: crc32ToBase64(options.crc32) };
    const out = await this._send(
      () => this._client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, Metadata: metadata })),
      bucket
    );
    return out.UploadId!;
  }

  async uploadPart(bucket: string, key: string, uploadId: string, partNumber: number, body: Buffer): Promise<IPart> {
    const md5 = crypto.createHash('md5').update(body).digest();
    const res = await this._send(
      () =>
        this._lean.request('PUT', bucket, key, {
          query: { partNumber: String(partNumber), uploadId },
          headers: { 'content-md5': md5.toString('base64') },
          body
        }),
      bucket
    );
    res.body.resume();
    const quoted = String(res.headers.etag ?? '');
    const etag = bareEtag(quoted);
    if (etag !== md5.toString('hex')) {
      throw new ApiError(
        502,
        'checksum_mismatch',
        `Part ${partNumber} of "${key}" was stored with checksum ${etag}, not ${md5.toString('hex')}.`
      );
    }
    return { partNumber, etag: quoted, md5: etag };
  }

  /**
   * Assembles the parts and checks the result: its size, and its ETag (S3's md5-of-md5s; or,
   * from servers that answer with the whole object's MD5, that MD5 when `wholeMd5` is known).
   */
  async completeMultipart(
    bucket: string,
    key: string,
    uploadId: string,
    parts: IPart[],
    size: number,
    wholeMd5?: string
  ): Promise<IObjectInfo> {
    const sorted = [...parts].sort((a, b) => a.partNumber - b.partNumber);
    const out = await this._send(
      () =>
        this._client.send(
          new CompleteMultipartUploadCommand({
            Bucket: bucket,
            Key: key,
            UploadId: uploadId,
            MultipartUpload: { Parts: sorted.map(p => ({ PartNumber: p.partNumber, ETag: p.etag })) }
          })
        ),
      bucket
    );
    // Every part was verified when it was stored; check what the server assembled.
    const info = await this.stat(bucket, key);
    const expected = multipartEtag(sorted);
    const etag = bareEtag(out.ETag) || info.etag || '';
    const plain = /^[0-9a-f]{32}$/.test(etag);
    if (
      info.size !== size ||
      (etag.includes('-') && etag !== expected) ||
      (plain && wholeMd5 !== undefined && etag !== wholeMd5)
    ) {
      await this.delete(bucket, [key]).catch(() => undefined);
      throw new ApiError(
        502,
        'checksum_mismatch',
        `The storage endpoint assembled "${key}" wrongly (${info.size} bytes, checksum ${etag}); the object was removed.`
      );
    }
    return info;
  }

  async abortMultipart(bucket: string, key: string, uploadId: string): Promise<void> {
    await this._send(
      () => this._client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId })),
      bucket
    ).catch(e => {
      if (!(e instanceof ApiError && e.statusCode === 404)) {
        throw e;
      }
    });
  }

  private async _putSmall(bucket: string, key: string, body: Buffer, options: IWriteOptions): Promise<IObjectInfo> {
    if (options.size !== undefined && body.length !== options.size) {
      throw new ApiError(
        400,
        'size_mismatch',
        `Received ${body.length} bytes for "${key}" but ${options.size} were announced; nothing was stored.`
      );
    }
    const md5 = crypto.createHash('md5').update(body).digest();
    const headers: Record<string, string> = {
      'content-md5': md5.toString('base64'),
      [CRC32_META]: crc32ToBase64(crc32(body))
    };
    if (options.contentType) {
      headers['content-type'] = options.contentType;
    }
    const res = await this._send(
      () => this._lean.request('PUT', bucket, key, { headers, body, signal: options.signal }),
      bucket
    );
    res.body.resume();
    options.onProgress?.(body.length);
    const etag = bareEtag(res.headers.etag as string | undefined);
    if (etag && etag !== md5.toString('hex')) {
      // A server that does not check Content-MD5 stored damaged data: take it away again.
      await this.delete(bucket, [key]).catch(() => undefined);
      throw new ApiError(
        502,
        'checksum_mismatch',
        `The storage endpoint stored "${key}" with checksum ${etag}, not ${md5.toString('hex')}; the damaged object was removed.`
      );
    }
    return { key, size: body.length, lastModified: new Date().toISOString(), etag: md5.toString('hex') };
  }

  private async _putMultipart(
    bucket: string,
    key: string,
    firstPart: Buffer,
    rest: AsyncGenerator<Buffer>,
    options: IWriteOptions
  ): Promise<IObjectInfo> {
    const uploadId = await this.createMultipart(bucket, key);
    const done: IPart[] = [];
    const inflight = new Set<Promise<void>>();
    let failure: unknown = null;
    let bytes = 0;
    let sent = 0;
    // Some servers (s3rver) answer with the whole object's MD5 instead of S3's md5-of-md5s.
    const whole = crypto.createHash('md5');
    const upload = (partNumber: number, body: Buffer) => {
      whole.update(body);
      const tracked: Promise<void> = this.uploadPart(bucket, key, uploadId, partNumber, body)
        .then(part => {
          done.push(part);
          sent += body.length;
          options.onProgress?.(sent);
        })
        .catch(e => {
          failure = failure ?? e;
        })
        .finally(() => {
          inflight.delete(tracked);
        });
      inflight.add(tracked);
    };
    try {
      let partNumber = 1;
      upload(partNumber, firstPart);
      bytes += firstPart.length;
      for await (const part of rest) {
        if (options.signal?.aborted) {
          throw new ApiError(499, 'cancelled', 'The transfer was cancelled.');
        }
        while (inflight.size >= this._options.concurrency) {
          await Promise.race(inflight);
        }
        if (failure) {
          throw failure;
        }
        partNumber += 1;
        if (partNumber > 10000) {
          throw new ApiError(400, 'too_large', `"${key}" needs more than 10,000 parts; raise storage.partSizeMiB.`);
        }
        upload(partNumber, part);
        bytes += part.length;
      }
      await Promise.all(inflight);
      if (failure) {
        throw failure;
      }
      if (options.size !== undefined && bytes !== options.size) {
        throw new ApiError(
          400,
          'size_mismatch',
          `Received ${bytes} bytes for "${key}" but ${options.size} were announced; nothing was stored.`
        );
      }
      return await this.completeMultipart(bucket, key, uploadId, done, bytes, whole.digest('hex'));
    } catch (e) {
      await Promise.all(inflight);
      await this.abortMultipart(bucket, key, uploadId).catch(() => undefined);
      throw e;
    }
  }

  /** Sends a command and turns the endpoint's errors into ApiErrors a person understands. */
  private _lean: LeanS3;

  private async _send<T>(call: () => Promise<T>, bucket?: string, key?: string): Promise<T> {
    try {
      return await call();
    } catch (e) {
      throw this._translate(e, bucket, key);
    }
  }

  private _translate(e: unknown, bucket?: string, key?: string): Error {
    if (e instanceof ApiError) {
      return e;
    }
    const err = e as {
      name?: string;
      Code?: string;
      code?: string;
      message?: string;
      $metadata?: { httpStatusCode?: number };
    };
    const name = err.name ?? err.Code ?? '';
    const status = err.$metadata?.httpStatusCode;
    const where = `the storage endpoint "${this.info.name}"`;
    if (name === 'NoSuchBucket') {
      return notFound(bucket ?? '?');
    }
    if (name === 'NoSuchKey' || name === 'NotFound' || status === 404) {
      return key ? notFound(bucket ?? '?', key) : notFound(bucket ?? '?');
    }
    if (name === 'BucketAlreadyOwnedByYou' || name === 'BucketAlreadyExists') {
      return new ApiError(409, 'exists', `The bucket "${bucket}" already exists.`);
    }
    if (
      name === 'AccessDenied' ||
      name === 'InvalidAccessKeyId' ||
      name === 'SignatureDoesNotMatch' ||
      status === 403
    ) {
      return new ApiError(
        403,
        'access_denied',
        `${where} refused the request (${name || status}); check the endpoint's credentials in the service configuration.`
      );
    }
    if (name === 'PreconditionFailed' || status === 412) {
      return new ApiError(409, 'changed', `"${key ?? '?'}" changed while it was being read; start the transfer again.`);
    }
    if (name === 'BadDigest' || name === 'InvalidDigest') {
      return new ApiError(502, 'checksum_mismatch', `${where} received damaged data (${name}); nothing was stored.`);
    }
    if (name === 'AbortError' || err.code === 'ECANCELED') {
      return new ApiError(499, 'cancelled', 'The transfer was cancelled.');
    }
    const code = err.code ?? '';
    if (
      ['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH'].includes(code) ||
      name === 'TimeoutError'
    ) {
      return new ApiError(502, 'endpoint_unreachable', `Cannot reach ${where} (${code || name}).`);
    }
    if (status !== undefined && status >= 500) {
      // The endpoint failed on its side: say so, with what was asked, rather than a bare code.
      const subject = key ? `"${key.slice(0, 200)}" in "${bucket}"` : bucket ? `the bucket "${bucket}"` : 'the request';
      return new ApiError(
        502,
        'endpoint_error',
        `${where} failed with an internal error (HTTP ${status}${name && !/^HTTP\d+$/.test(name) ? `, ${name}` : ''}) on ${subject}; try again later, or ask its operator.`
      );
    }
    return new ApiError(
      502,
      'endpoint_error',
      `${where} answered with an error: ${name || status || 'unknown'}${err.message ? ` (${err.message.slice(0, 200)})` : ''}.`
    );
  }

  private _client: S3Client;
  private _bulk = new BulkWorker();
}
