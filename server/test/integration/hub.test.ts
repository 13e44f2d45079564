/**
 * Atelier under a real JupyterHub: two users, each single-user server with Atelier (the wheel,
 * served through jupyter-server-proxy). A's Atelier works for A, with A as its user; B's
 * credentials get nothing from A's Atelier, neither its API nor the proxy in front of it.
 * The Hub offers profiles (as KubeSpawner's profile_list), which a local spawner applies as a
 * CPU set and a memory cgroup: A switches profiles from Atelier, and the restarted server runs
 * under the new profile's limits; a profile that cannot start leaves A on the old one.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { HubFlavors } from '../../src/platform/jupyterhub/flavors';
import { parseProfiles } from '../../src/platform/jupyterhub/profiles';
import { IHub, startHub } from '../support/hub';
import { request } from '../support/atelier';

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
  // The spawner's cgroups, should one outlive its server.
  for (const root of ['/sys/fs/cgroup/memory', '/sys/fs/cgroup']) {
    for (const name of fs.existsSync(root) ? fs.readdirSync(root) : []) {
      if (name.startsWith('atelier-hub-test-')) {
        try {
          fs.rmdirSync(`${root}/${name}`);
        } catch {
          // still in use: left for the machine's owner, as any cgroup a process holds
        }
      }
    }
  }
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
  const adaBuckets = (
    await request(`${hub.url}user/ada/atelier/api/v1/storage/endpoints/local/buckets`, { headers: as(ada) })
  ).json();
  expect(adaBuckets.buckets.map((b: { name: string }) => b.name)).toContain('ada-data');
  const bobBuckets = (
    await request(`${hub.url}user/bob/atelier/api/v1/storage/endpoints/local/buckets`, { headers: as(bob) })
  ).json();
  expect(bobBuckets.buckets.map((b: { name: string }) => b.name)).not.toContain('ada-data');
});

it("gives B's credentials nothing from A's Atelier or A's server", async () => {
  for (const route of [
    'atelier/api/v1/status',
    'atelier/api/v1/storage/endpoints/local/buckets',
    'atelier/api/v1/jobs',
    'api/contents',
    'lab'
  ]) {
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
  const adaBuckets = (
    await request(`${hub.url}user/ada/atelier/api/v1/storage/endpoints/local/buckets`, { headers: as(ada) })
  ).json();
  expect(adaBuckets.buckets.map((b: { name: string }) => b.name)).not.toContain('bob-was-here');
  // No credentials at all: nothing either.
  const anonymous = await request(`${hub.url}user/ada/atelier/api/v1/status`);
  expect(anonymous.status === 200).toBe(false);
});

/** The CPUs and the memory limit the kernel applies to a process. */
function limitsOf(pid: number): { cpus: string; memoryBytes: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const cpus = /Cpus_allowed_list:\s*(\S+)/.exec(status)![1];
  const cgroups = fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n');
  const v1 = cgroups.find(line => /^\d+:([^:]*,)?memory(,[^:]*)?:/.test(line));
  const file = v1
    ? `/sys/fs/cgroup/memory${v1.split(':')[2]}/memory.limit_in_bytes`
    : `/sys/fs/cgroup${cgroups.find(l => l.startsWith('0::'))!.slice(3)}/memory.max`;
  return { cpus, memoryBytes: Number(fs.readFileSync(file, 'utf8').trim()) };
}

const GiB = 1024 ** 3;

/** The first `n` CPUs this process may use, as Cpus_allowed_list writes them. */
function firstCpus(n: number): string {
  const list = /Cpus_allowed_list:\s*(\S+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))![1];
  const cpus = list.split(',').flatMap(range => {
    const [a, b] = range.split('-').map(Number);
    return Array.from({ length: (b ?? a) - a + 1 }, (_, i) => a + i);
  });
  const chosen = cpus.slice(0, n);
  return chosen.length === 2 && chosen[1] === chosen[0] + 1 ? `${chosen[0]}-${chosen[1]}` : chosen.join(',');
}

describe('flavors under JupyterHub', () => {
  const api = (route: string, init: { method?: string; body?: unknown } = {}) =>
    request(`${hub.url}user/ada/atelier/api/v1/${route}`, {
      method: init.method ?? 'GET',
      headers: { ...as(ada), Accept: 'application/json', ...(init.body ? { 'Content-Type': 'application/json' } : {}) },
      body: init.body ? JSON.stringify(init.body) : undefined
    });
  const serverPid = async (): Promise<number> => (await hub.api('GET', 'users/ada')).json().servers[''].state.pid;

  /** Starts a switch and reads its record until it ends; the server (and Atelier) is away meanwhile. */
  async function switchTo(flavorId: string) {
    const started = await api('flavors/switch', { method: 'POST', body: { flavorId } });
    expect([started.status, started.body]).toEqual([202, expect.any(String)]);
    const id = started.json().id;
    const answers = new Set<number>();
    const deadline = Date.now() + 240000;
    for (;;) {
      const res = await api('flavors/switch').catch(() => null);
      answers.add(res?.status ?? 0);
      const record = res?.status === 200 ? res.json() : null;
      if (record && record.id === id && record.state !== 'running') {
        return { record, answers };
      }
      if (Date.now() > deadline) {
        const worker = path.join(hub.root, 'home', 'ada', '.local', 'share', 'atelier', 'logs', 'flavor-switch.log');
        const said = fs.existsSync(worker) ? fs.readFileSync(worker, 'utf8').slice(-2000) : '(no worker log)';
        throw new Error(
          `the switch did not end: ${[...answers].join(', ')}\nworker: ${said}\nhub: ${hub.log().slice(-4000)}`
        );
      }
      await new Promise(resolve => setTimeout(resolve, 500));
    }
  }

  it("offers the Hub's profiles, the one the server runs under as current, with its limits applied", async () => {
    const list = (await api('flavors')).json();
    expect(list).toMatchObject({ current: 'small', switchable: true });
    expect(
      list.flavors.map((f: { id: string; cpus: number; memoryMiB: number }) => [f.id, f.cpus, f.memoryMiB])
    ).toEqual([
      ['small', 1, 1024],
      ['large', 2, 2048],
      ['broken', 1, 1024]
    ]);
    expect(limitsOf(await serverPid())).toEqual({ cpus: firstCpus(1), memoryBytes: GiB });
  });

  it('restarts the server under the chosen profile through the Hub, and the new server has its CPU set and memory limit', async () => {
    const before = await serverPid();
    const { record, answers } = await switchTo('large');
    expect(record).toMatchObject({ from: 'small', to: 'large', state: 'completed', step: 'ready' });
    // The server was away for a while: the Hub answered for it.
    expect([...answers].some(status => status !== 200)).toBe(true);
    const after = await serverPid();
    expect(after).not.toBe(before);
    expect(limitsOf(after)).toEqual({ cpus: firstCpus(2), memoryBytes: 2 * GiB });
    expect((await api('flavors')).json()).toMatchObject({ current: 'large' });
    // The worker's token is deleted once the switch is over.
    const tokens = (await hub.api('GET', 'users/ada/tokens')).json();
    expect(tokens.api_tokens.filter((t: { note: string }) => t.note.startsWith('Atelier: switching'))).toEqual([]);
  }, 300000);

  it('goes back to the profile it had when the new one cannot start, and says why', async () => {
    const { record } = await switchTo('broken');
    expect(record).toMatchObject({ from: 'large', to: 'broken', state: 'failed' });
    expect(record.error).toContain('has no image on this machine');
    expect((await api('flavors')).json()).toMatchObject({ current: 'large' });
    expect(limitsOf(await serverPid()).memoryBytes).toBe(2 * GiB);
  }, 300000);

  it('starts a switch worker that ends before it begins again, and fails a switch whose worker ends before it finishes, instead of waiting forever', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'atelier-hub-worker-'));
    const profiles = parseProfiles([
      { display_name: 'Large', slug: 'large', kubespawner_override: { cpu_limit: 2, mem_limit: '2G' } },
      { display_name: 'Broken', slug: 'broken', kubespawner_override: { cpu_limit: 1, mem_limit: '1G' } }
    ]);
    const flavors = (workerCommand: string[]) =>
      new HubFlavors({
        hub: { apiUrl: `${hub.url}hub/api`, token: ada, user: 'ada', serverName: '' },
        profiles,
        dataDir,
        workerCommand,
        pollMs: 50
      });
    try {
      // Never takes the switch over (ends before its first word), each of the three times.
      const silent = flavors([process.execPath, '-e', 'process.exit(3)']);
      await expect(silent.switchTo('broken', () => undefined, 'switch-1')).rejects.toThrow(
        'The worker that restarts the server could not start: it exited with code 3, 3 times.'
      );
      // Says why, among other lines of its log (only its own words are repeated).
      const talking = flavors([
        process.execPath,
        '-e',
        "console.error('noise'); console.error('atelier hub-switch switch-2: the order is odd'); console.error('    at somewhere'); process.kill(process.pid, 'SIGKILL')"
      ]);
      await expect(talking.switchTo('broken', () => undefined, 'switch-2')).rejects.toThrow(
        'it was ended by SIGKILL (atelier hub-switch switch-2: the order is odd), 3 times.'
      );
      // Fails to start once, then takes the switch over and ends before it finishes.
      const script = path.join(dataDir, 'worker.js');
      fs.writeFileSync(
        script,
        `const fs = require('fs');
        const marker = ${JSON.stringify(path.join(dataDir, 'tried'))};
        if (!fs.existsSync(marker)) { fs.writeFileSync(marker, ''); process.exit(3); }
        let text = '';
        process.stdin.on('data', c => (text += c)).on('end', () => {
          const order = JSON.parse(text);
          const state = JSON.parse(fs.readFileSync(order.file, 'utf8'));
          // Written whole, then moved into place, as the real worker writes it.
          fs.writeFileSync(order.file + '.tmp', JSON.stringify({ ...state, pid: process.pid }));
          fs.renameSync(order.file + '.tmp', order.file);
          process.exit(1);
        });`
      );
      await expect(flavors([process.execPath, script]).switchTo('broken', () => undefined, 'switch-3')).rejects.toThrow(
        'The worker that restarts the server stopped before it finished: it exited with code 1.'
      );
      expect(fs.existsSync(path.join(dataDir, 'tried'))).toBe(true);
      // The server was never touched: it still runs under its profile.
      expect((await api('flavors')).json()).toMatchObject({ current: 'large' });
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
