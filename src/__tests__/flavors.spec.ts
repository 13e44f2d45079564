import { ServerConnection } from '@jupyterlab/services';
import { nullTranslator } from '@jupyterlab/translation';
import type { IFlavor } from '../api/client';
import { AtelierClient } from '../api/client';
import { flavorFigures, formatMemory, memoryPair, usageText } from '../core/format';
import { FlavorsModel } from '../flavors/model';
import { filterFlavors, unavailable } from '../flavors/picker';
import { IRunningService, startService } from './service';

const trans = nullTranslator.load('jupyterlab_atelier');
const flavor = (id: string, cpus: number, memoryMiB: number, gpus = 0, selectable = true): IFlavor => ({
  id,
  name: id,
  cpus,
  memoryMiB,
  gpus,
  selectable
});

describe('flavor helpers', () => {
  const catalog = [
    flavor('small', 1, 4096),
    flavor('big', 8, 32768),
    flavor('gpu', 8, 65536, 1),
    flavor('huge', 64, 1 << 20, 0, false)
  ];

  it('filters by GPU or CPU only, and by CPUs and memory', () => {
    const ids = (kind: 'all' | 'gpu' | 'cpu', minCpus = 0, minMemoryGiB = 0) =>
      filterFlavors(catalog, { kind, minCpus, minMemoryGiB }).map(f => f.id);
    expect(ids('all')).toEqual(['small', 'big', 'gpu', 'huge']);
    expect(ids('gpu')).toEqual(['gpu']);
    expect(ids('cpu', 2)).toEqual(['big', 'huge']);
    expect(ids('all', 0, 64)).toEqual(['gpu', 'huge']);
  });

  it('says why a flavor cannot be chosen', () => {
    expect(unavailable(catalog[0], 'small', trans)).toMatch(/runs under this flavor now/);
    expect(unavailable({ ...catalog[3], reason: 'Does not fit this machine.' }, 'small', trans)).toBe(
      'Does not fit this machine.'
    );
    expect(unavailable(catalog[1], 'small', trans)).toBeNull();
  });

  it('writes usage compactly and in full', () => {
    expect(memoryPair(180, 512)).toBe('180/512 MiB');
    expect(memoryPair(200, 4096)).toBe('0.2/4 GiB');
    expect(memoryPair(12 * 1024, 24105)).toBe('12/24 GiB');
    // The limit reads as the status bar writes it.
    expect(memoryPair(12 * 1024, 24105).split('/')[1]).toBe(formatMemory(24105));
    const usage = { cpuPercent: 12.4, cpus: 2, memoryUsedMiB: 410, memoryLimitMiB: 4096, at: '' };
    expect(usageText(usage, formatMemory, { cpu: 'CPU', gpu: 'GPU' })).toBe('CPU 12% · 410 MiB / 4 GiB');
    const withGpu = {
      ...usage,
      gpus: [{ index: 0, name: 'T4', utilizationPercent: 30, memoryUsedMiB: 2048, memoryTotalMiB: 16384 }]
    };
    expect(usageText(withGpu, formatMemory, { cpu: 'CPU', gpu: 'GPU' })).toBe(
      'CPU 12% · 410 MiB / 4 GiB · GPU 30% · 2 GiB / 16 GiB'
    );
  });

  it('leaves out the figures a JupyterHub profile does not state', () => {
    expect(flavorFigures(flavor('a', 2, 4096), trans)).toBe('2 CPUs · 4 GiB');
    expect(flavorFigures(flavor('b', 0, 4096), trans)).toBe('4 GiB');
    expect(flavorFigures(flavor('c', 1, 0, 1), trans)).toBe('1 CPU · 1 GPU');
    expect(flavorFigures(flavor('d', 0, 0), trans)).toBe('no figures stated');
    expect(memoryPair(300, 0)).toBe('300 MiB');
    const unlimited = { cpuPercent: 5, cpus: 0, memoryUsedMiB: 2048, memoryLimitMiB: 0, at: '' };
    expect(usageText(unlimited, formatMemory, { cpu: 'CPU', gpu: 'GPU' })).toBe('CPU 5% · 2 GiB');
  });
});

describe('FlavorsModel against a real service', () => {
  let service: IRunningService;
  let model: FlavorsModel;

  beforeAll(async () => {
    service = await startService();
    model = new FlavorsModel(
      new AtelierClient({ serverSettings: ServerConnection.makeSettings({ baseUrl: service.baseUrl }) })
    );
  });

  afterAll(async () => {
    model?.dispose();
    await service?.stop();
  });

  it('lists the flavors and reads usage; beside a server it does not own, it cannot switch', async () => {
    const list = await model.refresh();
    expect(list.flavors.length).toBeGreaterThan(0);
    expect(list.flavors.map(f => f.id)).toContain(list.current);
    expect(list.switchable).toBe(false);
    expect(list.switchReason).toMatch(/jupyter-server-proxy.*atelier lab/);
    await model.refreshUsage();
    expect(model.usage).toMatchObject({ cpus: expect.any(Number), memoryLimitMiB: expect.any(Number) });
    await expect(model.switchTo(list.flavors[0].id, () => undefined)).rejects.toMatchObject({
      status: 409,
      code: 'not_owned'
    });
    expect(model.switching).toBeNull();
  });
});
