/**
 * Hostile input, generated: keys, prefixes, bucket names, workspace paths, job fields and ids
 * from property-based generators (fast-check), sent to every route that takes one, on the
 * local endpoint and on an S3 server (s3rver), several at once and racing on a few shared
 * keys. The service runs as its own process (`atelier serve`), so an exit is seen as one.
 *
 * Asserted for every answer: no 5xx, a JSON error a person can read, no absolute server path,
 * nothing from outside the roots. After the run: the process is alive and logged no uncaught
 * error; nothing outside the roots changed; no workspace entry has a control character.
 *
 * Bounded (ATELIER_FUZZ_RUNS batches, default 300, and 90 s); a longer run:
 *   ATELIER_FUZZ_RUNS=2000 npx jest --selectProjects integration --testPathPattern hostile
 */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import fc from 'fast-check';
import { IResponse, request } from '../support/atelier';
import { IS3Server, startS3rver } from '../support/s3rver';

const RUNS = Number(process.env.ATELIER_FUZZ_RUNS || 300);
/** The service to attack; ATELIER_FUZZ_CLI points at another build (e.g. an older one). */
const CLI = process.env.ATELIER_FUZZ_CLI || path.resolve(__dirname, '..', '..', 'lib', 'cli.js');
const SENTINEL = 'TOP-SECRET-SENTINEL-7f3a';

let s3: IS3Server;
let root: string;
let workspace: string;
let outside: string;
let api: string;
let child: ChildProcess;
let exited: string | null = null;
let log = '';

beforeAll(async () => {
  if (!fs.existsSync(CLI)) {
    throw new Error(`${CLI} is missing: build the service first (npm run build:server).`);
  }
  s3 = await startS3rver(['data', 'spare']);
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'atelier-hostile-'));
  workspace = path.join(root, 'work');
  outside = path.join(root, 'outside');
  const data = path.join(root, 'data');
  for (const dir of [workspace, outside, path.join(data, 'buckets', 'safe'), path.join(data, 'buckets', 'other')]) {
    fs.mkdirSync(dir, { recursive: true });
  }
  fs.writeFileSync(path.join(outside, 'sentinel-7f3a.txt'), SENTINEL);
  fs.writeFileSync(path.join(workspace, 'train.py'), 'print("hello")\n');
  fs.mkdirSync(path.join(workspace, 'folder'));
  fs.writeFileSync(path.join(workspace, 'folder', 'a.txt'), 'a');
  // Links a careless or hostile user left: out of a bucket, out of the workspace, nowhere.
  fs.symlinkSync(outside, path.join(data, 'buckets', 'safe', 'escape'));
  fs.symlinkSync('/etc', path.join(data, 'buckets', 'safe', 'etcb'));
  fs.symlinkSync('/nonexistent/atelier', path.join(data, 'buckets', 'safe', 'dangling'));
  fs.symlinkSync(outside, path.join(data, 'buckets', 'outbucket'));
  fs.symlinkSync(outside, path.join(workspace, 'escape'));
  const credentials = path.join(root, 'credentials.json');
  fs.writeFileSync(credentials, JSON.stringify({ accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey }), {
    mode: 0o600
  });
  const config = path.join(root, 'config.json');
  fs.writeFileSync(
    config,
    JSON.stringify({
      logLevel: 'warn',
      storage: { partSizeMiB: 5, endpoints: [{ id: 's3', endpoint: s3.endpoint, credentials: { file: credentials } }] },
      jobs: { maxConcurrent: 2 }
    })
  );
  child = spawn(
    process.execPath,
    [CLI, 'serve', '--port', '0', '--config', config, '--data-dir', data, '--workspace', workspace],
    {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe']
    }
  );
  child.on('exit', (code, signal) => (exited = `exit ${code ?? signal}`));
  child.stderr!.on('data', chunk => (log += chunk));
  api = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`the service did not start: ${out}${log}`)), 30000);
    child.stdout!.on('data', chunk => {
      out += chunk;
      const match = /listening on (http:\/\/\S+\/atelier\/api\/v1\/)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once('exit', () => reject(new Error(`the service exited: ${out}${log}`)));
  });
});

afterAll(async () => {
  if (child && exited === null) {
    const gone = new Promise(resolve => child.once('exit', resolve));
    child.kill('SIGTERM');
    await gone;
  }
  await s3?.stop();
  if (root) {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

// ---- generators -------------------------------------------------------------------------

const nastySegment = fc.constantFrom(
  '..',
  '.',
  '',
  '%2e%2e',
  '%2F',
  '\\',
  '..\\..',
  'escape',
  'etcb',
  'dangling',
  '.atelier-tmp',
  'L'.repeat(300),
  'n'.repeat(250),
  'ctl\u001bx',
  'nul\u0000x',
  'tab\tx',
  'del\u007f',
  'é',
  '🙂',
  ' lead',
  'trail ',
  '?',
  '#',
  '+',
  '%',
  '~',
  '$HOME',
  '*',
  'passwd',
  '/etc/passwd'
);
const segment = fc.oneof(
  { weight: 3, arbitrary: nastySegment },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 10 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 6 }) }
);
const pathLike = fc
  .tuple(fc.array(segment, { minLength: 1, maxLength: 4 }), fc.boolean(), fc.boolean())
  .map(([parts, leading, trailing]) => `${leading ? '/' : ''}${parts.join('/')}${trailing ? '/' : ''}`);
/** A few shared keys, so that requests race on the same objects. */
const sharedKey = fc.constantFrom('race/a.bin', 'race/b.bin', 'race/', 'race/sub/c.txt', 'clash', 'clash/');
const key = fc.oneof({ weight: 2, arbitrary: pathLike }, { weight: 1, arbitrary: sharedKey });
const bucket = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('safe', 'other', 'data', 'spare') },
  {
    weight: 1,
    arbitrary: fc.constantFrom('outbucket', '..', '.atelier-tmp', 'a', 'UPPER', 'x'.repeat(70), '1.2.3.4', 'ab..cd')
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) }
);
const endpoint = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('local', 's3') },
  { weight: 1, arbitrary: fc.constantFrom('nope', '..', '%2e%2e', '') }
);
const workspacePath = fc.oneof(
  { weight: 3, arbitrary: pathLike },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      'train.py',
      'folder',
      'folder/a.txt',
      'escape/x',
      '../outside',
      '/etc/passwd',
      'race-target',
      ''
    )
  }
);
const id = fc.oneof(
  fc.uuid(),
  fc.constantFrom('..', '../../etc/passwd', '%2e%2e', '%2F', 'x'.repeat(300)),
  fc.string({ maxLength: 20 })
);
/** A JSON value of the wrong type, for fields that expect a string or a number. */
const wrongType = fc.oneof(
  fc.integer(),
  fc.constant(null),
  fc.array(fc.string(), { maxLength: 2 }),
  fc.object({ maxDepth: 1 }),
  fc.double()
);
const maybe = <T>(arb: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 4, arbitrary: arb as fc.Arbitrary<unknown> }, { weight: 1, arbitrary: wrongType });

interface IOp {
  method: string;
  path: string;
  query?: Record<string, string>;
  body?: unknown;
  raw?: Buffer;
}

const enc = (s: string) => encodeURIComponent(s);
const at = (e: string, b: string) => `storage/endpoints/${enc(e)}/buckets/${enc(b)}`;

const op: fc.Arbitrary<IOp> = fc.oneof(
  fc
    .record({ e: endpoint, b: bucket, prefix: key, d: fc.constantFrom('/', '', 'x') })
    .map(({ e, b, prefix, d }) => ({ method: 'GET', path: `${at(e, b)}/objects`, query: { prefix, delimiter: d } })),
  fc
    .record({ e: endpoint, b: bucket, k: key })
    .map(({ e, b, k }) => ({ method: 'GET', path: `${at(e, b)}/stat`, query: { key: k } })),
  fc
    .record({ e: endpoint, b: bucket, k: key, f: fc.constantFrom('1', '0', 'true', 'maybe') })
    .map(({ e, b, k, f }) => ({
      method: 'GET',
      path: `${at(e, b)}/object`,
      query: { key: k, download: f, preview: f }
    })),
  fc.record({ e: endpoint, b: bucket, k: key, size: fc.constantFrom(0, 5, 200 * 1024) }).map(({ e, b, k, size }) => ({
    method: 'PUT',
    path: `${at(e, b)}/object`,
    query: { key: k },
    raw: Buffer.alloc(size, 65)
  })),
  fc
    .record({ e: endpoint, b: bucket, k: key })
    .map(({ e, b, k }) => ({ method: 'DELETE', path: `${at(e, b)}/objects`, query: { key: k } })),
  fc
    .record({ e: endpoint, b: bucket, k: key })
    .map(({ e, b, k }) => ({ method: 'DELETE', path: `${at(e, b)}/objects`, query: { prefix: k } })),
  fc
    .record({ e: endpoint, b: bucket, k: key })
    .map(({ e, b, k }) => ({ method: 'GET', path: `${at(e, b)}/count`, query: { prefix: k } })),
  fc
    .record({
      e: endpoint,
      b: bucket,
      body: fc.record({
        from: maybe(key),
        to: maybe(key),
        toBucket: maybe(bucket),
        move: fc.boolean(),
        overwrite: fc.boolean()
      })
    })
    .map(({ e, b, body }) => ({ method: 'POST', path: `${at(e, b)}/copy`, body })),
  fc
    .record({ e: endpoint, b: bucket, k: maybe(key) })
    .map(({ e, b, k }) => ({ method: 'POST', path: `${at(e, b)}/folders`, body: { key: k } })),
  fc
    .record({ e: endpoint, name: maybe(bucket) })
    .map(({ e, name }) => ({ method: 'POST', path: `storage/endpoints/${enc(e)}/buckets`, body: { name } })),
  fc
    .record({
      direction: fc.constantFrom('to-storage', 'to-workspace', 'sideways'),
      endpoint: maybe(endpoint),
      bucket: maybe(bucket),
      key: maybe(key),
      path: maybe(workspacePath),
      overwrite: fc.boolean()
    })
    .map(body => ({ method: 'POST', path: 'transfers', body })),
  fc.record({ i: id, verb: fc.constantFrom('GET', 'DELETE', 'POST') }).map(({ i, verb }) => ({
    method: verb,
    path: verb === 'POST' ? `transfers/${enc(i)}/stop` : `transfers/${enc(i)}`
  })),
  fc
    .record({
      endpoint: maybe(endpoint),
      bucket: maybe(bucket),
      key: maybe(key),
      size: maybe(fc.integer({ min: -1, max: 30 * 1024 * 1024 }))
    })
    .map(body => ({ method: 'POST', path: 'storage/uploads', body })),
  fc.record({ i: id, part: fc.constantFrom('1', '0', '-1', '10001', 'x') }).map(({ i, part }) => ({
    method: 'PUT',
    path: `storage/uploads/${enc(i)}/parts/${part}`,
    raw: Buffer.alloc(16, 1)
  })),
  fc.record({ i: id, verb: fc.constantFrom('GET', 'DELETE', 'POST') }).map(({ i, verb }) => ({
    method: verb,
    path: verb === 'POST' ? `storage/uploads/${enc(i)}/complete` : `storage/uploads/${enc(i)}`
  })),
  fc
    .record(
      {
        name: maybe(fc.oneof(fc.constantFrom('ok-job', 'has space', ''), fc.string({ maxLength: 80 }))),
        codeDir: maybe(workspacePath),
        bootFile: maybe(fc.oneof(workspacePath, fc.constant('train.py'))),
        notebook: maybe(workspacePath),
        command: maybe(fc.string({ maxLength: 30 })),
        parameters: fc.array(
          fc.record({ name: maybe(fc.string({ maxLength: 10 })), value: maybe(fc.string({ maxLength: 10 })) }),
          { maxLength: 2 }
        ),
        environments: fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 2 }),
        inputs: fc.array(
          fc.record({
            name: maybe(fc.string({ maxLength: 8 })),
            uri: maybe(
              fc.oneof(
                workspacePath,
                key.map(k => `s3://data/${k}`)
              )
            )
          }),
          { maxLength: 2 }
        ),
        outputs: fc.array(
          fc.record({
            name: maybe(fc.string({ maxLength: 8 })),
            uri: maybe(
              fc.oneof(
                workspacePath,
                key.map(k => `s3://${k}`)
              )
            )
          }),
          { maxLength: 2 }
        ),
        flavorId: maybe(fc.string({ maxLength: 10 }))
      },
      { requiredKeys: ['name'] }
    )
    .map(body => ({ method: 'POST', path: 'jobs', body })),
  fc
    .record({
      i: id,
      what: fc.constantFrom(
        '',
        '/stop',
        '/logs?offset=0&limit=10',
        '/logs?offset=-1&limit=x',
        '/logs?download=1',
        '/files/output.ipynb',
        '/files/../../../etc/passwd',
        '/files/%2e%2e/job.json',
        '/events?offset=0'
      )
    })
    .map(({ i, what }) => ({ method: what === '/stop' ? 'POST' : 'GET', path: `jobs/${enc(i)}${what}` })),
  fc.record({ i: id }).map(({ i }) => ({ method: 'DELETE', path: `jobs/${enc(i)}` }))
);

// ---- checks -----------------------------------------------------------------------------

async function send(operation: IOp): Promise<IResponse> {
  const query = operation.query ? `?${new URLSearchParams(operation.query).toString()}` : '';
  const json = operation.body !== undefined;
  const body = json ? JSON.stringify(operation.body) : operation.raw;
  const url = `${api}${operation.path}`;
  return request(api, {
    rawPath: `${new URL(api).pathname}${operation.path}${query}`,
    method: operation.method,
    headers: {
      ...(json
        ? { 'Content-Type': 'application/json' }
        : operation.raw
          ? { 'Content-Type': 'application/octet-stream' }
          : {}),
      ...(body ? { 'Content-Length': Buffer.byteLength(body) } : {})
    },
    body
  }).catch(e => {
    throw new Error(`${operation.method} ${url} failed: ${(e as Error).message}`);
  });
}

/** A request that streams events never ends by itself: read only its first bytes. */
function isStream(operation: IOp): boolean {
  return operation.path.includes('/events');
}

/**
 * s3rver keeps each object in a file named after the key's last segment plus a suffix, and a
 * segment over about 240 bytes ends it (an unhandled ENAMETOOLONG of its own; S3 itself takes
 * such keys, and the local endpoint gets them in full). Requests bound for it get 200 bytes.
 */
function forPeer(operation: IOp): IOp {
  const text = JSON.stringify(operation);
  if (!/"s3"|s3:\/\/|\/endpoints\/s3\//.test(text)) {
    return operation;
  }
  const shorten = (value: string) => value.replace(/L{300}/g, 'L'.repeat(200)).replace(/n{250}/g, 'n'.repeat(200));
  const walk = (value: unknown): unknown =>
    typeof value === 'string'
      ? shorten(value)
      : Array.isArray(value)
        ? value.map(walk)
        : value && typeof value === 'object' && !Buffer.isBuffer(value)
          ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v)]))
          : value;
  return walk(operation) as IOp;
}

function check(operation: IOp, res: IResponse): void {
  const what = `${operation.method} ${operation.path} ${JSON.stringify(operation.query ?? operation.body ?? '')}`.slice(
    0,
    600
  );
  expect([what, res.status, res.status < 500 ? 'ok' : res.body]).toEqual([what, res.status, 'ok']);
  expect([
    what,
    res.body.includes(SENTINEL) || res.body.includes('root:x:0:0') || res.body.includes('sentinel-7f3a')
  ]).toEqual([what, false]);
  if (res.status >= 400) {
    let body: { message?: unknown; code?: unknown } = {};
    try {
      body = JSON.parse(res.body);
    } catch {
      body = { message: res.body };
    }
    expect([what, typeof body.message, typeof body.code]).toEqual([what, 'string', 'string']);
    const message = body.message as string;
    expect([
      what,
      message.includes(root) || message.includes(os.tmpdir() + path.sep) || /\n\s+at /.test(message)
    ]).toEqual([what, false]);
  }
}

function entries(dir: string, out: string[] = []): string[] {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    out.push(full);
    if (entry.isDirectory()) {
      entries(full, out);
    }
  }
  return out;
}

it(`answers ${RUNS} batches of generated hostile requests, six at a time, without a 5xx, an exit or a step outside its roots`, async () => {
  const outsideBefore = entries(outside);
  const rootBefore = fs.readdirSync(root).sort();
  await fc.assert(
    fc.asyncProperty(fc.array(op.map(forPeer), { minLength: 1, maxLength: 6 }), async batch => {
      const answers = await Promise.all(batch.map(o => (isStream(o) ? Promise.resolve(null) : send(o))));
      // The S3 peer must survive too, or its answers say nothing of ours.
      expect(
        s3.exited() ? `s3rver exited after ${JSON.stringify(batch).slice(0, 2000)}: ${s3.output()}` : 'alive'
      ).toBe('alive');
      batch.forEach((o, i) => answers[i] && check(o, answers[i]!));
      expect(exited).toBeNull();
    }),
    { numRuns: RUNS, interruptAfterTimeLimit: 90000, endOnFailure: true }
  );
  // Still there, and nothing escaped.
  expect(exited).toBeNull();
  expect((await send({ method: 'GET', path: 'status' })).status).toBe(200);
  expect(log).not.toMatch(/uncaught error|unhandled rejection/);
  expect(entries(outside)).toEqual(outsideBefore);
  expect(fs.readFileSync(path.join(outside, 'sentinel-7f3a.txt'), 'utf8')).toBe(SENTINEL);
  expect(fs.readdirSync(root).sort()).toEqual(rootBefore);
  // eslint-disable-next-line no-control-regex
  expect(entries(workspace).filter(p => /[\u0000-\u001f\u007f]/.test(path.relative(workspace, p)))).toEqual([]);
});
