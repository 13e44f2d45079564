import { ServerConnection } from '@jupyterlab/services';
import { nullTranslator } from '@jupyterlab/translation';
import { AtelierClient } from '../api/client';
import { formatMemory } from '../core/format';
import { StatusModel } from '../status/model';
import { statusText } from '../status/widget';
import { IRunningService, startService } from './service';

const trans = nullTranslator.load('jupyterlab_atelier');

describe('formatMemory', () => {
  it.each([
    [512, '512 MiB'],
    [1024, '1 GiB'],
    [24105, '24 GiB'],
    [3584, '3.5 GiB'],
    [4096, '4 GiB']
  ])('%d MiB reads %s', (mib, text) => {
    expect(formatMemory(mib)).toBe(text);
  });
});

describe('StatusModel', () => {
  let service: IRunningService;

  beforeAll(async () => {
    service = await startService();
  });

  afterAll(async () => {
    await service.stop();
  });

  it('asks six times less often while the tab is hidden, and at once when it is shown again', async () => {
    const client = new AtelierClient({ serverSettings: ServerConnection.makeSettings({ baseUrl: service.baseUrl }) });
    const model = new StatusModel({ client });
    model.setInterval(10000);
    await model.refresh();
    const show = (state: 'hidden' | 'visible') => {
      Object.defineProperty(document, 'visibilityState', { value: state, configurable: true });
      document.dispatchEvent(new Event('visibilitychange'));
    };
    try {
      show('hidden');
      expect(model.frequency.interval).toBe(60000);
      model.setInterval(20000);
      expect(model.frequency.interval).toBe(120000);
      let changes = 0;
      model.changed.connect(() => changes++);
      show('visible');
      expect(model.frequency.interval).toBe(20000);
      await new Promise(resolve => setTimeout(resolve, 500));
      expect(changes).toBeGreaterThan(0); // read again when shown
    } finally {
      show('visible');
      model.dispose();
    }
  });

  it('shows the platform and the flavor read from the service', async () => {
    const client = new AtelierClient({ serverSettings: ServerConnection.makeSettings({ baseUrl: service.baseUrl }) });
    const model = new StatusModel({ client });
    let changes = 0;
    model.changed.connect(() => changes++);
    model.setInterval(10000);
    await model.refresh();
    expect(changes).toBe(1);
    expect(model.frequency.interval).toBe(10000);
    const flavor = model.status!.flavor!;
    const text = statusText(model, trans);
    expect(text.startsWith('local · ')).toBe(true);
    expect(text).toContain(flavor.name);
    expect(text).toContain(`${flavor.cpus} CPU`);
    expect(text).toContain(formatMemory(flavor.memoryMiB));
    model.dispose();
    expect(model.isDisposed).toBe(true);
  });

  it('keeps the last status while the service is away, and says it is reconnecting', async () => {
    const own = await startService();
    const client = new AtelierClient({ serverSettings: ServerConnection.makeSettings({ baseUrl: own.baseUrl }) });
    const model = new StatusModel({ client });
    await model.refresh();
    const before = statusText(model, trans);
    await own.stop();
    await expect(model.refresh()).rejects.toThrow(/Cannot reach/);
    expect(statusText(model, trans)).toBe(`${before} · reconnecting…`);
    expect(model.frequency).toEqual(StatusModel.RECONNECT);
    model.dispose();
  });

  it('says "not connected" when no service ever answered', async () => {
    const dead = new AtelierClient({
      serverSettings: ServerConnection.makeSettings({ baseUrl: 'http://127.0.0.1:9/' })
    });
    const model = new StatusModel({ client: dead });
    await expect(model.refresh()).rejects.toThrow(/Cannot reach/);
    expect(statusText(model, trans)).toBe('Atelier: not connected');
    // It retries within seconds rather than at the normal interval.
    expect(model.frequency).toEqual(StatusModel.RECONNECT);
    model.dispose();
  });
});

describe('StatusModel notices restarts of the Jupyter server', () => {
  function statusWith(startedAt: string) {
    return {
      version: 'x',
      apiVersion: 'v1' as const,
      mode: 'gateway' as const,
      platform: 'local',
      user: 'u',
      capabilities: {},
      jupyter: { state: 'running' as const, startedAt }
    };
  }

  it('signals when startedAt changes, and after an outage ends', async () => {
    const answers: Array<() => Promise<any>> = [
      async () => statusWith('2026-01-01T00:00:00.000Z'),
      async () => statusWith('2026-01-01T00:00:00.000Z'),
      async () => statusWith('2026-01-01T00:05:00.000Z'),
      async () => {
        throw new Error('down');
      },
      async () => statusWith('2026-01-01T00:05:00.000Z')
    ];
    const client = { status: () => answers.shift()!() } as unknown as AtelierClient;
    const model = new StatusModel({ client });
    let restarts = 0;
    model.jupyterRestarted.connect(() => restarts++);
    await model.refresh();
    await model.refresh();
    expect(restarts).toBe(0);
    await model.refresh();
    expect(restarts).toBe(1);
    await expect(model.refresh()).rejects.toThrow('down');
    await model.refresh();
    expect(restarts).toBe(2);
    model.dispose();
  });
});
