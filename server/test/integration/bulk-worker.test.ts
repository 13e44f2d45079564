/**
 * The bulk worker on its own, against a loopback HTTP server that answers ranged GETs:
 * bytes land at their offset with their CRC-32; error answers, cancellation and the loss of
 * the worker reach the caller; nothing is written after a call settles.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { BulkWorker } from '../../src/platform/s3/bulk';
import type { ISignedRequest } from '../../src/platform/s3/lean';

const DATA = crypto.randomBytes(3 * 1024 * 1024 + 17);
let server: http.Server;
let port = 0;
let dir: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atelier-bulk-'));
  server = http.createServer((req, res) => {
    if (req.url === '/missing') {
      res.writeHead(404, { 'Content-Type': 'application/xml' });
      res.end('<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>');
      return;
    }
    const [, a, b] = /^bytes=(\d+)-(\d+)$/.exec(String(req.headers.range))!;
    const start = Number(a);
    const end = Number(b);
    res.writeHead(206, {
      'Content-Range': `bytes ${start}-${end}/${DATA.length}`,
      'Content-Length': String(end - start + 1),
      ETag: '"e1"'
    });
    if (req.url === '/slow') {
      // Half now, the rest never: the request hangs until it is cancelled.
      res.write(DATA.subarray(start, start + Math.floor((end - start + 1) / 2)));
      return;
    }
    res.end(DATA.subarray(start, end + 1));
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise(resolve => server.close(resolve));
  fs.rmSync(dir, { recursive: true, force: true });
});

function get(p: string, start: number, end: number): ISignedRequest {
  return {
    method: 'GET',
    protocol: 'http:',
    hostname: '127.0.0.1',
    port,
    path: p,
    headers: { range: `bytes=${start}-${end}` }
  };
}

it('writes ranges at their offsets and returns their CRC-32', async () => {
  const worker = new BulkWorker();
  const file = path.join(dir, 'whole.bin');
  const handle = await fs.promises.open(file, 'w');
  let progress = 0;
  try {
    const half = 1024 * 1024 + 5;
    const results = await Promise.all([
      worker.fetchRange(get('/obj', half, DATA.length - 1), handle.fd, half, DATA.length - half, n => (progress += n)),
      worker.fetchRange(get('/obj', 0, half - 1), handle.fd, 0, half, n => (progress += n))
    ]);
    expect(results[0]).toMatchObject({
      crc: zlib.crc32(DATA.subarray(half)),
      received: DATA.length - half,
      etag: '"e1"'
    });
    expect(results[1]).toMatchObject({
      crc: zlib.crc32(DATA.subarray(0, half)),
      contentRange: `bytes 0-${half - 1}/${DATA.length}`
    });
  } finally {
    await handle.close();
    await worker.close();
  }
  expect(progress).toBe(DATA.length);
  expect(fs.readFileSync(file).equals(DATA)).toBe(true);
});

it('passes error answers on in the SDK shape, and stops a range when asked', async () => {
  const worker = new BulkWorker();
  const handle = await fs.promises.open(path.join(dir, 'errors.bin'), 'w');
  try {
    await expect(worker.fetchRange(get('/missing', 0, 9), handle.fd, 0, 10, () => undefined)).rejects.toMatchObject({
      name: 'NoSuchKey',
      $metadata: { httpStatusCode: 404 }
    });
    const stop = new AbortController();
    const slow = worker.fetchRange(
      get('/slow', 0, DATA.length - 1),
      handle.fd,
      0,
      DATA.length,
      () => undefined,
      stop.signal
    );
    setTimeout(() => stop.abort(), 200);
    await expect(slow).rejects.toMatchObject({ code: 'ECANCELED' });
  } finally {
    await handle.close();
    await worker.close();
  }
});

it('fails what was under way when the worker stops, after its writes had time to land', async () => {
  const worker = new BulkWorker();
  const handle = await fs.promises.open(path.join(dir, 'lost.bin'), 'w');
  try {
    const slow = worker.fetchRange(get('/slow', 0, DATA.length - 1), handle.fd, 0, DATA.length, () => undefined);
    await new Promise(resolve => setTimeout(resolve, 200));
    const stopped = Date.now();
    await worker.close();
    await expect(slow).rejects.toMatchObject({ code: 'EWORKER' });
    expect(Date.now() - stopped).toBeGreaterThanOrEqual(900);
    // The next request starts a new worker.
    const again = await worker.fetchRange(get('/obj', 0, 9), handle.fd, 0, 10, () => undefined);
    expect(again.crc).toBe(zlib.crc32(DATA.subarray(0, 10)));
  } finally {
    await handle.close();
    await worker.close();
  }
});
