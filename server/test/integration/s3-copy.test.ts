/**
 * Copies of objects too large for CopyObject (5 GiB on S3 and OBS), with the limit lowered
 * so that small objects take that path:
 *  - against s3rver, which has no UploadPartCopy: the copy is streamed through the service;
 *  - against a loopback stand-in that answers UploadPartCopy as S3's API reference describes
 *    it: the requests Atelier sends (ranges covering the object exactly, pinned to the
 *    source's ETag, the source's CRC-32 carried over) and the completion that follows.
 */
import * as crypto from 'crypto';
import * as http from 'http';
import type { AddressInfo } from 'net';
import { Readable } from 'stream';
import { S3ObjectStore } from '../../src/platform/s3/storage';
import { IS3Server, startS3rver } from '../support/s3rver';

const MIB = 1024 * 1024;

function store(endpoint: string, credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }): S3ObjectStore {
  return new S3ObjectStore(
    { id: 'test', name: 'test', kind: 's3', scheme: 's3' },
    {
      endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials,
      partSize: 5 * MIB,
      concurrency: 3,
      copyLimit: 1 * MIB,
      copyPartSize: 5 * MIB
    }
  );
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) {
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

describe('large copies against s3rver (no UploadPartCopy)', () => {
  let s3: IS3Server;
  let client: S3ObjectStore;
  beforeAll(async () => {
    s3 = await startS3rver(['data']);
    client = store(s3.endpoint);
  });
  afterAll(async () => {
    client?.close();
    await s3?.stop();
  });

  it('streams the copy through the service and checks it', async () => {
    const content = crypto.randomBytes(12 * MIB + 5);
    await client.write('data', 'src/big.bin', Readable.from([content]), { size: content.length });
    const copied = await client.copy('data', 'src/big.bin', 'data', 'dst/big copy.bin');
    expect(copied.size).toBe(content.length);
    const back = await client.read('data', 'dst/big copy.bin');
    expect((await readAll(back.stream)).equals(content)).toBe(true);
    // Small objects still go through CopyObject, on the server.
    await client.write('data', 'src/small.txt', Readable.from([Buffer.from('small')]), { size: 5 });
    expect((await client.copy('data', 'src/small.txt', 'data', 'dst/small.txt')).size).toBe(5);
  });
});

describe('large copies against an endpoint with UploadPartCopy (contract)', () => {
  const SIZE = 12 * MIB + 5;
  const ETAG = '0123456789abcdef0123456789abcdef-3';
  const CRC = 'y/Q5Jg==';
  let server: http.Server;
  let endpoint = '';
  const seen: { method: string; url: string; headers: http.IncomingHttpHeaders; body: string }[] = [];
  let copied = false;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', chunk => (body += chunk));
      req.on('end', () => {
        seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
        const url = new URL(req.url!, 'http://stand-in');
        const xml = (text: string) => {
          res.writeHead(200, { 'Content-Type': 'application/xml' });
          res.end(`<?xml version="1.0" encoding="UTF-8"?>${text}`);
        };
        if (req.method === 'HEAD' && url.pathname === '/data/src/big.bin') {
          res.writeHead(200, {
            'Content-Length': String(SIZE),
            ETag: `"${ETAG}"`,
            'x-amz-meta-atelier-crc32': CRC,
            'Last-Modified': 'Sun, 22 Nov 2026 03:00:00 GMT'
          });
          res.end();
        } else if (req.method === 'POST' && url.searchParams.has('uploads')) {
          xml(
            '<InitiateMultipartUploadResult><Bucket>data</Bucket><Key>dst/big.bin</Key><UploadId>up+1/x</UploadId></InitiateMultipartUploadResult>'
          );
        } else if (req.method === 'PUT' && url.searchParams.has('partNumber')) {
          const n = url.searchParams.get('partNumber');
          xml(
            `<CopyPartResult><LastModified>2026-11-22T03:00:00.000Z</LastModified><ETag>"part-${n}"</ETag></CopyPartResult>`
          );
        } else if (req.method === 'POST' && url.searchParams.has('uploadId')) {
          copied = true;
          xml(
            '<CompleteMultipartUploadResult><Bucket>data</Bucket><Key>dst/big.bin</Key><ETag>"combined-3"</ETag></CompleteMultipartUploadResult>'
          );
        } else if (req.method === 'HEAD' && url.pathname === '/data/dst/big.bin' && copied) {
          res.writeHead(200, {
            'Content-Length': String(SIZE),
            ETag: '"combined-3"',
            'x-amz-meta-atelier-crc32': CRC,
            'Last-Modified': 'Sun, 22 Nov 2026 03:00:01 GMT'
          });
          res.end();
        } else {
          res.writeHead(501, { 'Content-Type': 'application/xml' });
          res.end('<Error><Code>NotImplemented</Code><Message>not in this stand-in</Message></Error>');
        }
      });
    });
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise(resolve => server.close(resolve));
  });

  it('copies part by part on the server, pinned to the source, and completes in order', async () => {
    const client = store(endpoint, { accessKeyId: 'AK', secretAccessKey: 'SK' });
    try {
      const info = await client.copy('data', 'src/big.bin', 'data', 'dst/big.bin');
      expect(info).toMatchObject({ size: SIZE, etag: 'combined-3', crc32: CRC });
    } finally {
      client.close();
    }
    const create = seen.find(r => r.method === 'POST' && r.url.includes('uploads'))!;
    expect(create.url.startsWith('/data/dst/big.bin?uploads')).toBe(true);
    // The source's CRC-32 goes with the copy.
    expect(create.headers['x-amz-meta-atelier-crc32']).toBe(CRC);

    const copies = seen.filter(r => r.method === 'PUT');
    expect(copies).toHaveLength(3);
    const ranges = copies
      .map(r => {
        const url = new URL(r.url, 'http://stand-in');
        expect(url.pathname).toBe('/data/dst/big.bin');
        expect(url.searchParams.get('uploadId')).toBe('up+1/x');
        expect(r.headers['x-amz-copy-source']).toBe('data/src/big.bin');
        expect(r.headers['x-amz-copy-source-if-match']).toBe(`"${ETAG}"`);
        expect(r.body).toBe('');
        return [Number(url.searchParams.get('partNumber')), r.headers['x-amz-copy-source-range']] as const;
      })
      .sort((a, b) => a[0] - b[0]);
    // The ranges cover the source exactly, without gaps or overlaps.
    expect(ranges).toEqual([
      [1, `bytes=0-${5 * MIB - 1}`],
      [2, `bytes=${5 * MIB}-${10 * MIB - 1}`],
      [3, `bytes=${10 * MIB}-${SIZE - 1}`]
    ]);

    // The SDK's requests, like the lean client's, leave the payload out of the signature (OBS).
    expect(new Set(seen.map(r => r.headers['x-amz-content-sha256']))).toEqual(new Set(['UNSIGNED-PAYLOAD']));

    const complete = seen.find(r => r.method === 'POST' && r.url.includes('uploadId='))!;
    const listed = [
      ...complete.body.matchAll(/<Part><ETag>([^<]*)<\/ETag><PartNumber>(\d+)<\/PartNumber><\/Part>/g)
    ].map(m => [m[2], m[1].replace(/&quot;/g, '"')]);
    expect(listed).toEqual([
      ['1', '"part-1"'],
      ['2', '"part-2"'],
      ['3', '"part-3"']
    ]);
  });
});
