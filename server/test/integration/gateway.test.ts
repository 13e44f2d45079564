import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import WebSocket from 'ws';
import { evaluate } from '../support/kernel';
import { cookiesFrom, IGateway, request, startGateway } from '../support/atelier';

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

describe('the JupyterLab it runs', () => {
  it('refuses to start without a Python that has JupyterLab 4, and says what to do', async () => {
    for (const python of ['/nonexistent/python3', '/bin/true']) {
      const started = startGateway({ 'jupyter.python': python });
      await expect(started).rejects.toThrow(
        /The gateway runs JupyterLab 4, but .* Install it \(pip install jupyterlab\) or set jupyter\.python/
      );
    }
  });
});
