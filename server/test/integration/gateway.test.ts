import * as crypto from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as path from 'path';
import WebSocket from 'ws';
import { JupyterAuthenticator } from '../../src/auth';
import { Gateway } from '../../src/gateway';
import type { JupyterServer } from '../../src/jupyter';
import { createLogger } from '../../src/logger';
import { evaluate } from '../support/kernel';
import { cookiesFrom, IGateway, request, startGateway } from '../support/atelier';
import { until } from '../support/http';

let gw: IGateway;

beforeAll(async () => {
  gw = await startGateway();
});

afterAll(async () => {
  await gw?.close();
});

const auth = () => ({ Authorization: `token ${gw.token}` });

describe('authentication is Jupyter’s', () => {
  it('answers 401 to an API call without credentials, 403 with a wrong token', async () => {
    const anonymous = await request(`${gw.url}atelier/api/v1/status`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.json()).toEqual({
      code: 'unauthenticated',
      message: expect.stringMatching(/Authentication required/)
    });
    const wrong = await request(`${gw.url}atelier/api/v1/status`, { headers: { Authorization: 'token nope' } });
    expect(wrong.status).toBe(403);
    const unknownRoute = await request(`${gw.url}atelier/api/v1/no-such-thing`);
    expect(unknownRoute.status).toBe(401);
  });

  it('never lets an unauthenticated request reach Jupyter', async () => {
    for (const path of ['api/contents', 'api/kernels', 'api/status', 'lab/api/settings', 'files/x.txt']) {
      const res = await request(`${gw.url}${path}`);
      expect(res.status).toBe(401);
      // The answer is the gateway's, not Jupyter's.
      expect(res.json().code).toBe('unauthenticated');
    }
    const page = await request(`${gw.url}lab`, { headers: { Accept: 'text/html' } });
    expect(page.status).toBe(302);
    expect(page.headers.location).toBe('/login?next=%2Flab');
    // Jupyter's login page itself is public, or nobody could log in.
    expect((await request(`${gw.url}login`)).status).toBe(200);
  });

  it('decides on the path Jupyter will see: dot segments, encodings, backslashes and slashes cannot reach it unauthenticated', async () => {
    const hostile = [
      '/static/../api',
      '/static/%2e%2e/api',
      '/static/%2E%2e/api',
      '/static/.%2e/api',
      '/static/./../api',
      '/static\\..\\api',
      '/static/..\\api',
      '/static/../lab/api/listings/@jupyterlab/extensionmanager-extension/listings.json',
      '/static/../logout',
      '/static/../api/contents',
      '/static/../api/kernels',
      '//static/../api',
      '/static//../api',
      '/static/lab/../../api/status',
      '/static/..%2fapi',
      '/static/%2e%2e%2fapi',
      '/static/..%5capi',
      '/login/../api',
      '/favicon.ico/../api',
      `http://example.com/static/../api`
    ];
    for (const rawPath of hostile) {
      const res = await request(gw.url, { rawPath });
      // Either the gateway refuses it or Jupyter finds no such file; Jupyter's API never answers.
      expect([rawPath, res.status]).toEqual([rawPath, expect.any(Number)]);
      expect([rawPath, res.status === 200 || res.status === 302]).toEqual([rawPath, false]);
      expect([rawPath, res.body.includes('"version"')]).toEqual([rawPath, false]);
    }
    // The same paths normalize to API paths: refused by the gateway itself.
    for (const rawPath of ['/static/../api', '/static/%2e%2e/api', '/static\\..\\api', '/static/.%2e/api/kernels']) {
      const res = await request(gw.url, { rawPath });
      expect([rawPath, res.status, res.json().code]).toEqual([rawPath, 401, 'unauthenticated']);
    }
    // A websocket upgrade is judged the same way.
    const upgrade = await new Promise<number>((resolve, reject) => {
      const target = new URL(gw.url);
      const req = http.request({
        host: target.hostname,
        port: target.port,
        path: '/static/%2e%2e/api/kernels/x/channels',
        headers: {
          Connection: 'Upgrade',
          Upgrade: 'websocket',
          'Sec-WebSocket-Version': '13',
          'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ=='
        }
      });
      req.on('upgrade', (_res, socket) => {
        socket.destroy();
        resolve(101);
      });
      req.on('response', res => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(upgrade).toBe(401);
    // Static assets stay public.
    const asset = await request(gw.url, { rawPath: '/static/favicons/favicon.ico' });
    expect(asset.status).toBe(200);
  });

  it('answers the status with a token', async () => {
    const res = await request(`${gw.url}atelier/api/v1/status`, { headers: auth() });
    expect(res.status).toBe(200);
    const status = res.json();
    expect(status).toMatchObject({
      apiVersion: 'v1',
      mode: 'gateway',
      platform: 'local',
      jupyter: { state: 'running' }
    });
    expect(status.capabilities.flavors).toBe(true);
    expect(status.flavor.cpus).toBeGreaterThan(0);
    const query = await request(`${gw.url}atelier/api/v1/flavors?token=${gw.token}`);
    expect(query.status).toBe(200);
    expect(query.json().flavors.length).toBeGreaterThan(0);
  });

  it('accepts the login cookie, and requires the XSRF check on state-changing calls', async () => {
    // Log in as a browser does: the token in the URL once, then cookies.
    const login = await request(`${gw.url}lab?token=${gw.token}`, { headers: { Accept: 'text/html' } });
    expect(login.status).toBe(200);
    const cookie = cookiesFrom(login);
    expect(cookie).toMatch(/username-[^=]+=/);
    expect(cookie).toMatch(/_xsrf=/);
    const xsrf = /_xsrf=([^;]+)/.exec(cookie)![1];

    const read = await request(`${gw.url}atelier/api/v1/status`, { headers: { Cookie: cookie } });
    expect(read.status).toBe(200);

    // A POST with the cookie but without the XSRF header is refused before it reaches a route.
    const noXsrf = await request(`${gw.url}atelier/api/v1/no-such-thing`, {
      method: 'POST',
      headers: { Cookie: cookie }
    });
    expect(noXsrf.status).toBe(403);
    expect(noXsrf.json().code).toBe('xsrf_missing');
    const badXsrf = await request(`${gw.url}atelier/api/v1/no-such-thing`, {
      method: 'POST',
      headers: { Cookie: cookie, 'X-XSRFToken': '2|00000000|1234|1' }
    });
    expect(badXsrf.status).toBe(403);
    const withXsrf = await request(`${gw.url}atelier/api/v1/no-such-thing`, {
      method: 'POST',
      headers: { Cookie: cookie, 'X-XSRFToken': decodeURIComponent(xsrf) }
    });
    expect(withXsrf.status).toBe(404);
    expect(withXsrf.json().code).toBe('not_found');

    // The same rule holds for Jupyter's own API through the proxy.
    const proxied = await request(`${gw.url}api/contents`, {
      method: 'POST',
      headers: { Cookie: cookie, 'Content-Type': 'application/json' },
      body: JSON.stringify({ type: 'directory' })
    });
    expect(proxied.status).toBe(403);

    // A forged cookie is not a login.
    const forged = await request(`${gw.url}atelier/api/v1/status`, {
      headers: { Cookie: cookie.replace(/username-([^=]+)=[^;]+/, 'username-$1=forged') }
    });
    expect(forged.status).toBe(403);
  });
});

describe('credentials stay out of the logs', () => {
  it("keeps the token out of Jupyter's log, even for requests Jupyter logs with their URI", async () => {
    // A redirect and a 404 are logged by jupyter_server 1.x with URI and Referer.
    const redirect = await request(`${gw.url}?token=${gw.token}`);
    expect(redirect.status).toBe(302);
    const missing = await request(`${gw.url}files/does-not-exist.txt?token=${gw.token}`, {
      headers: { Referer: `${gw.url}lab?token=${gw.token}` }
    });
    expect(missing.status).toBe(404);
    // Jupyter writes its log asynchronously: wait for the 404 line.
    const file = path.join(gw.service.config.dataDir, 'logs', 'jupyter.log');
    let log = '';
    for (let i = 0; i < 100 && !log.includes('files/does-not-exist.txt'); i++) {
      await new Promise(resolve => setTimeout(resolve, 50));
      log = fs.readFileSync(file, 'utf8');
    }
    // jupyter_server 2 writes [secret] where a token was.
    expect(log).toMatch(/302 GET \/\?token=\[(secret|redacted)\]/);
    expect(log).toContain('files/does-not-exist.txt');
    expect(log).not.toContain(gw.token);
  });
});

describe('the proxy', () => {
  it('serves the contents API', async () => {
    const body = JSON.stringify({ type: 'file', format: 'text', content: 'héllo, atelier\n' });
    const put = await request(`${gw.url}api/contents/notes%20%C3%A9.txt`, {
      method: 'PUT',
      headers: { ...auth(), 'Content-Type': 'application/json' },
      body
    });
    expect(put.status).toBe(201);
    const get = await request(`${gw.url}api/contents/notes%20%C3%A9.txt?content=1`, { headers: auth() });
    expect(get.status).toBe(200);
    expect(get.json()).toMatchObject({ name: 'notes é.txt', content: 'héllo, atelier\n' });
  });

  it('carries a kernel websocket: 1+1 executes and returns 2', async () => {
    expect(await evaluate(gw, '1+1')).toBe('2');
  });

  it('takes bodiless POSTs labelled as JSON (as JupyterLab sends them), and explains broken JSON', async () => {
    const json = { ...auth(), 'Content-Type': 'application/json' };
    const empty = await request(`${gw.url}atelier/api/v1/transfers/00000000-0000-0000-0000-000000000000/stop`, {
      method: 'POST',
      headers: json
    });
    expect(empty.status).toBe(404);
    const broken = await request(`${gw.url}atelier/api/v1/transfers`, {
      method: 'POST',
      headers: json,
      body: '{"direction": '
    });
    expect(broken.status).toBe(400);
    expect(broken.json()).toEqual({ code: 'invalid_json', message: 'The request body is not valid JSON.' });
  });

  it('refuses a websocket without credentials', async () => {
    const ws = new WebSocket(`${gw.url.replace(/^http/, 'ws')}api/kernels/x/channels`);
    const status = await new Promise<number>(resolve => {
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.once('open', () => resolve(101));
      ws.once('error', () => resolve(-1));
    });
    expect(status).toBe(401);
  });
});

describe('the forwarding of plain requests (a Node server on loopback in Jupyter’s place)', () => {
  const token = crypto.randomBytes(16).toString('hex');
  const jupyter = { state: 'running', target: '' };
  let handle: http.RequestListener = (_req, res) => res.end();
  let upstream: http.Server;
  let front: http.Server;
  let gateway: Gateway;
  let base: URL;

  const listen = async (server: http.Server) => {
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as AddressInfo).port;
  };
  /** A request through the gateway; resolves to the answer with its body still to read. */
  const send = (options: http.RequestOptions, body?: (req: http.ClientRequest) => void) =>
    new Promise<http.IncomingMessage>((resolve, reject) => {
      const req = http.request({ host: base.hostname, port: base.port, ...options }, resolve);
      req.on('error', reject);
      if (body) {
        body(req);
      } else {
        req.end();
      }
    });
  const read = (res: http.IncomingMessage) =>
    new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      res.on('data', chunk => chunks.push(chunk));
      res.on('end', () => resolve(Buffer.concat(chunks)));
      res.on('error', reject);
    });
  const authorized = { Authorization: `token ${token}` };

  beforeAll(async () => {
    upstream = http.createServer((req, res) => handle(req, res));
    jupyter.target = `http://127.0.0.1:${await listen(upstream)}`;
    const auth = new JupyterAuthenticator({
      target: () => jupyter.target,
      state: () => jupyter.state,
      baseUrl: '/',
      cacheMs: 0,
      token
    });
    const logger = createLogger('silent');
    gateway = new Gateway({ baseUrl: '/', jupyter: jupyter as unknown as JupyterServer, auth, logger });
    front = http.createServer((req, res) => gateway.web(req, res));
    base = new URL(`http://127.0.0.1:${await listen(front)}/`);
  });

  afterAll(() => {
    gateway?.close();
    for (const server of [front, upstream]) {
      server?.closeAllConnections();
      server?.close();
    }
  });

  it('sends the judged target and end-to-end headers, drops hop-by-hop ones both ways, adds X-Forwarded-*', async () => {
    let seen: http.IncomingMessage | undefined;
    handle = (req, res) => {
      seen = req;
      const headers = [
        ['X-Answer', '1'],
        ['Set-Cookie', 'a=1; Path=/'],
        ['Set-Cookie', 'b=2; Path=/'],
        ['Keep-Alive', 'timeout=99'],
        ['Connection', 'X-Hop-Answer'],
        ['X-Hop-Answer', 'no'],
        ['Content-Length', '2']
      ];
      res.writeHead(200, 'Fine Indeed', headers.flat());
      res.end('ok');
    };
    const res = await send({
      path: '/static/../api/contents?x=1',
      headers: {
        ...authorized,
        Host: 'atelier.example:8443',
        'X-Custom': 'yes',
        Connection: 'keep-alive, X-Hop, Host',
        'X-Hop': 'dropped',
        'Keep-Alive': 'timeout=5',
        'Proxy-Authorization': 'Basic c2VjcmV0',
        TE: 'trailers',
        'X-Forwarded-For': '203.0.113.9'
      }
    });
    expect((await read(res)).toString()).toBe('ok');
    expect(seen?.url).toBe('/api/contents?x=1');
    expect(seen?.headers).toMatchObject({
      host: 'atelier.example:8443',
      authorization: `token ${token}`,
      'x-custom': 'yes',
      'x-forwarded-for': '203.0.113.9,127.0.0.1',
      'x-forwarded-port': '8443',
      'x-forwarded-proto': 'http',
      'x-forwarded-host': 'atelier.example:8443'
    });
    for (const name of ['x-hop', 'proxy-authorization', 'te']) {
      expect(seen?.headers).not.toHaveProperty(name);
    }
    expect(seen?.headers['keep-alive']).toBeUndefined();
    expect(seen?.headers.connection).toBe('keep-alive');
    expect(res.statusCode).toBe(200);
    expect(res.statusMessage).toBe('Fine Indeed');
    expect(res.headers['x-answer']).toBe('1');
    expect(res.headers['set-cookie']).toEqual(['a=1; Path=/', 'b=2; Path=/']);
    expect(res.headers).not.toHaveProperty('x-hop-answer');
    expect(res.headers['keep-alive']).not.toBe('timeout=99');
  });

  it('streams a request body and an answer as they come, not once they are whole', async () => {
    let firstPartArrived!: () => void;
    const arrived = new Promise<void>(resolve => (firstPartArrived = resolve));
    let answerBegunReceived!: () => void;
    const received = new Promise<void>(resolve => (answerBegunReceived = resolve));
    let uploaded = '';
    let framing: string | undefined;
    handle = (req, res) => {
      framing = req.headers['transfer-encoding'];
      req.setEncoding('utf8');
      req.on('data', chunk => {
        uploaded += chunk;
        firstPartArrived();
      });
      req.on('end', async () => {
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        res.write('first,');
        // The rest only once the client has the first part: an answer held back whole would hang here.
        await received;
        res.end('second');
      });
    };
    const res = await send({ method: 'PUT', path: '/api/contents/x.txt', headers: authorized }, req => {
      req.write('one,');
      // The rest only once Jupyter has the first part: a body held back whole would hang here.
      arrived.then(() => req.end('two'));
    });
    let downloaded = '';
    res.setEncoding('utf8');
    res.on('data', chunk => {
      downloaded += chunk;
      answerBegunReceived();
    });
    await new Promise(resolve => res.on('end', resolve));
    expect(uploaded).toBe('one,two');
    expect(framing).toBe('chunked');
    expect(downloaded).toBe('first,second');
  });

  it('carries 8 MiB each way intact', async () => {
    handle = (req, res) => {
      res.writeHead(200, { 'Content-Length': req.headers['content-length'] });
      req.pipe(res);
    };
    const body = crypto.randomBytes(8 * 1024 * 1024);
    const res = await send(
      { method: 'POST', path: '/api/echo', headers: { ...authorized, 'Content-Length': body.length } },
      req => req.end(body)
    );
    expect((await read(res)).equals(body)).toBe(true);
  });

  it('drops the request to Jupyter when the client goes away, mid-upload or mid-answer, and goes on', async () => {
    const cut: string[] = [];
    let uploadArrived!: () => void;
    const arrived = new Promise<void>(resolve => (uploadArrived = resolve));
    handle = (req, res) => {
      res.on('close', () => {
        if (!res.writableFinished) {
          cut.push(req.url ?? '');
        }
      });
      if (req.url === '/api/download') {
        res.writeHead(200, { 'Content-Length': '1000000' });
        res.write('x'.repeat(1000));
      } else {
        // Takes the start of the upload and never answers.
        req.once('data', () => uploadArrived());
      }
    };
    const downloading = await send({ path: '/api/download', headers: authorized });
    await new Promise(resolve => downloading.once('data', resolve));
    downloading.destroy();
    const uploading = http.request({
      host: base.hostname,
      port: base.port,
      method: 'PUT',
      path: '/api/upload',
      headers: authorized
    });
    uploading.on('error', () => undefined);
    uploading.write('part of a body');
    await arrived;
    uploading.destroy();
    await until(
      async () => (cut.length === 2 ? true : null),
      () => new Error(`Jupyter's side still open; cut short so far: ${cut.join(', ')}`),
      10000,
      20
    );
    expect(cut.sort()).toEqual(['/api/download', '/api/upload']);
    handle = (_req, res) => res.end('still here');
    expect((await read(await send({ path: '/api/next', headers: authorized }))).toString()).toBe('still here');
  });

  it('cuts the client off when Jupyter’s answer breaks off, and goes on', async () => {
    handle = (_req, res) => {
      res.writeHead(200, { 'Content-Length': '1000' });
      res.write('only ten b', () => res.socket?.destroy());
    };
    const res = await send({ path: '/api/broken', headers: authorized });
    const complete = await new Promise<boolean>(resolve => {
      res.on('error', () => undefined);
      res.resume();
      res.on('close', () => resolve(res.complete));
    });
    expect(complete).toBe(false);
    handle = (_req, res) => res.end('still here');
    expect((await read(await send({ path: '/api/next', headers: authorized }))).toString()).toBe('still here');
  });

  it('answers 502 when Jupyter does not answer, as JSON', async () => {
    const target = jupyter.target;
    const closed = http.createServer();
    const port = await listen(closed);
    await new Promise(resolve => closed.close(resolve));
    jupyter.target = `http://127.0.0.1:${port}`;
    try {
      const res = await send({ path: '/api/contents', headers: authorized });
      expect(res.statusCode).toBe(502);
      expect(JSON.parse((await read(res)).toString())).toEqual({
        code: 'jupyter_unreachable',
        message: 'The Jupyter server did not answer.'
      });
    } finally {
      jupyter.target = target;
    }
    handle = (_req, res) => res.end('back');
    expect((await read(await send({ path: '/api/next', headers: authorized }))).toString()).toBe('back');
  });

  it('passes HEAD, 204 and 304 answers on without a body', async () => {
    handle = (req, res) => {
      if (req.method === 'HEAD') {
        res.writeHead(200, { 'Content-Length': '5', 'Content-Type': 'text/plain' });
        res.end();
      } else {
        res.writeHead(req.url === '/api/empty' ? 204 : 304, { ETag: '"e"' });
        res.end();
      }
    };
    const head = await send({ method: 'HEAD', path: '/api/file', headers: authorized });
    expect(head.headers['content-length']).toBe('5');
    expect((await read(head)).length).toBe(0);
    for (const [path, status] of [
      ['/api/empty', 204],
      ['/api/cached', 304]
    ] as const) {
      const res = await send({ path, headers: authorized });
      expect(res.statusCode).toBe(status);
      expect(res.headers.etag).toBe('"e"');
      expect((await read(res)).length).toBe(0);
    }
  });
});

describe('the JupyterLab it runs', () => {
  it('refuses to start without a Python that has JupyterLab 4, and says what to do', async () => {
    for (const [python, why] of [
      ['/nonexistent/python3', /\/nonexistent\/python3 cannot be run \(ENOENT\)/],
      ['/bin/true', /\/bin\/true has no JupyterLab 4 \(it printed no version\)/]
    ] as const) {
      const started = startGateway({ 'jupyter.python': python });
      await expect(started).rejects.toThrow(
        /The gateway runs JupyterLab 4, but .* Install it \(pip install jupyterlab\) or set jupyter\.python/
      );
      await expect(started).rejects.toThrow(why);
    }
  });
});
