import { ServerConnection } from '@jupyterlab/services';
import { nullTranslator } from '@jupyterlab/translation';
import { AtelierClient } from '../api/client';
import { formatMemory, StatusModel } from '../status/model';
import { statusText } from '../status/widget';
import { IRunningService, startService } from './service';

const trans = nullTranslator.load('jupyterlab_atelier');

describe('formatMemory', () => {
  it.each([
    [512, '512 MiB'],
    [1024, '1 GiB'],
    [24105, '23.5 GiB'],
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

  it('shows the platform and the flavor read from the service', async () => {
    const client = new AtelierClient({ serverSettings: ServerConnection.makeSettings({ baseUrl: service.baseUrl }) });
    const model = new StatusModel({ client });
    let changes = 0;
    model.changed.connect(() => changes++);
    await model.refresh();
    expect(changes).toBe(1);
    const flavor = model.status!.flavor!;
    const text = statusText(model, trans);
    expect(text.startsWith('local · ')).toBe(true);
    expect(text).toContain(flavor.name);
    expect(text).toContain(`${flavor.cpus} CPU`);
    expect(text).toContain(formatMemory(flavor.memoryMiB));
    model.dispose();
    expect(model.isDisposed).toBe(true);
  });

  it('says "not connected" when no service answers, and keeps the last status while reconnecting', async () => {
    const dead = new AtelierClient({ serverSettings: ServerConnection.makeSettings({ baseUrl: 'http://127.0.0.1:9/' }) });
    const model = new StatusModel({ client: dead });
    await expect(model.refresh()).rejects.toThrow(/Cannot reach/);
    expect(statusText(model, trans)).toBe('Atelier: not connected');
    model.dispose();
  });
});
