import * as crypto from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import type { ITransfer } from '@atelier/api';
import { IGateway, request, startGateway } from '../support/atelier';
import { ApiClient } from '../support/client';
import { awscli, IS3Server, startCorruptingProxy, startS3rver } from '../support/s3rver';

let gw: IGateway & { root: string };
let s3: IS3Server;
let damaging: http.Server;
let flaky: http.Server;
let slow: http.Server;
/** Called when a part upload reaches the slow endpoint. */
let onSlowPart: () => void = () => undefined;
let storageConfig: Record<string, unknown>;

beforeAll(async () => {
  s3 = await startS3rver(['data']);
  const credentials = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'atelier-cred-')), 'credentials.json');
  fs.writeFileSync(credentials, JSON.stringify({ accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey }), {
    mode: 0o600
  });
  damaging = await startCorruptingProxy(s3.endpoint, { get: true });
  flaky = await startCorruptingProxy(s3.endpoint, { cut: 2 });
  slow = await startCorruptingProxy(s3.endpoint, { slowParts: 400, onPart: () => onSlowPart() });
  storageConfig = {
    'storage.partSizeMiB': 5,
    'storage.endpoints': [
      { id: 's3', endpoint: s3.endpoint, credentials: { file: credentials } },
      // The same server behind a faulty network that damages what is read.
      {
        id: 'damaged',
        endpoint: `http://127.0.0.1:${(damaging.address() as AddressInfo).port}`,
        credentials: { file: credentials }
      },
      // …and behind one that drops the first two connections that read an object, halfway.
      {
        id: 'flaky',
        endpoint: `http://127.0.0.1:${(flaky.address() as AddressInfo).port}`,
        credentials: { file: credentials }
      },
      // …and behind one on which every part upload takes 400 ms.
      {
        id: 'slow',
        endpoint: `http://127.0.0.1:${(slow.address() as AddressInfo).port}`,
        credentials: { file: credentials }
      }
    ]
  };
  gw = await startGateway(storageConfig);
  const made = await post('storage/endpoints/local/buckets', { name: 'local-data' });
  expect(made.status).toBe(201);
});

afterAll(async () => {
  await gw?.close();
  await new Promise(resolve => damaging?.close(resolve));
  await new Promise(resolve => flaky?.close(resolve));
  await new Promise(resolve => slow?.close(resolve));
  await s3?.stop();
});

const headers = () => ({ Authorization: `token ${gw.token}` });
const client = () => new ApiClient(gw);
const post = (p: string, body: unknown) => client().call('POST', p, body);
const waitFor = (id: string, states?: ITransfer['state'][]): Promise<any> => client().transfers.waitFor(id, states);

function write(rel: string, content: string | Buffer) {
  const file = path.join(gw.workspace, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
}

const objectBody = (endpoint: string, bucket: string, key: string) => client().storage.get(endpoint, bucket, key);

describe.each([
  ['local', 'local-data'],
  ['s3', 'data']
])('transfers with the %s endpoint', (endpoint, bucket) => {
  it('copies a workspace file to storage and back under another name, verified', async () => {
    const content = crypto.randomBytes(7 * 1024 * 1024 + 5);
    write(`${endpoint}/model.bin`, content);
    const created = await post('transfers', {
      direction: 'to-storage',
      endpoint,
      bucket,
      key: 'models/',
      path: `${endpoint}/model.bin`
    });
    expect(created.status).toBe(201);
    expect(created.json()).toMatchObject({ state: expect.stringMatching(/queued|running/), key: 'models/' });
    const done = await waitFor(created.json().id);
    expect(done).toMatchObject({
      state: 'completed',
      filesTotal: 1,
      filesDone: 1,
      bytesTotal: content.length,
      bytesDone: content.length
    });
    expect((await objectBody(endpoint, bucket, 'models/model.bin')).equals(content)).toBe(true);

    const back = await post('transfers', {
      direction: 'to-workspace',
      endpoint,
      bucket,
      key: 'models/model.bin',
      path: `${endpoint}/copy of model.bin`
    });
    expect(back.status).toBe(201);
    expect((await waitFor(back.json().id)).state).toBe('completed');
    expect(fs.readFileSync(path.join(gw.workspace, endpoint, 'copy of model.bin')).equals(content)).toBe(true);
    // No temporary file stays behind.
    expect(fs.readdirSync(path.join(gw.workspace, endpoint)).filter(n => n.includes('.part'))).toEqual([]);
  });

  it('moves whole folders both ways, with unicode names and nesting', async () => {
    const files: Record<string, string> = {
      'dataset/train.csv': 'a,b\n1,2\n',
      'dataset/images/çat 1.png': 'PNG',
      'dataset/deep/er/still #1.txt': 'deep',
      'dataset/empty.txt': ''
    };
    for (const [rel, content] of Object.entries(files)) {
      write(`${endpoint}/${rel}`, content);
    }
    const up = await post('transfers', {
      direction: 'to-storage',
      endpoint,
      bucket,
      key: 'sets/v1/',
      path: `${endpoint}/dataset`
    });
    expect(up.status).toBe(201);
    expect(await waitFor(up.json().id)).toMatchObject({ state: 'completed', filesTotal: 4, filesDone: 4 });
    for (const [rel, content] of Object.entries(files)) {
      expect((await objectBody(endpoint, bucket, `sets/v1/${rel.slice('dataset/'.length)}`)).toString()).toBe(content);
    }
    const down = await post('transfers', {
      direction: 'to-workspace',
      endpoint,
      bucket,
      key: 'sets/v1/',
      path: `${endpoint}/restored`
    });
    expect(await waitFor(down.json().id)).toMatchObject({ state: 'completed', filesDone: 4 });
    for (const [rel, content] of Object.entries(files)) {
      expect(fs.readFileSync(path.join(gw.workspace, endpoint, 'restored', rel.slice('dataset/'.length)), 'utf8')).toBe(
        content
      );
    }
  });

  it('refuses a folder whose targets exist, naming how many, before anything moves; overwrite replaces them', async () => {
    for (let i = 0; i < 12; i++) {
      write(`${endpoint}/many/f${i}.txt`, `new ${i}`);
    }
    for (const i of [2, 5, 9]) {
      expect((await client().storage.put(endpoint, bucket, `many/f${i}.txt`, `old ${i}`)).status).toBe(201);
    }
    const refused = await post('transfers', {
      direction: 'to-storage',
      endpoint,
      bucket,
      key: 'many/',
      path: `${endpoint}/many`
    });
    expect(refused.status).toBe(409);
    expect(refused.json().message).toMatch(/^3 targets already exist, e\.g\. "many\/f(2|5|9)\.txt"/);
    expect((await objectBody(endpoint, bucket, 'many/f5.txt')).toString()).toBe('old 5');
    const pages = await client().storage.pages(endpoint, bucket, 'many/');
    expect(pages.flatMap(p => p.objects).length).toBe(3);
    const forced = await post('transfers', {
      direction: 'to-storage',
      endpoint,
      bucket,
      key: 'many/',
      path: `${endpoint}/many`,
      overwrite: true
    });
    expect(await waitFor(forced.json().id)).toMatchObject({ state: 'completed', filesDone: 12 });
    expect((await objectBody(endpoint, bucket, 'many/f5.txt')).toString()).toBe('new 5');
  });

  it('refuses to overwrite unless asked, before anything moves', async () => {
    write(`${endpoint}/note.txt`, 'first');
    const first = await post('transfers', {
      direction: 'to-storage',
      endpoint,
      bucket,
      key: 'notes/note.txt',
      path: `${endpoint}/note.txt`
    });
    await waitFor(first.json().id);
    write(`${endpoint}/note.txt`, 'second');
    const again = await post('transfers', {
      direction: 'to-storage',
      endpoint,
      bucket,
      key: 'notes/note.txt',
      path: `${endpoint}/note.txt`
    });
    expect(again.status).toBe(409);
    expect(again.json().message).toMatch(/already exists/);
    expect((await objectBody(endpoint, bucket, 'notes/note.txt')).toString()).toBe('first');
    const forced = await post('transfers', {
      direction: 'to-storage',
      endpoint,
      bucket,
      key: 'notes/note.txt',
      path: `${endpoint}/note.txt`,
      overwrite: true
    });
    await waitFor(forced.json().id);
    expect((await objectBody(endpoint, bucket, 'notes/note.txt')).toString()).toBe('second');
    const down = await post('transfers', {
      direction: 'to-workspace',
      endpoint,
      bucket,
      key: 'notes/note.txt',
      path: `${endpoint}/note.txt`
    });
    expect(down.status).toBe(409);
  });
});

describe('workspace confinement', () => {
  it('rejects paths that leave the workspace, including through symbolic links', async () => {
    fs.symlinkSync(os.tmpdir(), path.join(gw.workspace, 'escape'));
    const cases = [
      { path: '../outside.txt', direction: 'to-storage' },
      { path: '/etc/hostname', direction: 'to-storage' },
      { path: 'escape/anything.txt', direction: 'to-workspace' },
      { path: 'a/../../b', direction: 'to-workspace' }
    ];
    for (const c of cases) {
      const res = await post('transfers', { endpoint: 'local', bucket: 'local-data', key: 'notes/note.txt', ...c });
      expect(res.status).toBe(400);
      expect(res.json().code).toBe('outside_workspace');
    }
    const missing = await post('transfers', {
      direction: 'to-storage',
      endpoint: 'local',
      bucket: 'local-data',
      key: 'x',
      path: 'no/such/file'
    });
    expect(missing.status).toBe(404);
    const badKey = await post('transfers', {
      direction: 'to-storage',
      endpoint: 'local',
      bucket: 'local-data',
      key: '../x',
      path: 'local'
    });
    expect(badKey.status).toBe(400);
  });
});

describe('progress, stop and restart', () => {
  it('streams progress as server-sent events', async () => {
    write('events/big.bin', crypto.randomBytes(12 * 1024 * 1024));
    const events: any[] = [];
    const stream = await new Promise<http.IncomingMessage>(resolve =>
      http.get(
        `${gw.url}atelier/api/v1/transfers/events`,
        { headers: { ...headers(), Accept: 'text/event-stream' } },
        resolve
      )
    );
    expect(stream.headers['content-type']).toContain('text/event-stream');
    let buffer = '';
    stream.on('data', chunk => {
      buffer += chunk;
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = block.split('\n').find(l => l.startsWith('data: '));
        if (data) {
          events.push(JSON.parse(data.slice(6)));
        }
      }
    });
    const created = await post('transfers', {
      direction: 'to-storage',
      endpoint: 's3',
      bucket: 'data',
      key: 'events/big.bin',
      path: 'events/big.bin'
    });
    await waitFor(created.json().id);
    await new Promise(resolve => setTimeout(resolve, 200));
    stream.destroy();
    const mine = events.filter(e => e.id === created.json().id);
    expect(mine.map(e => e.state)).toContain('running');
    expect(mine[mine.length - 1]).toMatchObject({ state: 'completed', bytesDone: 12 * 1024 * 1024 });
    const bytes = mine.map(e => e.bytesDone);
    expect(bytes).toEqual([...bytes].sort((a, b) => a - b));
  });

  it('stops a copy to the workspace and leaves no partial file', async () => {
    write('cancel/source.bin', crypto.randomBytes(40 * 1024 * 1024));
    const up = await post('transfers', {
      direction: 'to-storage',
      endpoint: 's3',
      bucket: 'data',
      key: 'cancel/source.bin',
      path: 'cancel/source.bin'
    });
    await waitFor(up.json().id);
    const down = await post('transfers', {
      direction: 'to-workspace',
      endpoint: 's3',
      bucket: 'data',
      key: 'cancel/source.bin',
      path: 'cancel/target.bin'
    });
    const stopped = await post(`transfers/${down.json().id}/stop`, {});
    expect(stopped.status === 200 || stopped.status === 409).toBe(true);
    const final = await waitFor(down.json().id);
    if (final.state === 'stopped') {
      await new Promise(resolve => setTimeout(resolve, 300));
      expect(fs.existsSync(path.join(gw.workspace, 'cancel', 'target.bin'))).toBe(false);
    }
    expect(fs.readdirSync(path.join(gw.workspace, 'cancel')).filter(n => n.includes('.part'))).toEqual([]);
  });

  it('resumes an interrupted transfer after the service restarts, and finishes it once', async () => {
    const count = 1500;
    for (let i = 0; i < count; i++) {
      write(`restart/f-${String(i).padStart(4, '0')}.txt`, `file ${i}\n`);
    }
    const created = await post('transfers', {
      direction: 'to-storage',
      endpoint: 's3',
      bucket: 'data',
      key: 'restart/',
      path: 'restart'
    });
    const id = created.json().id;
    // Stop the service while the transfer is under way.
    for (let i = 0; i < 400; i++) {
      const t = (await request(`${gw.url}atelier/api/v1/transfers/${id}`, { headers: headers() })).json();
      if (t.filesDone >= 50) {
        break;
      }
      await new Promise(resolve => setTimeout(resolve, 10));
    }
    const token = gw.token;
    const root = gw.root;
    await gw.close(true);
    const saved = JSON.parse(fs.readFileSync(path.join(root, 'data', 'transfers', `${id}.json`), 'utf8'));
    gw = await startGateway(storageConfig, {}, { root, token });
    const done = await waitFor(id);
    expect(done).toMatchObject({ state: 'completed', filesTotal: count, filesDone: count });
    // It really was interrupted, part-way.
    expect(saved.state).toMatch(/queued|running/);
    expect(saved.filesDone).toBeLessThan(count);
    const listed: string[] = [];
    let next: string | undefined;
    do {
      const res = await request(
        `${gw.url}atelier/api/v1/storage/endpoints/s3/buckets/data/objects?prefix=restart/&limit=1000${next ? `&pageToken=${encodeURIComponent(next)}` : ''}`,
        { headers: headers() }
      );
      listed.push(...res.json().objects.map((o: any) => o.key));
      next = res.json().nextToken;
    } while (next);
    expect(listed.length).toBe(count);
    expect((await objectBody('s3', 'data', 'restart/f-0123.txt')).toString()).toBe('file 123\n');
  });

  it("lists the transfers that earlier versions saved, in today's names", async () => {
    const { root, token } = gw;
    await gw.close(true);
    const saved = (id: string, direction: string, state: string) => ({
      id,
      direction,
      endpoint: 's3',
      bucket: 'data',
      key: `old/${id}.bin`,
      path: `old/${id}.bin`,
      overwrite: false,
      state,
      filesTotal: 1,
      filesDone: 1,
      bytesTotal: 3,
      bytesDone: 3,
      createdAt: '2026-01-01T00:00:00.000Z',
      finishedAt: '2026-01-01T00:00:01.000Z'
    });
    const old = [
      saved('00000000-0000-4000-8000-0000000000a1', 'upload', 'completed'),
      saved('00000000-0000-4000-8000-0000000000a2', 'download', 'cancelled')
    ];
    for (const record of old) {
      fs.writeFileSync(path.join(root, 'data', 'transfers', `${record.id}.json`), JSON.stringify(record));
    }
    gw = await startGateway(storageConfig, {}, { root, token });
    const listed: ITransfer[] = (await request(`${gw.url}atelier/api/v1/transfers`, { headers: headers() })).json()
      .transfers;
    const mine = listed.filter(t => old.some(o => o.id === t.id)).sort((a, b) => a.id.localeCompare(b.id));
    expect(mine.map(t => [t.id, t.direction, t.state])).toEqual([
      ['00000000-0000-4000-8000-0000000000a1', 'to-storage', 'completed'],
      ['00000000-0000-4000-8000-0000000000a2', 'to-workspace', 'stopped']
    ]);
  });

  it('resumes one large file part by part after the service restarts', async () => {
    const data = crypto.randomBytes(60 * 1024 * 1024 + 11);
    write('bigresume/model.bin', data);
    const created = await post('transfers', {
      direction: 'to-storage',
      endpoint: 's3',
      bucket: 'data',
      key: 'bigresume/model.bin',
      path: 'bigresume/model.bin'
    });
    const id = created.json().id;
    for (let i = 0; i < 1000; i++) {
      const t = (await request(`${gw.url}atelier/api/v1/transfers/${id}`, { headers: headers() })).json();
      if (t.bytesDone >= 10 * 1024 * 1024) {
        break;
      }
      await new Promise(resolve => setTimeout(resolve, 10));
    }
    const { root, token } = gw;
    await gw.close(true);
    const saved = JSON.parse(fs.readFileSync(path.join(root, 'data', 'transfers', `${id}.json`), 'utf8'));
    expect(saved.state).toMatch(/queued|running/);
    const stored = Object.values(saved.multipart as Record<string, { parts: unknown[] }>)[0].parts.length;
    expect(stored).toBeGreaterThanOrEqual(2);
    expect(stored).toBeLessThan(12);

    gw = await startGateway(storageConfig, {}, { root, token });
    // From the restart on, progress never falls below the parts stored before it: they are not sent again.
    const seen: number[] = [];
    let done: any;
    for (let i = 0; i < 3000; i++) {
      done = (await request(`${gw.url}atelier/api/v1/transfers/${id}`, { headers: headers() })).json();
      seen.push(done.bytesDone);
      if (done.state !== 'queued' && done.state !== 'running') {
        break;
      }
      await new Promise(resolve => setTimeout(resolve, 5));
    }
    expect(Math.min(...seen)).toBeGreaterThanOrEqual(stored * 5 * 1024 * 1024);
    expect(done).toMatchObject({ state: 'completed', bytesDone: data.length });
    expect((await objectBody('s3', 'data', 'bigresume/model.bin')).equals(data)).toBe(true);
  });
});

describe('verified copies to the workspace', () => {
  const partFiles = (dir: string) => fs.readdirSync(path.join(gw.workspace, dir)).filter(n => n.includes('.part'));

  it('stores the CRC-32 of a large copy to storage and checks it when the object comes down in ranges', async () => {
    const content = crypto.randomBytes(12 * 1024 * 1024 + 3); // three ranges of 5 MiB
    write('crc/data.bin', content);
    const up = await post('transfers', {
      direction: 'to-storage',
      endpoint: 's3',
      bucket: 'data',
      key: 'crc/data.bin',
      path: 'crc/data.bin'
    });
    expect((await waitFor(up.json().id)).state).toBe('completed');
    const expected = Buffer.alloc(4);
    expected.writeUInt32BE(zlib.crc32(content));
    // A peer client sees the checksum in the object's metadata, as S3 writes CRC-32s.
    const head = awscli(s3, ['s3api', 'head-object', '--bucket', 'data', '--key', 'crc/data.bin']);
    if (head) {
      expect(head.Metadata).toEqual({ 'atelier-crc32': expected.toString('base64') });
    }
    const stat = await request(`${gw.url}atelier/api/v1/storage/endpoints/s3/buckets/data/stat?key=crc%2Fdata.bin`, {
      headers: headers()
    });
    expect(stat.json().crc32).toBe(expected.toString('base64'));

    const down = await post('transfers', {
      direction: 'to-workspace',
      endpoint: 's3',
      bucket: 'data',
      key: 'crc/data.bin',
      path: 'crc/back.bin'
    });
    expect((await waitFor(down.json().id)).state).toBe('completed');
    expect(fs.readFileSync(path.join(gw.workspace, 'crc/back.bin')).equals(content)).toBe(true);

    const damaged = await post('transfers', {
      direction: 'to-workspace',
      endpoint: 'damaged',
      bucket: 'data',
      key: 'crc/data.bin',
      path: 'crc/damaged.bin'
    });
    const failed = await waitFor(damaged.json().id);
    expect(failed.state).toBe('failed');
    expect(failed.error).toMatchObject({ code: 'checksum_mismatch', message: expect.stringContaining('CRC-32') });
    expect(fs.existsSync(path.join(gw.workspace, 'crc/damaged.bin'))).toBe(false);
    expect(partFiles('crc')).toEqual([]);

    // Ranges whose connection drops halfway are fetched again, whole.
    const again = await post('transfers', {
      direction: 'to-workspace',
      endpoint: 'flaky',
      bucket: 'data',
      key: 'crc/data.bin',
      path: 'crc/again.bin'
    });
    const retried = await waitFor(again.json().id);
    expect(retried.state).toBe('completed');
    expect(fs.readFileSync(path.join(gw.workspace, 'crc/again.bin')).equals(content)).toBe(true);
  });

  it('checks a large object without a CRC-32 by its MD5, computed in order as its ranges land', async () => {
    // Written through the storage API from a stream: no CRC-32 is known, the ETag is its MD5.
    const content = crypto.randomBytes(11 * 1024 * 1024 + 7);
    const put = await request(`${gw.url}atelier/api/v1/storage/endpoints/s3/buckets/data/object?key=md5%2Fdata.bin`, {
      method: 'PUT',
      headers: { ...headers(), 'Content-Type': 'application/octet-stream', 'Content-Length': content.length },
      body: content
    });
    expect(put.status).toBe(201);
    const stat = await request(`${gw.url}atelier/api/v1/storage/endpoints/s3/buckets/data/stat?key=md5%2Fdata.bin`, {
      headers: headers()
    });
    expect(stat.json()).toMatchObject({
      size: content.length,
      etag: crypto.createHash('md5').update(content).digest('hex')
    });
    expect(stat.json().crc32).toBeUndefined();

    fs.mkdirSync(path.join(gw.workspace, 'md5'), { recursive: true });
    const damaged = await post('transfers', {
      direction: 'to-workspace',
      endpoint: 'damaged',
      bucket: 'data',
      key: 'md5/data.bin',
      path: 'md5/damaged.bin'
    });
    const failed = await waitFor(damaged.json().id);
    expect(failed.error).toMatchObject({ code: 'checksum_mismatch', message: expect.stringContaining('MD5') });
    expect(fs.existsSync(path.join(gw.workspace, 'md5/damaged.bin'))).toBe(false);
    expect(partFiles('md5')).toEqual([]);

    const down = await post('transfers', {
      direction: 'to-workspace',
      endpoint: 's3',
      bucket: 'data',
      key: 'md5/data.bin',
      path: 'md5/back.bin'
    });
    expect((await waitFor(down.json().id)).state).toBe('completed');
    expect(fs.readFileSync(path.join(gw.workspace, 'md5/back.bin')).equals(content)).toBe(true);
  });

  it('refuses to assemble a copy to storage whose file was rewritten meanwhile, and leaves no object', async () => {
    // Twelve parts, eight at a time: the last four are read from the file after it changed.
    const before = crypto.randomBytes(12 * 5 * 1024 * 1024);
    write('changing/data.bin', before);
    let rewritten = false;
    onSlowPart = () => {
      if (!rewritten) {
        rewritten = true;
        // Same size, other bytes, written in place (as a program writing its output would).
        const fd = fs.openSync(path.join(gw.workspace, 'changing/data.bin'), 'r+');
        fs.writeSync(fd, crypto.randomBytes(before.length), 0, before.length, 0);
        fs.closeSync(fd);
      }
    };
    try {
      const up = await post('transfers', {
        direction: 'to-storage',
        endpoint: 'slow',
        bucket: 'data',
        key: 'changing/data.bin',
        path: 'changing/data.bin'
      });
      const failed = await waitFor(up.json().id);
      expect(rewritten).toBe(true);
      expect(failed.state).toBe('failed');
      expect(failed.error).toMatchObject({
        code: 'changed',
        message: expect.stringContaining('changed during the transfer')
      });
    } finally {
      onSlowPart = () => undefined;
    }
    const stat = await request(
      `${gw.url}atelier/api/v1/storage/endpoints/s3/buckets/data/stat?key=changing%2Fdata.bin`,
      { headers: headers() }
    );
    expect(stat.status).toBe(404);
  });
});
