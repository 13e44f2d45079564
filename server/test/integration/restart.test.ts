import { IGateway, request, startGateway } from '../support/atelier';

let gw: IGateway;

beforeAll(async () => {
  gw = await startGateway();
});

afterAll(async () => {
  await gw?.close();
});

it('restarts the Jupyter server while a client polls: 503 with Retry-After, then recovery', async () => {
  const headers = { Authorization: `token ${gw.token}` };
  const firstPid = gw.service.jupyter!.pid;
  const seen: number[] = [];
  let retryAfter: string | undefined;
  let firstOther: string | undefined;
  let polling = true;
  const poller = (async () => {
    while (polling) {
      const res = await request(`${gw.url}api/contents`, { headers });
      seen.push(res.status);
      if (res.status !== 200 && res.status !== 503 && !firstOther) {
        firstOther = `${res.status} ${res.body.slice(0, 300)} (Jupyter ${gw.service.jupyter!.state})`;
      }
      if (res.status === 503) {
        retryAfter = res.headers['retry-after'] as string;
        expect(res.json().code).toBe('jupyter_unavailable');
      }
      await new Promise(resolve => setTimeout(resolve, 50));
    }
  })();

  // The server answers before the restart (under load its first answer can take a moment).
  for (let i = 0; i < 200 && !seen.includes(200); i++) {
    await new Promise(resolve => setTimeout(resolve, 50));
  }
  const before = seen.length;
  const restart = await request(`${gw.url}atelier/api/v1/jupyter/restart`, { method: 'POST', headers });
  expect(restart.status).toBe(202);
  expect(restart.json().state).toBe('restarting');

  // Wait until the server is back and the poller has seen it.
  const deadline = Date.now() + 90000;
  while (Date.now() < deadline) {
    const info = await request(`${gw.url}atelier/api/v1/jupyter`, { headers });
    if (info.json().state === 'running' && seen[seen.length - 1] === 200 && seen.includes(503)) {
      break;
    }
    await new Promise(resolve => setTimeout(resolve, 100));
  }
  polling = false;
  await poller;

  const first503 = seen.indexOf(503, before);
  expect(seen.slice(0, before)).toContain(200);
  expect(first503).toBeGreaterThanOrEqual(before);
  expect(seen.slice(first503).includes(200)).toBe(true);
  // Only "ready" or "restarting, retry": never a proxy error or a dropped request.
  const other = seen.find(s => s !== 200 && s !== 503);
  expect([other, other === undefined ? '' : firstOther]).toEqual([undefined, '']);
  expect(retryAfter).toBe('2');
  expect(gw.service.jupyter!.pid).not.toBe(firstPid);
  // The same token still works after the restart.
  expect((await request(`${gw.url}api/status`, { headers })).status).toBe(200);
});

it('brings the Jupyter server back by itself after it dies', async () => {
  const headers = { Authorization: `token ${gw.token}` };
  const jupyter = gw.service.jupyter!;
  const pid = jupyter.pid!;
  process.kill(pid, 'SIGKILL');
  const states = new Set<string>();
  const deadline = Date.now() + 60000;
  while (Date.now() < deadline) {
    states.add(jupyter.state);
    if (jupyter.state === 'running' && jupyter.pid !== pid) {
      break;
    }
    await new Promise(resolve => setTimeout(resolve, 50));
  }
  expect(states.has('failed') || states.has('restarting')).toBe(true);
  expect(jupyter.state).toBe('running');
  expect(jupyter.pid).not.toBe(pid);
  expect((await request(`${gw.url}api/contents`, { headers })).status).toBe(200);
});
