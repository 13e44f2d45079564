import * as crypto from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';
import { IGateway, request, startGateway } from '../support/atelier';
import { ApiClient } from '../support/client';
import { awscli, IS3Server, startCorruptingProxy, startS3rver } from '../support/s3rver';

let gw: IGateway;
let s3: IS3Server;
let corruptor: http.Server;
let credentials: string;

beforeAll(async () => {
  s3 = await startS3rver(['data']);
  corruptor = await startCorruptingProxy(s3.endpoint, { put: true });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atelier-cred-'));
  credentials = path.join(dir, 'credentials.json');
  fs.writeFileSync(credentials, JSON.stringify({ accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey }), {
    mode: 0o600
  });
  gw = await startGateway({
    'storage.partSizeMiB': 5,
    'storage.endpoints': [
      { id: 's3', name: 'Test S3', endpoint: s3.endpoint, credentials: { file: credentials } },
      {
        id: 'corrupt',
        endpoint: `http://127.0.0.1:${(corruptor.address() as AddressInfo).port}`,
        credentials: { file: credentials }
      }
    ]
  });
});

afterAll(async () => {
  await gw?.close();
  await new Promise(resolve => corruptor?.close(resolve));
  await s3?.stop();
});

const headers = () => ({ Authorization: `token ${gw.token}` });
const api = (p: string) => `${gw.url}atelier/api/v1/storage/endpoints/${p}`;
const q = (o: Record<string, string | number | boolean>) =>
  Object.entries(o)
    .map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`)
    .join('&');

const client = () => new ApiClient(gw);
const put = (endpoint: string, bucket: string, key: string, body: Buffer | string) =>
  client().storage.put(endpoint, bucket, key, body);
const get = (endpoint: string, bucket: string, key: string) => client().storage.get(endpoint, bucket, key);
const listAll = (endpoint: string, bucket: string, prefix: string, delimiter = '', limit = 1000) =>
  client().storage.pages(endpoint, bucket, prefix, delimiter, limit);

it('lists the configured endpoints, and reports storage as a capability', async () => {
  const res = await request(`${gw.url}atelier/api/v1/storage/endpoints`, { headers: headers() });
  expect(res.json().endpoints.map((e: any) => e.id)).toEqual(['local', 's3', 'corrupt']);
  const status = await request(`${gw.url}atelier/api/v1/status`, { headers: headers() });
  expect(status.json().capabilities.storage).toBe(true);
  expect((await request(api('nope/buckets'), { headers: headers() })).status).toBe(404);
  // Credentials never leave the service.
  expect(res.body).not.toContain('S3RVER');
});

describe.each(['local', 's3'])('the %s endpoint', endpoint => {
  const bucket = endpoint === 'local' ? 'made-here' : 'data';

  beforeAll(async () => {
    if (endpoint === 'local') {
      const made = await request(api('local/buckets'), {
        method: 'POST',
        headers: { ...headers(), 'Content-Type': 'application/json' },
        body: JSON.stringify({ name: bucket })
      });
      expect(made.status).toBe(201);
    }
  });

  it('creates buckets and refuses bad or duplicate names', async () => {
    const post = (name: string) =>
      request(api(`${endpoint}/buckets`), {
        method: 'POST',
        headers: { ...headers(), 'Content-Type': 'application/json' },
        body: JSON.stringify({ name })
      });
    expect((await post('second-bucket')).status).toBe(201);
    const list = await request(api(`${endpoint}/buckets`), { headers: headers() });
    expect(list.json().buckets.map((b: any) => b.name)).toEqual(expect.arrayContaining([bucket, 'second-bucket']));
    const bad = await post('Bad_Name');
    expect(bad.status).toBe(400);
    expect(bad.json().code).toBe('invalid_bucket');
    if (endpoint === 'local') {
      expect((await post('second-bucket')).status).toBe(409);
    }
    expect((await request(api(`${endpoint}/buckets/no-such-bucket/objects`), { headers: headers() })).status).toBe(404);
  });

  it('round-trips hostile keys and zero-byte objects exactly', async () => {
    const keys = [
      'hostile/with space.txt',
      'hostile/ünïcødé/ファイル.txt',
      'hostile/a+b=c.txt',
      'hostile/100%.txt',
      'hostile/hash#tag.txt',
      'hostile/what?.txt',
      `hostile/${'deep/'.repeat(12)}leaf.txt`,
      'hostile/empty.bin'
    ];
    for (const key of keys) {
      const body = key.endsWith('empty.bin') ? '' : `content of ${key}\n`;
      const res = await put(endpoint, bucket, key, body);
      expect(res.status).toBe(201);
      expect(res.json()).toMatchObject({ key, size: Buffer.byteLength(body) });
    }
    const listed = (await listAll(endpoint, bucket, 'hostile/')).flatMap(p => p.objects.map((o: any) => o.key));
    expect(listed.sort()).toEqual([...keys].sort());
    for (const key of keys) {
      const body = await get(endpoint, bucket, key);
      expect(body.toString()).toBe(key.endsWith('empty.bin') ? '' : `content of ${key}\n`);
    }
    const stat = await request(`${api(`${endpoint}/buckets/${bucket}/stat`)}?${q({ key: 'hostile/empty.bin' })}`, {
      headers: headers()
    });
    expect(stat.json()).toMatchObject({ key: 'hostile/empty.bin', size: 0 });
  });

  it('rejects keys that would escape or are malformed, with a clear 400', async () => {
    for (const key of ['../outside.txt', 'a/../../x', '/absolute', 'a//b', 'a/./b', 'bell\u0007.txt']) {
      const res = await put(endpoint, bucket, key, 'x');
      expect(res.status).toBe(400);
      expect(res.json().code).toBe('invalid_key');
      expect(res.json().message).toContain('not allowed');
    }
  });

  it('answers a rejected upload with its 4xx every time, whatever is left of the body', async () => {
    // The answer comes before the body is read; a proxy that sends the body after the headers
    // (jupyter-server-proxy) once met a closed connection about a third of the time, and said 500.
    const statuses = new Set<number>();
    for (let i = 0; i < 30; i++) {
      const res = await put(endpoint, bucket, i % 2 ? '../outside.txt' : 'a//b', Buffer.alloc(i % 3 ? 1 : 256 * 1024));
      statuses.add(res.status);
    }
    expect([...statuses]).toEqual([400]);
  });

  it('pages through listings with the continuation token', async () => {
    const names = Array.from({ length: 1050 }, (_, i) => `many/item-${String(i).padStart(5, '0')}.txt`);
    for (let i = 0; i < names.length; i += 25) {
      await Promise.all(names.slice(i, i + 25).map(key => put(endpoint, bucket, key, 'x')));
    }
    const pages = await listAll(endpoint, bucket, 'many/', '/');
    expect(pages.length).toBe(2);
    expect(pages[0].objects.length).toBe(1000);
    expect(pages.flatMap(p => p.objects.map((o: any) => o.key))).toEqual(names);
    const small = await listAll(endpoint, bucket, 'many/item-0000', '/', 3);
    expect(small.length).toBe(4);
    expect(small.flatMap(p => p.objects.map((o: any) => o.key))).toEqual(names.slice(0, 10));
    const bad = await request(
      `${api(`${endpoint}/buckets/${bucket}/objects`)}?${q({ prefix: 'many/', pageToken: endpoint === 'local' ? '!!' : 'bogus-token' })}`,
      { headers: headers() }
    );
    expect(bad.status).toBeGreaterThanOrEqual(400);
  });

  it('uploads a file larger than the part size in parts and reads it back identical', async () => {
    const big = crypto.randomBytes(12 * 1024 * 1024 + 123);
    const res = await put(endpoint, bucket, 'big/model.bin', big);
    expect(res.status).toBe(201);
    if (endpoint === 's3') {
      // A peer client reads back what Atelier wrote: same size, same ETag.
      const aws = awscli(s3, ['s3api', 'head-object', '--bucket', 'data', '--key', 'big/model.bin']);
      if (aws) {
        expect(aws.ContentLength).toBe(big.length);
        expect(aws.ETag.replace(/"/g, '')).toBe(res.json().etag);
      }
    }
    const back = await get(endpoint, bucket, 'big/model.bin');
    expect(crypto.createHash('sha256').update(back).digest('hex')).toBe(
      crypto.createHash('sha256').update(big).digest('hex')
    );
  });

  it('creates folders, hides their placeholder inside them, copies, moves and deletes recursively', async () => {
    const folder = await request(api(`${endpoint}/buckets/${bucket}/folders`), {
      method: 'POST',
      headers: { ...headers(), 'Content-Type': 'application/json' },
      body: JSON.stringify({ key: 'proj/empty' })
    });
    expect(folder.status).toBe(201);
    const root = (await listAll(endpoint, bucket, 'proj/', '/'))[0];
    expect(root.prefixes).toEqual(['proj/empty/']);
    expect((await listAll(endpoint, bucket, 'proj/empty/', '/'))[0]).toMatchObject({ prefixes: [], objects: [] });

    await put(endpoint, bucket, 'proj/src/a.txt', 'A');
    await put(endpoint, bucket, 'proj/src/sub/b.txt', 'BB');
    const copy = (body: object) =>
      request(api(`${endpoint}/buckets/${bucket}/copy`), {
        method: 'POST',
        headers: { ...headers(), 'Content-Type': 'application/json' },
        body: JSON.stringify(body)
      });
    expect((await copy({ from: 'proj/src/', to: 'proj/copy/' })).json()).toEqual({ copied: 2, moved: false });
    expect((await get(endpoint, bucket, 'proj/copy/sub/b.txt')).toString()).toBe('BB');
    const conflict = await copy({ from: 'proj/src/a.txt', to: 'proj/copy/a.txt' });
    expect(conflict.status).toBe(409);
    expect(conflict.json().code).toBe('exists');
    expect((await copy({ from: 'proj/src/a.txt', to: 'proj/copy/a.txt', overwrite: true })).status).toBe(200);
    expect((await copy({ from: 'proj/src/', to: 'proj/src/inner/' })).status).toBe(400);
    expect((await copy({ from: 'proj/copy/', to: 'proj/moved/', move: true })).json()).toEqual({
      copied: 2,
      moved: true
    });
    expect((await listAll(endpoint, bucket, 'proj/copy/'))[0].objects).toEqual([]);

    const count = await request(`${api(`${endpoint}/buckets/${bucket}/count`)}?${q({ prefix: 'proj/' })}`, {
      headers: headers()
    });
    expect(count.json()).toMatchObject({ objects: 4, bytes: 6 });
    const del = await request(`${api(`${endpoint}/buckets/${bucket}/objects`)}?${q({ prefix: 'proj/' })}`, {
      method: 'DELETE',
      headers: headers()
    });
    expect(del.json()).toEqual({ deleted: 4 });
    const after = (await listAll(endpoint, bucket, 'proj/'))[0];
    expect(after.objects).toEqual([]);
    const gone = await request(`${api(`${endpoint}/buckets/${bucket}/objects`)}?${q({ key: 'proj/src/a.txt' })}`, {
      method: 'DELETE',
      headers: headers()
    });
    expect(gone.status).toBe(404);
  });

  it('lists an object whose whole key is the prefix, first among the keys it begins', async () => {
    for (const key of ['exact/notes.txt', 'exact/notes.txt.bak']) {
      expect((await put(endpoint, bucket, key, key)).status).toBe(201);
    }
    const [page] = await listAll(endpoint, bucket, 'exact/notes.txt', '/', 1);
    expect(page.objects.map((o: any) => o.key)).toEqual(['exact/notes.txt']);
  });

  it('counts what a folder delete takes: objects, bytes, and folders, empty ones included', async () => {
    expect((await put(endpoint, bucket, 'tree/a/file.txt', 'abc')).status).toBe(201);
    for (const key of ['tree/a/empty/', 'tree/b/']) {
      const made = await request(`${api(`${endpoint}/buckets/${bucket}/folders`)}`, {
        method: 'POST',
        headers: { ...headers(), 'Content-Type': 'application/json' },
        body: JSON.stringify({ key })
      });
      expect(made.status).toBe(201);
    }
    const count = await request(`${api(`${endpoint}/buckets/${bucket}/count`)}?${q({ prefix: 'tree/' })}`, {
      headers: headers()
    });
    expect(count.json()).toEqual({ objects: 1, bytes: 3, folders: 3 });
  });

  it('previews small objects only, and serves objects as inert downloads', async () => {
    await put(endpoint, bucket, 'view/page.html', '<script>alert(1)</script>');
    const res = await request(
      `${api(`${endpoint}/buckets/${bucket}/object`)}?${q({ key: 'view/page.html', download: true })}`,
      { headers: headers() }
    );
    expect(res.headers['content-disposition']).toContain('attachment');
    expect(res.headers['content-security-policy']).toContain('sandbox');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    const tooBig = await request(
      `${api(`${endpoint}/buckets/${bucket}/object`)}?${q({ key: 'big/model.bin', preview: true })}`,
      { headers: headers() }
    );
    expect(tooBig.status).toBe(413);
    expect(tooBig.json().code).toBe('too_large_to_preview');
  });
});

describe('integrity', () => {
  it('detects data damaged on the way and leaves no object behind', async () => {
    const small = await put('corrupt', 'data', 'damaged/small.txt', 'precious data');
    expect(small.status).toBe(502);
    expect(small.json().code).toBe('checksum_mismatch');
    const big = await put('corrupt', 'data', 'damaged/big.bin', crypto.randomBytes(6 * 1024 * 1024));
    expect(big.status).toBe(502);
    expect(big.json().code).toBe('checksum_mismatch');
    for (const key of ['damaged/small.txt', 'damaged/big.bin']) {
      const stat = await request(`${api('s3/buckets/data/stat')}?${q({ key })}`, { headers: headers() });
      expect(stat.status).toBe(404);
    }
  });

  it('keeps a local object whole when its upload breaks off', async () => {
    // Announce more bytes than are sent, then hang up: the key must not appear.
    await new Promise<void>(resolve => {
      const req = http.request(`${api('local/buckets/made-here/object')}?${q({ key: 'partial/cut.bin' })}`, {
        method: 'PUT',
        headers: { ...headers(), 'Content-Type': 'application/octet-stream', 'Content-Length': 1000000 }
      });
      req.on('error', () => resolve());
      req.write(Buffer.alloc(1000));
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 300);
    });
    await new Promise(resolve => setTimeout(resolve, 300));
    const stat = await request(`${api('local/buckets/made-here/stat')}?${q({ key: 'partial/cut.bin' })}`, {
      headers: headers()
    });
    expect(stat.status).toBe(404);
    const tmp = path.join(gw.dataDir, 'buckets', '.atelier-tmp');
    expect(fs.readdirSync(tmp)).toEqual([]);
  });
});
