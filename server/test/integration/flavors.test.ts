/**
 * Flavor switching on the local platform: the gateway restarts its real Jupyter server under
 * another flavor's limits, and kernels started afterwards run under them.
 */
import { startGateway, IGateway, request } from '../support/atelier';
import { evaluate } from '../support/kernel';

const CATALOG = [
  { id: 'one', name: 'One CPU', cpus: 1, memoryMiB: 2048 },
  { id: 'two', name: 'Two CPUs', cpus: 2, memoryMiB: 3072 },
  { id: 'huge', name: 'Huge', cpus: 512, memoryMiB: 4096 },
  { id: 'tiny', name: 'Tiny', cpus: 1, memoryMiB: 16 }
];
const settings = { 'flavors.catalog': CATALOG, 'flavors.default': 'two' };

/** What a kernel sees: its CPUs, the memory limit it runs under (MiB), the flavor variable. */
const PROBE = `
import os, resource
def _limit():
    for line in open('/proc/self/cgroup'):
        _, ctrl, path = line.strip().split(':', 2)
        for base, name in (('/sys/fs/cgroup/memory', 'memory.limit_in_bytes'), ('/sys/fs/cgroup', 'memory.max')):
            if (ctrl == 'memory') == base.endswith('memory') and os.path.exists(base + path + '/' + name):
                value = open(base + path + '/' + name).read().strip()
                if value not in ('max', '9223372036854771712'):
                    return int(value) // 2**20
    soft = resource.getrlimit(resource.RLIMIT_AS)[0]
    return soft // 2**20 if soft > 0 else -1
f"{len(os.sched_getaffinity(0))} {_limit()} {os.environ.get('ATELIER_FLAVOR')}"
`;

let gw: IGateway & { root: string };

const api = (p: string, method = 'GET', body?: unknown) =>
  request(`${gw.url}atelier/api/v1/${p}`, {
    method,
    headers: { Authorization: `token ${gw.token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined
  });

async function switchTo(flavorId: string): Promise<{ record: any; steps: string[] }> {
  // Two requests at once: one switch runs, the other is refused.
  const both = await Promise.all([
    api('flavors/switch', 'POST', { flavorId }),
    api('flavors/switch', 'POST', { flavorId })
  ]);
  expect(both.map(r => r.status).sort()).toEqual([202, 409]);
  const started = both.find(r => r.status === 202)!;
  expect(both.find(r => r.status === 409)!.json().code).toBe('switching');
  const steps: string[] = [started.json().step];
  const deadline = Date.now() + 120000;
  while (Date.now() < deadline) {
    const record = (await api('flavors/switch')).json();
    if (steps[steps.length - 1] !== record.step) {
      steps.push(record.step);
    }
    if (record.state !== 'running') {
      return { record, steps };
    }
    await new Promise(resolve => setTimeout(resolve, 50));
  }
  throw new Error(`the switch to ${flavorId} did not finish`);
}

beforeAll(async () => {
  gw = await startGateway(settings);
});

afterAll(async () => {
  await gw?.close();
});

test('the notebook server starts under the configured flavor', async () => {
  const flavors = (await api('flavors')).json();
  expect(flavors).toMatchObject({ current: 'two', switchable: true });
  expect(flavors.flavors.find((f: any) => f.id === 'huge')).toMatchObject({
    selectable: false,
    reason: expect.stringMatching(/needs 512 CPUs/)
  });
  expect(await evaluate(gw, PROBE)).toBe("'2 3072 two'");
  const usage = (await api('flavors/usage')).json();
  expect(usage).toMatchObject({ cpus: 2, memoryLimitMiB: 3072 });
  expect(usage.memoryUsedMiB).toBeGreaterThan(10);
});

test('switches that cannot be done are refused before anything stops', async () => {
  const startedAt = (await api('jupyter')).json().startedAt;
  const huge = await api('flavors/switch', 'POST', { flavorId: 'huge' });
  expect(huge.status).toBe(409);
  expect(huge.json().message).toMatch(/Huge cannot be chosen: Does not fit this machine: needs 512 CPUs/);
  expect((await api('flavors/switch', 'POST', { flavorId: 'two' })).status).toBe(409);
  expect((await api('flavors/switch', 'POST', { flavorId: 'nope' })).status).toBe(404);
  expect((await api('flavors/switch', 'POST', {})).status).toBe(400);
  expect((await api('jupyter')).json()).toEqual({ state: 'running', startedAt });
});

test('a switch restarts the server under the new flavor; kernels see its CPUs and memory limit', async () => {
  const { record, steps } = await switchTo('one');
  expect(record).toMatchObject({ state: 'completed', step: 'ready', from: 'two', to: 'one' });
  expect(steps).toEqual(expect.arrayContaining(['stopping', 'starting', 'ready']));
  expect((await api('flavors')).json().current).toBe('one');
  expect((await api('status')).json().flavor.id).toBe('one');
  expect(await evaluate(gw, PROBE)).toBe("'1 2048 one'");
});

test('a switch whose server cannot start goes back to the previous flavor and says why', async () => {
  const { record, steps } = await switchTo('tiny');
  expect(record.state).toBe('failed');
  expect(record.error).toMatch(/did not start under Tiny; it runs under One CPU again/);
  expect(steps).toContain('rolling-back');
  expect((await api('flavors')).json().current).toBe('one');
  expect((await api('jupyter')).json().state).toBe('running');
  expect(await evaluate(gw, PROBE)).toBe("'1 2048 one'");
});

test('the chosen flavor survives a restart of the service', async () => {
  const root = gw.root;
  const token = gw.token;
  await gw.close(true);
  gw = await startGateway(settings, {}, { root, token });
  expect((await api('flavors')).json().current).toBe('one');
  expect(await evaluate(gw, PROBE)).toBe("'1 2048 one'");
});
