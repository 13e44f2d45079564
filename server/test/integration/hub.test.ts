/**
 * Atelier under a real JupyterHub: two users, each single-user server with Atelier (the wheel,
 * served through jupyter-server-proxy). A's Atelier works for A, with A as its user; B's
 * credentials get nothing from A's Atelier, neither its API nor the proxy in front of it.
 */
import { IHub, startHub } from './hub';
import { request } from './harness';

let hub: IHub;
let ada: string;
let bob: string;

beforeAll(async () => {
  hub = await startHub();
  ada = await hub.startUser('ada');
  bob = await hub.startUser('bob');
}, 240000);

afterAll(async () => {
  await hub?.stop();
});

const as = (token: string) => ({ Authorization: `token ${token}` });

it("serves each user's Atelier in their own server, with the Hub's user as Atelier's user", async () => {
  for (const [name, token] of [
    ['ada', ada],
    ['bob', bob]
  ]) {
    const res = await request(`${hub.url}user/${name}/atelier/api/v1/status`, { headers: as(token) });
    expect([name, res.status]).toEqual([name, 200]);
    expect(res.json()).toMatchObject({ mode: 'sidecar', user: name });
  }
  // A's Atelier does work for A: a bucket of A's own.
  const created = await request(`${hub.url}user/ada/atelier/api/v1/storage/endpoints/local/buckets`, {
    method: 'POST',
    headers: { ...as(ada), 'Content-Type': 'application/json' },
    body: JSON.stringify({ name: 'ada-data' })
  });
  expect(created.status).toBe(201);
  const adaBuckets = (await request(`${hub.url}user/ada/atelier/api/v1/storage/endpoints/local/buckets`, { headers: as(ada) })).json();
  expect(adaBuckets.buckets.map((b: { name: string }) => b.name)).toContain('ada-data');
  const bobBuckets = (await request(`${hub.url}user/bob/atelier/api/v1/storage/endpoints/local/buckets`, { headers: as(bob) })).json();
  expect(bobBuckets.buckets.map((b: { name: string }) => b.name)).not.toContain('ada-data');
});

it("gives B's credentials nothing from A's Atelier or A's server", async () => {
  for (const route of ['atelier/api/v1/status', 'atelier/api/v1/storage/endpoints/local/buckets', 'atelier/api/v1/jobs', 'api/contents', 'lab']) {
    const res = await request(`${hub.url}user/ada/${route}`, { headers: as(bob) });
    expect([route, res.status === 200]).toEqual([route, false]);
    expect([route, res.body.includes('ada-data') || res.body.includes('"apiVersion"')]).toEqual([route, false]);
  }
  const write = await request(`${hub.url}user/ada/atelier/api/v1/storage/endpoints/local/buckets`, {
    method: 'POST',
    headers: { ...as(bob), 'Content-Type': 'application/json' },
    body: JSON.stringify({ name: 'bob-was-here' })
  });
  expect(write.status === 201).toBe(false);
  const adaBuckets = (await request(`${hub.url}user/ada/atelier/api/v1/storage/endpoints/local/buckets`, { headers: as(ada) })).json();
  expect(adaBuckets.buckets.map((b: { name: string }) => b.name)).not.toContain('bob-was-here');
  // No credentials at all: nothing either.
  const anonymous = await request(`${hub.url}user/ada/atelier/api/v1/status`);
  expect(anonymous.status === 200).toBe(false);
});
