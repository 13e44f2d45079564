/**
 * The single-object S3 client's requests, as a server receives them: virtual-hosted and path
 * addressing (OBS endpoints use virtual-hosted style, `bucket.obs.<region>.myhuaweicloud.com`),
 * S3's key encoding, the SigV4 header layout, error shapes and the retry of a reset
 * connection. The server here is a loopback stand-in; name lookups of the endpoint's host go
 * to it.
 */
import { createHash, createHmac } from 'crypto';
import * as http from 'http';
import type { AddressInfo } from 'net';
import { encodeKey, LeanS3 } from '../../src/platform/s3/lean';

interface ISeen {
  method: string;
  host: string;
  url: string;
  headers: http.IncomingHttpHeaders;
}

let server: http.Server;
let port = 0;
const seen: ISeen[] = [];
let resetNext = 0;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    if (resetNext > 0) {
      resetNext -= 1;
      req.socket.destroy();
      return;
    }
    seen.push({ method: req.method!, host: req.headers.host!, url: req.url!, headers: req.headers });
    if (req.url!.includes('missing')) {
      res.writeHead(404, { 'Content-Type': 'application/xml' });
      res.end(
        '<?xml version="1.0"?><Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>'
      );
      return;
    }
    res.writeHead(200, {
      ETag: '"0123456789abcdef0123456789abcdef"',
      'Content-Length': '5',
      'Last-Modified': 'Sun, 22 Nov 2026 03:00:00 GMT'
    });
    res.end(req.method === 'HEAD' ? undefined : 'hello');
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise(resolve => server.close(resolve));
});

function client(forcePathStyle: boolean): LeanS3 {
  // Every name the endpoint uses (including bucket.obs.example.test) resolves to the stand-in.
  const lookup = ((_host: string, options: unknown, callback?: (...args: unknown[]) => void) => {
    const cb = (typeof options === 'function' ? options : callback) as (...args: unknown[]) => void;
    const all = typeof options === 'object' && options !== null && (options as { all?: boolean }).all;
    if (all) {
      cb(null, [{ address: '127.0.0.1', family: 4 }]);
    } else {
      cb(null, '127.0.0.1', 4);
    }
  }) as unknown as http.AgentOptions['lookup'];
  return new LeanS3({
    endpoint: `http://obs.example.test:${port}`,
    region: 'cn-north-4',
    forcePathStyle,
    credentials: { accessKeyId: 'AKEXAMPLE', secretAccessKey: 'secret' },
    httpAgent: new http.Agent({ keepAlive: true, lookup } as http.AgentOptions),
    httpsAgent: undefined as never
  });
}

test("keys are encoded as S3 canonical paths: every byte but unreserved characters, '/' kept", () => {
  expect(encodeKey("a b/c+d%e#f?g/ü/(x)!*'")).toBe('a%20b/c%2Bd%25e%23f%3Fg/%C3%BC/%28x%29%21%2A%27');
});

test('virtual-hosted style: the bucket in the host name, the key as the path, SigV4 headers', async () => {
  seen.length = 0;
  const res = await client(false).request('GET', 'my-bucket', 'data/a b+c.csv');
  res.body.resume();
  const request = seen[0];
  expect(request.host).toBe(`my-bucket.obs.example.test:${port}`);
  expect(request.url).toBe('/data/a%20b%2Bc.csv');
  expect(request.headers.authorization).toMatch(
    /^AWS4-HMAC-SHA256 Credential=AKEXAMPLE\/\d{8}\/cn-north-4\/s3\/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=[0-9a-f]{64}$/
  );
  // OBS takes SigV4 only with an unsigned (or streamed) payload.
  expect(request.headers['x-amz-content-sha256']).toBe('UNSIGNED-PAYLOAD');
  expect(request.headers['x-amz-date']).toMatch(/^\d{8}T\d{6}Z$/);
});

test('path style, and for dotted bucket names (which TLS wildcards do not cover)', async () => {
  seen.length = 0;
  (await client(true).request('HEAD', 'bucket', 'k')).body.resume();
  (await client(false).request('HEAD', 'my.bucket', 'k')).body.resume();
  expect(seen.map(s => [s.host, s.url])).toEqual([
    [`obs.example.test:${port}`, '/bucket/k'],
    [`obs.example.test:${port}`, '/my.bucket/k']
  ]);
});

test('a PUT sends its length and Content-MD5, and leaves its payload out of the signature', async () => {
  seen.length = 0;
  const body = Buffer.from('hello');
  (
    await client(false).request('PUT', 'b1', 'k', { body, headers: { 'content-md5': 'XUFAKrxLKna5cZ2REBfFkg==' } })
  ).body.resume();
  expect(seen[0].headers).toMatchObject({
    'content-length': '5',
    'content-md5': 'XUFAKrxLKna5cZ2REBfFkg==',
    'x-amz-content-sha256': 'UNSIGNED-PAYLOAD'
  });
  expect(seen[0].headers.authorization).toContain(
    'SignedHeaders=content-length;content-md5;host;x-amz-content-sha256;x-amz-date'
  );
});

/**
 * The SigV4 signature a server computes for a request it received, from AWS's published
 * algorithm (canonical request, string to sign, derived key), written out independently.
 */
function expectedSignature(request: ISeen, secret: string): string {
  const auth = /Credential=[^/]+\/(\d{8})\/([^/]+)\/s3\/aws4_request, SignedHeaders=([^,]+), Signature=/.exec(
    String(request.headers.authorization)
  )!;
  const [, date, region, signedHeaders] = auth;
  const [pathPart, queryPart = ''] = request.url.split('?');
  const query = queryPart
    .split('&')
    .filter(Boolean)
    .map(pair => pair.split('='))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v ?? ''}`)
    .join('&');
  const headers = signedHeaders
    .split(';')
    .map(name => `${name}:${String(request.headers[name]).trim()}\n`)
    .join('');
  const canonical = [
    request.method,
    pathPart,
    query,
    headers,
    signedHeaders,
    request.headers['x-amz-content-sha256']
  ].join('\n');
  const scope = `${date}/${region}/s3/aws4_request`;
  const toSign = [
    'AWS4-HMAC-SHA256',
    request.headers['x-amz-date'],
    scope,
    createHash('sha256').update(canonical).digest('hex')
  ].join('\n');
  const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();
  const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), 's3'), 'aws4_request');
  return createHmac('sha256', key).update(toSign).digest('hex');
}

test('a part goes up with its query signed, protected by Content-MD5', async () => {
  seen.length = 0;
  const body = Buffer.from('hello');
  const lean = client(false);
  const query = { partNumber: '3', uploadId: 'a/b+c=' };
  (
    await lean.request('PUT', 'b1', 'big file.bin', {
      body,
      query,
      headers: { 'content-md5': 'XUFAKrxLKna5cZ2REBfFkg==' }
    })
  ).body.resume();
  expect(seen[0].url).toBe('/big%20file.bin?partNumber=3&uploadId=a%2Fb%2Bc%3D');
  expect(seen[0].headers).toMatchObject({
    'content-md5': 'XUFAKrxLKna5cZ2REBfFkg==',
    'x-amz-content-sha256': 'UNSIGNED-PAYLOAD'
  });
  const signature = /Signature=([0-9a-f]{64})$/.exec(String(seen[0].headers.authorization))![1];
  expect(signature).toBe(expectedSignature(seen[0], 'secret'));
  // Without Content-MD5 nothing would protect the body: refused before anything is sent.
  await expect(lean.request('PUT', 'b1', 'k', { body })).rejects.toThrow('Content-MD5');
});

test('a signature as a server checks it, with the headers of a ranged read', async () => {
  seen.length = 0;
  (
    await client(true).request('GET', 'bucket', 'dir/ü (1).txt', {
      headers: { range: 'bytes=0-4', 'if-match': '"abc"' }
    })
  ).body.resume();
  const signature = /Signature=([0-9a-f]{64})$/.exec(String(seen[0].headers.authorization))![1];
  expect(signature).toBe(expectedSignature(seen[0], 'secret'));
  expect(signature).not.toBe(expectedSignature(seen[0], 'another secret'));
});

test("errors come back shaped like the SDK's, and a reset connection is retried", async () => {
  await expect(client(false).request('GET', 'b1', 'missing')).rejects.toMatchObject({
    name: 'NoSuchKey',
    message: 'The specified key does not exist.',
    $metadata: { httpStatusCode: 404 }
  });
  resetNext = 1;
  seen.length = 0;
  const res = await client(false).request('GET', 'b1', 'again');
  res.body.resume();
  expect(res.status).toBe(200);
  expect(seen).toHaveLength(1);
});
