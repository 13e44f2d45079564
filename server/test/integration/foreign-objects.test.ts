/**
 * Large objects another tool uploaded (no Atelier CRC-32 stored with them) come down to the
 * workspace in parallel ranges like Atelier's own, checked by their MD5 where the ETag is
 * one, computed in order as the ranges land; against a real s3rver:
 *  - put with one plain PutObject: whole and correct, fetched in ranges;
 *  - damaged in s3rver's own files after the upload (the ETag it keeps is the old MD5): the
 *    checksum error, and nothing in the workspace;
 *  - its first range held back until every other range has landed: still whole and correct,
 *    and a stop meanwhile stops it and leaves nothing;
 *  - uploaded in parts: whole and correct, also where the ETag is a multipart one ("…-N",
 *    as S3 answers; s3rver's is the MD5 of the whole, so a proxy in front of it rewrites it),
 *    which is no MD5 and is checked by size.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand
} from '@aws-sdk/client-s3';
import { IGateway, startGateway } from '../support/atelier';
import { ApiClient } from '../support/client';
import { IS3Server, startS3rver } from '../support/s3rver';

const MIB = 1024 * 1024;

/**
 * A loopback proxy in front of s3rver that records the object GETs it forwards (their Range),
 * can hold back the GET of an object's first range until `release()`, and can answer every
 * ETag of one key in the multipart form.
 */
interface IProxy {
  server: http.Server;
  endpoint: string;
  /** The Range header of each object GET, in the order they came (`''` for a whole GET). */
  gets: { key: string; range: string }[];
  /** Hold the first range of `key` (bytes=0-…) until `release()`; `onHeld` hears when it is held. */
  hold(key: string, onHeld: () => void): void;
  release(): void;
  /** Answer the ETag of `key` as `etag` (s3rver checks no If-Match, so ranges still pin to it). */
  etags: Map<string, string>;
}

function startProxy(target: string): Promise<IProxy> {
  const upstream = new URL(target);
  let held: { key: string; onHeld: () => void; waiting: (() => void)[] } | null = null;
  const proxy: IProxy = {
    server: null as unknown as http.Server,
    endpoint: '',
    gets: [],
    etags: new Map(),
    hold: (key, onHeld) => {
      held = { key, onHeld, waiting: [] };
    },
    release: () => {
      const waiting = held?.waiting ?? [];
      held = null;
      waiting.forEach(go => go());
    }
  };
  proxy.server = http.createServer((req, res) => {
    const key = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname.split('/').slice(2).join('/'));
    const range = String(req.headers.range ?? '');
    const isObjectGet = req.method === 'GET' && key !== '' && !/[?&](uploads|list-type|prefix)/.test(req.url ?? '');
    if (isObjectGet) {
      proxy.gets.push({ key, range });
    }
    const forward = () => {
      if (res.destroyed) {
        return; // its client went away while it was held
      }
      const out = http.request(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
        answer => {
          const headers = { ...answer.headers };
          const etag = proxy.etags.get(key);
          if (etag && headers.etag) {
            headers.etag = `"${etag}"`;
          }
          res.writeHead(answer.statusCode ?? 502, headers);
          answer.pipe(res);
          answer.on('error', () => res.destroy());
        }
      );
      out.on('error', () => res.destroy());
      // A client that goes away mid-answer drops the request upstream too: an answer left
      // unread would hold s3rver's connection, and its close, open.
      res.on('close', () => {
        if (!res.writableFinished) {
          out.destroy();
        }
      });
      req.pipe(out);
    };
    res.on('error', () => undefined);
    if (held && isObjectGet && key === held.key && range.startsWith('bytes=0-')) {
      held.waiting.push(forward);
      held.onHeld();
      return;
    }
    forward();
  });
  return new Promise(resolve =>
    proxy.server.listen(0, '127.0.0.1', () => {
      proxy.endpoint = `http://127.0.0.1:${(proxy.server.address() as AddressInfo).port}`;
      resolve(proxy);
    })
  );
}

let s3: IS3Server;
let proxy: IProxy;
let gw: IGateway;
let sdk: S3Client;

beforeAll(async () => {
  s3 = await startS3rver(['data']);
  proxy = await startProxy(s3.endpoint);
  const credentials = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'atelier-cred-')), 'credentials.json');
  fs.writeFileSync(credentials, JSON.stringify({ accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey }), {
    mode: 0o600
  });
  gw = await startGateway({
    // 5 MiB ranges, three at a time: a 23 MiB object is five ranges, landing in any order.
    'storage.partSizeMiB': 5,
    'storage.concurrency': 3,
    'storage.endpoints': [{ id: 's3', endpoint: proxy.endpoint, credentials: { file: credentials } }]
  });
  // Another tool: the AWS SDK with nothing but what S3 requires (no checksums of its own).
  sdk = new S3Client({
    endpoint: s3.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED'
  });
});

afterAll(async () => {
  sdk?.destroy();
  // A range still held would keep the service's close waiting for its transfer.
  proxy?.release();
  await gw?.close();
  // Kept-alive connections would hold close() open until they time out.
  proxy?.server.closeAllConnections();
  await new Promise(resolve => proxy?.server.close(resolve));
  await s3?.stop();
});

const client = () => new ApiClient(gw);
const md5 = (data: Buffer) => crypto.createHash('md5').update(data).digest('hex');

async function putForeign(key: string, content: Buffer): Promise<void> {
  await sdk.send(new PutObjectCommand({ Bucket: 'data', Key: key, Body: content }));
}

/** Starts a copy of `key` to `rel` in the workspace; returns the transfer's id. */
async function download(key: string, rel: string): Promise<string> {
  const created = await client().call('POST', 'transfers', {
    direction: 'to-workspace',
    endpoint: 's3',
    bucket: 'data',
    key,
    path: rel
  });
  expect(created.status).toBe(201);
  return created.json().id;
}

/** The ranges the object GETs of `key` asked for, as [start, end], in order; a whole GET fails. */
function rangesOf(key: string): [number, number][] {
  return proxy.gets
    .filter(g => g.key === key)
    .map(g => {
      const match = /^bytes=(\d+)-(\d+)$/.exec(g.range);
      expect(match).not.toBeNull();
      return [Number(match![1]), Number(match![2])] as [number, number];
    })
    .sort((a, b) => a[0] - b[0]);
}

/** What a folder of the workspace holds, temporary files included. */
function listing(rel: string): string[] {
  const dir = path.join(gw.workspace, rel);
  return fs.existsSync(dir) ? fs.readdirSync(dir).sort() : [];
}

describe('large objects another tool uploaded', () => {
  it('come down in ranges, checked by their MD5', async () => {
    const content = crypto.randomBytes(23 * MIB + 5);
    await putForeign('foreign/plain.bin', content);
    const stat = await client().call('GET', 'storage/endpoints/s3/buckets/data/stat?key=foreign%2Fplain.bin');
    expect(stat.json()).toMatchObject({ size: content.length, etag: md5(content), md5: md5(content) });
    expect(stat.json().crc32).toBeUndefined();

    proxy.gets.length = 0;
    const done = await client().transfers.waitFor(await download('foreign/plain.bin', 'foreign/plain.bin'));
    expect(done.state).toBe('completed');
    expect(md5(fs.readFileSync(path.join(gw.workspace, 'foreign/plain.bin')))).toBe(md5(content));
    // Ranges of at most 5 MiB (the first three growing to it), each asked for once, covering
    // the object exactly, and no whole-object GET.
    const ranges = rangesOf('foreign/plain.bin');
    const [first, second] = [Math.ceil((5 * MIB) / 3), Math.ceil((10 * MIB) / 3)];
    expect(ranges.map(([start, end]) => end - start + 1)).toEqual([
      first,
      second,
      5 * MIB,
      5 * MIB,
      5 * MIB,
      content.length - first - second - 15 * MIB
    ]);
    ranges.forEach(([start], i) => expect(start).toBe(i === 0 ? 0 : ranges[i - 1][1] + 1));
    expect(listing('foreign')).toEqual(['plain.bin']);
  });

  it('fail with the checksum error and leave nothing when the stored bytes no longer match their MD5', async () => {
    const content = crypto.randomBytes(17 * MIB + 1);
    await putForeign('foreign/rotten.bin', content);
    // Damage the object where s3rver keeps it: same size, one byte changed in the fourth range;
    // s3rver still answers with the ETag (MD5) it computed at the upload.
    const stored = path.join(s3.dir, 'data', 'foreign', 'rotten.bin._S3rver_object');
    const fd = fs.openSync(stored, 'r+');
    const byte = Buffer.alloc(1);
    fs.readSync(fd, byte, 0, 1, 16 * MIB);
    byte[0] ^= 0x01;
    fs.writeSync(fd, byte, 0, 1, 16 * MIB);
    fs.closeSync(fd);
    const stat = await client().call('GET', 'storage/endpoints/s3/buckets/data/stat?key=foreign%2Frotten.bin');
    expect(stat.json()).toMatchObject({ size: content.length, md5: md5(content) });

    fs.mkdirSync(path.join(gw.workspace, 'rotten'), { recursive: true });
    const failed = await client().transfers.waitFor(await download('foreign/rotten.bin', 'rotten/rotten.bin'));
    expect(failed.state).toBe('failed');
    expect(failed.error).toMatchObject({
      code: 'checksum_mismatch',
      message: '"foreign/rotten.bin" arrived damaged (its MD5 differs from its ETag); nothing was written.'
    });
    expect(listing('rotten')).toEqual([]);
  });

  it('are hashed in order when the first range lands last, and a stop meanwhile leaves nothing', async () => {
    const content = crypto.randomBytes(23 * MIB + 5);
    await putForeign('foreign/late.bin', content);

    // The first range waits until the four others have landed.
    let heard: () => void = () => undefined;
    const held = new Promise<void>(resolve => (heard = resolve));
    proxy.hold('foreign/late.bin', () => heard());
    const id = await download('foreign/late.bin', 'late/late.bin');
    await held;
    const rest = content.length - Math.ceil((5 * MIB) / 3);
    // (Its first range is the shortest: the first three grow to 5 MiB.)
    let during = await client().transfers.get(id);
    for (let i = 0; i < 500 && during.bytesDone < rest; i++) {
      await new Promise(resolve => setTimeout(resolve, 20));
      during = await client().transfers.get(id);
    }
    // The four other ranges are in the file; the hash waits at offset 0.
    expect(during).toMatchObject({ state: 'running', bytesDone: rest });
    proxy.release();
    const done = await client().transfers.waitFor(id);
    expect(done.state).toBe('completed');
    expect(md5(fs.readFileSync(path.join(gw.workspace, 'late/late.bin')))).toBe(md5(content));

    // Stopped while the first range is held back: the transfer stops, and no file is left.
    proxy.hold('foreign/late.bin', () => heard());
    const again = new Promise<void>(resolve => (heard = resolve));
    const stopping = await download('foreign/late.bin', 'late/stopped.bin');
    await again;
    const answer = await client().call('POST', `transfers/${stopping}/stop`, {});
    expect([answer.status, answer.data.state]).toEqual([200, 'stopped']);
    // What it wrote is gone by the time the stop is answered, with the held range still out.
    expect(listing('late')).toEqual(['late.bin']);
    const stopped = await client().transfers.waitFor(stopping);
    proxy.release();
    expect(stopped.state).toBe('stopped');
    expect(listing('late')).toEqual(['late.bin']);
  });

  it('uploaded in parts come down whole, by MD5 where the ETag is one and by size where it is "…-N"', async () => {
    const parts = [crypto.randomBytes(5 * MIB), crypto.randomBytes(5 * MIB), crypto.randomBytes(3 * MIB + 11)];
    const content = Buffer.concat(parts);
    const upload = async (key: string) => {
      const { UploadId } = await sdk.send(new CreateMultipartUploadCommand({ Bucket: 'data', Key: key }));
      const done = [];
      for (let i = 0; i < parts.length; i++) {
        const part = await sdk.send(
          new UploadPartCommand({ Bucket: 'data', Key: key, UploadId, PartNumber: i + 1, Body: parts[i] })
        );
        done.push({ PartNumber: i + 1, ETag: part.ETag });
      }
      await sdk.send(
        new CompleteMultipartUploadCommand({ Bucket: 'data', Key: key, UploadId, MultipartUpload: { Parts: done } })
      );
    };

    // s3rver's ETag of an assembled upload is the whole object's MD5: checked by it.
    await upload('foreign/parts.bin');
    const plain = await client().call('GET', 'storage/endpoints/s3/buckets/data/stat?key=foreign%2Fparts.bin');
    expect(plain.json()).toMatchObject({ size: content.length, md5: md5(content) });
    const first = await client().transfers.waitFor(await download('foreign/parts.bin', 'parts/plain.bin'));
    expect(first.state).toBe('completed');
    expect(md5(fs.readFileSync(path.join(gw.workspace, 'parts/plain.bin')))).toBe(md5(content));

    // S3's: the MD5 of the parts' MD5s, "-3". Not the object's MD5, so not taken for one.
    await upload('foreign/s3-parts.bin');
    const multipart = `${md5(Buffer.concat(parts.map(p => crypto.createHash('md5').update(p).digest())))}-3`;
    proxy.etags.set('foreign/s3-parts.bin', multipart);
    const stat = await client().call('GET', 'storage/endpoints/s3/buckets/data/stat?key=foreign%2Fs3-parts.bin');
    expect(stat.json()).toMatchObject({ size: content.length, etag: multipart });
    expect(stat.json().md5).toBeUndefined();
    proxy.gets.length = 0;
    const second = await client().transfers.waitFor(await download('foreign/s3-parts.bin', 'parts/s3.bin'));
    expect(second.state).toBe('completed');
    expect(md5(fs.readFileSync(path.join(gw.workspace, 'parts/s3.bin')))).toBe(md5(content));
    // In ranges as well, all the same size (a CRC-32 combines from any; no MD5 to follow).
    expect(rangesOf('foreign/s3-parts.bin').map(([start, end]) => end - start + 1)).toEqual([
      5 * MIB,
      5 * MIB,
      3 * MIB + 11
    ]);
    expect(listing('parts')).toEqual(['plain.bin', 's3.bin']);
  });
});
