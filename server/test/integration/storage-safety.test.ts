/**
 * Storage as an attacker and a careless user would use it: races that used to end the
 * service, symbolic links that lead out of a bucket, names the disk cannot hold, control
 * characters, and errors that must be said in the user's terms (never a server path).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Readable } from 'stream';
import { IResponse, itDirect, request, startSidecar } from '../support/atelier';
import { IS3Server, startS3rver } from '../support/s3rver';

let sidecar: Awaited<ReturnType<typeof startSidecar>>;
let s3: IS3Server;
let buckets: string;

beforeAll(async () => {
  s3 = await startS3rver(['data']);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atelier-cred-'));
  const credentials = path.join(dir, 'credentials.json');
  fs.writeFileSync(credentials, JSON.stringify({ accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey }), {
    mode: 0o600
  });
  sidecar = await startSidecar({
    'storage.partSizeMiB': 5,
    'storage.endpoints': [{ id: 's3', endpoint: s3.endpoint, credentials: { file: credentials } }]
  });
  buckets = path.join(sidecar.root, 'data', 'buckets');
  for (const bucket of ['safe', 'other']) {
    expect((await call('POST', 'storage/endpoints/local/buckets', { name: bucket })).status).toBe(201);
  }
});

afterAll(async () => {
  await sidecar?.close();
  await s3?.stop();
});

function call(method: string, route: string, body?: unknown): Promise<IResponse> {
  return request(`${sidecar.api}${route}`, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body)
  });
}

const objects = (endpoint: string, bucket: string) => `storage/endpoints/${endpoint}/buckets/${bucket}`;
const q = (o: Record<string, string>) => new URLSearchParams(o).toString();

function put(endpoint: string, bucket: string, key: string, body: string | Buffer): Promise<IResponse> {
  return request(`${sidecar.api}${objects(endpoint, bucket)}/object?${q({ key })}`, {
    method: 'PUT',
    headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': Buffer.byteLength(body) },
    body
  });
}

async function settle(id: string): Promise<any> {
  for (let i = 0; i < 600; i++) {
    const transfer = (await call('GET', `transfers/${id}`)).json();
    if (['completed', 'failed', 'stopped'].includes(transfer.state)) {
      return transfer;
    }
    await new Promise(resolve => setTimeout(resolve, 50));
  }
  throw new Error(`transfer ${id} did not finish`);
}

/** Every answer is the service's own: a status below 500, a message without a server path. */
function expectClean(res: IResponse, what: string): void {
  expect([what, res.status < 500 || res.body]).toEqual([what, true]);
  if (res.status >= 400) {
    const body = res.json();
    expect([what, typeof body.message, typeof body.code]).toEqual([what, 'string', 'string']);
    expect([what, body.message.includes(sidecar.root)]).toEqual([what, false]);
  }
}

async function alive(): Promise<void> {
  const res = await call('GET', 'status');
  expect(res.status).toBe(200);
}

describe('races that used to end the service', () => {
  it('copies and deletes the same object at once, many times, and answers each with a 2xx or a 404', async () => {
    const body = Buffer.alloc(256 * 1024, 7);
    for (let round = 0; round < 80; round++) {
      expect((await put('local', 'safe', `race/${round}.bin`, body)).status).toBe(201);
      const [copy, del] = await Promise.all([
        call('POST', `${objects('local', 'safe')}/copy`, { from: `race/${round}.bin`, to: `race/copy-${round}.bin` }),
        // The delete lands at a different moment of the copy each round.
        new Promise(resolve => setTimeout(resolve, round % 4)).then(() =>
          call('DELETE', `${objects('local', 'safe')}/objects?${q({ key: `race/${round}.bin` })}`)
        )
      ]);
      expectClean(copy, `copy ${round}`);
      expectClean(del, `delete ${round}`);
      expect([200, 404]).toContain(copy.status);
      if (copy.status === 200) {
        // A copy that succeeded is whole.
        const stat = await call('GET', `${objects('local', 'safe')}/stat?${q({ key: `race/copy-${round}.bin` })}`);
        expect(stat.json().size).toBe(body.length);
      }
    }
    await alive();
  });

  it('fails a copy to storage whose file is deleted under it, in the user’s words, and goes on', async () => {
    const content = Buffer.alloc(2 * 1024 * 1024, 1);
    const outcomes = new Set<string>();
    for (let round = 0; round < 15; round++) {
      const rel = `vanish/${round}.bin`;
      fs.mkdirSync(path.join(sidecar.workspace, 'vanish'), { recursive: true });
      fs.writeFileSync(path.join(sidecar.workspace, rel), content);
      const created = call('POST', 'transfers', {
        direction: 'to-storage',
        endpoint: 'local',
        bucket: 'safe',
        key: `vanish/${round}.bin`,
        path: rel
      });
      // Deleted while the request is checked, planned or run.
      await new Promise(resolve => setTimeout(resolve, round % 5));
      fs.rmSync(path.join(sidecar.workspace, rel), { force: true });
      const res = await created;
      expectClean(res, `create ${round}`);
      if (res.status === 201) {
        const done = await settle(res.json().id);
        outcomes.add(done.state);
        if (done.state === 'failed') {
          expect(done.error.message).not.toContain(sidecar.root);
          expect(done.error.message).not.toMatch(/ENOENT|errno|lstat|open '/);
          expect(done.error.message).toContain(`"${rel}" in the workspace does not exist`);
        }
      } else {
        expect(res.status).toBe(404);
        outcomes.add('refused');
      }
    }
    expect(outcomes.size).toBeGreaterThan(0);
    await alive();
  });

  itDirect(
    'turns an error in one request’s stream into a 500 for that request, or a failed transfer, while the service goes on',
    async () => {
      // A fault injected into the real local store: reading "fault/…" gives a stream that fails
      // (as a disk that reports an I/O error would) before anyone has read from it.
      const store = sidecar.service.platform.storage!.get('local');
      const read = store.read.bind(store);
      store.read = async (bucket: string, key: string) => {
        const result = await read(bucket, key);
        if (key.startsWith('fault/')) {
          result.stream.destroy();
          const failing = new Readable({ read() {} });
          setImmediate(() => failing.destroy(Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' })));
          return { info: result.info, stream: failing };
        }
        return result;
      };
      try {
        expect((await put('local', 'safe', 'fault/x.bin', 'some bytes')).status).toBe(201);
        await new Promise(resolve => setTimeout(resolve, 20));
        const get = await call('GET', `${objects('local', 'safe')}/object?${q({ key: 'fault/x.bin' })}`);
        // Either an error answer before any byte, or a cut body: never a whole-looking answer.
        expect(get.status === 500 || get.body.length < 'some bytes'.length).toBe(true);
        const copy = await call('POST', `${objects('local', 'safe')}/copy`, { from: 'fault/x.bin', to: 'fault/y.bin' });
        expect(copy.status).toBeGreaterThanOrEqual(400);
        expect(copy.json().message).not.toContain(sidecar.root);
        expect((await call('GET', `${objects('local', 'safe')}/stat?${q({ key: 'fault/y.bin' })}`)).status).toBe(404);
        const transfer = await call('POST', 'transfers', {
          direction: 'to-workspace',
          endpoint: 'local',
          bucket: 'safe',
          key: 'fault/x.bin',
          path: 'fault.bin'
        });
        expect(transfer.status).toBe(201);
        const done = await settle(transfer.json().id);
        expect(done.state).toBe('failed');
        expect(done.error.message).not.toContain(sidecar.root);
        expect(fs.existsSync(path.join(sidecar.workspace, 'fault.bin'))).toBe(false);
      } finally {
        store.read = read;
      }
      await alive();
      expect((await call('GET', `${objects('local', 'safe')}/object?${q({ key: 'fault/x.bin' })}`)).body).toBe(
        'some bytes'
      );
    }
  );
});

describe('symbolic links in a local bucket', () => {
  beforeAll(() => {
    const bucket = path.join(buckets, 'safe');
    fs.mkdirSync(path.join(bucket, 'sub'), { recursive: true });
    fs.writeFileSync(path.join(bucket, 'sub', 'inside.txt'), 'inside');
    fs.writeFileSync(path.join(buckets, 'other', 'secret.txt'), 'secret of another bucket');
    fs.symlinkSync('/etc', path.join(bucket, 'etcb'));
    fs.symlinkSync(path.join(buckets, 'other'), path.join(bucket, 'otherb'));
    fs.symlinkSync('/nonexistent/atelier', path.join(bucket, 'dangling'));
    fs.symlinkSync('sub', path.join(bucket, 'alias'));
    fs.symlinkSync('/etc', path.join(buckets, 'etcbucket'));
  });

  it.each([
    [
      'a listing',
      (p: string) => call('GET', `${objects('local', 'safe')}/objects?${q({ prefix: `${p}/`, delimiter: '/' })}`)
    ],
    [
      'a recursive listing',
      (p: string) => call('GET', `${objects('local', 'safe')}/objects?${q({ prefix: `${p}/`, delimiter: '' })}`)
    ],
    ['a count', (p: string) => call('GET', `${objects('local', 'safe')}/count?${q({ prefix: `${p}/` })}`)],
    [
      'a copy to the workspace',
      (p: string) =>
        call('POST', 'transfers', {
          direction: 'to-workspace',
          endpoint: 'local',
          bucket: 'safe',
          key: `${p}/`,
          path: `from-${p}`
        })
    ],
    [
      'a folder copy',
      (p: string) => call('POST', `${objects('local', 'safe')}/copy`, { from: `${p}/`, to: `copied-${p}/` })
    ],
    ['a folder delete', (p: string) => call('DELETE', `${objects('local', 'safe')}/objects?${q({ prefix: `${p}/` })}`)]
  ])('refuses %s through a link that leaves the bucket or leads into another', async (_what, send) => {
    for (const link of ['etcb', 'otherb']) {
      const res = await send(link);
      expect([link, res.status, res.json().code]).toEqual([link, 400, 'outside_bucket']);
      expect(res.body).not.toContain('passwd');
      expect(res.body).not.toContain('secret.txt');
    }
    expect(fs.existsSync(path.join(sidecar.workspace, 'from-etcb'))).toBe(false);
    expect(fs.readFileSync(path.join(buckets, 'other', 'secret.txt'), 'utf8')).toBe('secret of another bucket');
  });

  it('refuses to count, read or write a single key through such a link', async () => {
    for (const key of ['etcb/passwd', 'otherb/secret.txt']) {
      const count = await call('GET', `${objects('local', 'safe')}/count?${q({ prefix: key })}`);
      expect(count.status).toBe(400);
      const get = await call('GET', `${objects('local', 'safe')}/object?${q({ key })}`);
      expect(get.status).toBe(400);
      expect((await put('local', 'safe', key, 'x')).status).toBe(400);
    }
  });

  it('refuses a key or a folder through a broken link with 400 outside_bucket', async () => {
    const res = await put('local', 'safe', 'dangling/x.txt', 'x');
    expect([res.status, res.json().code]).toEqual([400, 'outside_bucket']);
    const folder = await call('POST', `${objects('local', 'safe')}/folders`, { key: 'dangling/f/' });
    expect([folder.status, folder.json().code]).toEqual([400, 'outside_bucket']);
    const list = await call('GET', `${objects('local', 'safe')}/objects?${q({ prefix: 'dangling/', delimiter: '/' })}`);
    expect([list.status, list.json().code]).toEqual([400, 'outside_bucket']);
    expect(fs.existsSync('/nonexistent/atelier')).toBe(false);
  });

  it('follows a link that stays inside the bucket, and lists no link as an entry', async () => {
    const res = await call('GET', `${objects('local', 'safe')}/objects?${q({ prefix: 'alias/', delimiter: '/' })}`);
    expect(res.status).toBe(200);
    expect(res.json().objects.map((o: { key: string }) => o.key)).toEqual(['alias/inside.txt']);
    const top = await call('GET', `${objects('local', 'safe')}/objects?${q({ prefix: '', delimiter: '' })}`);
    const keys = top.json().objects.map((o: { key: string }) => o.key);
    expect(keys).toContain('sub/inside.txt');
    expect(keys.some((k: string) => /^(etcb|otherb|dangling|alias)/.test(k))).toBe(false);
  });

  it('does not take a link among the buckets for a bucket', async () => {
    const res = await call('GET', `${objects('local', 'etcbucket')}/objects?${q({ prefix: '', delimiter: '/' })}`);
    expect([res.status, res.json().code]).toEqual([404, 'not_found']);
    const list = await call('GET', 'storage/endpoints/local/buckets');
    expect(list.json().buckets.map((b: { name: string }) => b.name)).not.toContain('etcbucket');
  });
});

describe('names the disk cannot hold, and names that clash', () => {
  const long = 'L'.repeat(300);

  it('answers a key with a segment over 255 bytes with a 4xx on every route, and lists nothing for it', async () => {
    const key = `deep/${long}.txt`;
    const put1 = await put('local', 'safe', key, 'x');
    expect([put1.status, put1.json().code]).toEqual([400, 'invalid_key']);
    expect(put1.json().message).toMatch(/255 bytes/);
    for (const [what, res] of [
      ['stat', await call('GET', `${objects('local', 'safe')}/stat?${q({ key })}`)],
      ['get', await call('GET', `${objects('local', 'safe')}/object?${q({ key })}`)],
      ['delete', await call('DELETE', `${objects('local', 'safe')}/objects?${q({ key })}`)],
      ['copy from', await call('POST', `${objects('local', 'safe')}/copy`, { from: key, to: 'x.txt' })]
    ] as [string, IResponse][]) {
      expect([what, res.status]).toEqual([what, 404]);
    }
    const folder = await call('POST', `${objects('local', 'safe')}/folders`, { key: `${long}/` });
    expect(folder.status).toBe(400);
    expect((await put('local', 'safe', 'short.txt', 'x')).status).toBe(201);
    const copyTo = await call('POST', `${objects('local', 'safe')}/copy`, { from: 'short.txt', to: key });
    expect(copyTo.status).toBe(400);
    for (const delimiter of ['/', '']) {
      const list = await call('GET', `${objects('local', 'safe')}/objects?${q({ prefix: `${long}/`, delimiter })}`);
      expect(list.status).toBe(200);
      expect(list.json()).toMatchObject({ objects: [], prefixes: [] });
    }
    const count = await call('GET', `${objects('local', 'safe')}/count?${q({ prefix: `${long}/` })}`);
    expect(count.json()).toEqual({ objects: 0, bytes: 0, folders: 0 });
    const toWorkspace = await call('POST', 'transfers', {
      direction: 'to-workspace',
      endpoint: 'local',
      bucket: 'safe',
      key,
      path: 'x'
    });
    expect(toWorkspace.status).toBe(404);
    const toLongPath = await call('POST', 'transfers', {
      direction: 'to-workspace',
      endpoint: 'local',
      bucket: 'safe',
      key: 'short.txt',
      path: `${long}.txt`
    });
    expect([toLongPath.status, toLongPath.json().code]).toEqual([400, 'name_too_long']);
  });

  it('copies to the workspace an object whose name is near the limit (its temporary file must fit too)', async () => {
    const name = `${'n'.repeat(250)}.txt`;
    expect((await put('local', 'safe', `near/${name}`, 'near the limit')).status).toBe(201);
    const res = await call('POST', 'transfers', {
      direction: 'to-workspace',
      endpoint: 'local',
      bucket: 'safe',
      key: 'near/',
      path: 'near'
    });
    expect(res.status).toBe(201);
    const done = await settle(res.json().id);
    expect([done.state, done.error]).toEqual(['completed', undefined]);
    expect(fs.readFileSync(path.join(sidecar.workspace, 'near', name), 'utf8')).toBe('near the limit');
  });

  it('refuses a folder over an existing object with 409 on the local endpoint; S3 keeps both', async () => {
    expect((await put('local', 'safe', 'clash', 'an object')).status).toBe(201);
    const local = await call('POST', `${objects('local', 'safe')}/folders`, { key: 'clash/' });
    expect([local.status, local.json().code]).toEqual([409, 'conflict']);
    expect(local.json().message).toMatch(/object named "clash" exists/);
    const nested = await call('POST', `${objects('local', 'safe')}/folders`, { key: 'clash/deeper/' });
    expect(nested.status).toBe(409);
    const under = await put('local', 'safe', 'clash/under.txt', 'x');
    expect(under.status).toBe(409);
    expect((await put('s3', 'data', 'clash', 'an object')).status).toBe(201);
    expect((await call('POST', `${objects('s3', 'data')}/folders`, { key: 'clash/' })).status).toBe(201);
  });

  it('says why a copy to the workspace failed with paths relative to the workspace, never the server’s', async () => {
    expect((await put('local', 'safe', 'tree/a/b.txt', 'b')).status).toBe(201);
    fs.mkdirSync(path.join(sidecar.workspace, 'blocked'), { recursive: true });
    fs.writeFileSync(path.join(sidecar.workspace, 'blocked', 'a'), 'a file where a folder should go');
    const res = await call('POST', 'transfers', {
      direction: 'to-workspace',
      endpoint: 'local',
      bucket: 'safe',
      key: 'tree/',
      path: 'blocked',
      overwrite: true
    });
    expect(res.status).toBe(201);
    const done = await settle(res.json().id);
    expect(done.state).toBe('failed');
    expect(done.error.message).toBe(
      'The transfer failed: "blocked/a" in the workspace is a file where a folder is needed.'
    );
  });

  it('leaves Atelier’s temporary files out of a folder copied to storage', async () => {
    fs.mkdirSync(path.join(sidecar.workspace, 'up'), { recursive: true });
    fs.writeFileSync(path.join(sidecar.workspace, 'up', 'real.txt'), 'real');
    fs.writeFileSync(path.join(sidecar.workspace, 'up', '.real2.txt.atelier-0123abcd.part'), 'half a download');
    const res = await call('POST', 'transfers', {
      direction: 'to-storage',
      endpoint: 'local',
      bucket: 'safe',
      key: 'up/',
      path: 'up'
    });
    expect(res.status).toBe(201);
    const done = await settle(res.json().id);
    expect([done.state, done.filesTotal]).toEqual(['completed', 1]);
  });
});

describe('workspace paths and flags', () => {
  it('refuses control characters in transfer paths and in a job’s code folder and outputs, creating nothing', async () => {
    fs.writeFileSync(path.join(sidecar.workspace, 'train.py'), 'print(1)\n');
    const before = fs.readdirSync(sidecar.workspace).sort();
    for (const bad of ['ctl\u001bx.txt', 'tab\there', 'line\nbreak', 'del\u007f', 'dir/\u0007bell']) {
      const toWorkspace = await call('POST', 'transfers', {
        direction: 'to-workspace',
        endpoint: 'local',
        bucket: 'safe',
        key: 'short.txt',
        path: bad
      });
      expect([JSON.stringify(bad), toWorkspace.status, toWorkspace.json().code]).toEqual([
        JSON.stringify(bad),
        400,
        'invalid_path'
      ]);
      // eslint-disable-next-line no-control-regex
      expect(toWorkspace.json().message).not.toMatch(/[\u0000-\u001f]/);
      const toStorage = await call('POST', 'transfers', {
        direction: 'to-storage',
        endpoint: 'local',
        bucket: 'safe',
        key: 'x/',
        path: bad
      });
      expect(toStorage.status).toBe(400);
      const codeDir = await call('POST', 'jobs', { name: 'ctl', codeDir: bad, bootFile: 'train.py' });
      expect([JSON.stringify(bad), codeDir.status]).toEqual([JSON.stringify(bad), 400]);
      const output = await call('POST', 'jobs', {
        name: 'ctl',
        bootFile: 'train.py',
        outputs: [{ name: 'out', uri: bad }]
      });
      expect([JSON.stringify(bad), output.status]).toEqual([JSON.stringify(bad), 400]);
    }
    await new Promise(resolve => setTimeout(resolve, 200));
    expect(fs.readdirSync(sidecar.workspace).sort()).toEqual(before);
  });

  it('takes the flags as the API reference writes them: download=1, preview=1, and 0 or false for no', async () => {
    expect((await put('local', 'safe', 'flags.csv', 'a,b\n')).status).toBe(201);
    const base = `${objects('local', 'safe')}/object?${q({ key: 'flags.csv' })}`;
    for (const yes of ['1', 'true']) {
      const res = await call('GET', `${base}&download=${yes}`);
      expect([yes, res.status]).toEqual([yes, 200]);
      expect(res.headers['content-disposition']).toMatch(/^attachment; filename="flags.csv"/);
      expect((await call('GET', `${base}&preview=${yes}`)).status).toBe(200);
    }
    for (const no of ['0', 'false']) {
      const res = await call('GET', `${base}&download=${no}`);
      expect([no, res.status, res.headers['content-disposition']]).toEqual([no, 200, undefined]);
    }
    const wrong = await call('GET', `${base}&download=maybe`);
    expect(wrong.status).toBe(400);
    const taken = await request(
      `${sidecar.api}${objects('local', 'safe')}/object?${q({ key: 'flags.csv', overwrite: '0' })}`,
      { method: 'PUT', body: 'new' }
    );
    expect([taken.status, taken.json().code]).toEqual([409, 'exists']);
  });
});
