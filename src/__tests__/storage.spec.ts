import { ServerConnection } from '@jupyterlab/services';
import { AtelierClient } from '../api/client';
import { formatBytes } from '../core/format';
import { nameOf, parentOf, StorageBrowserModel } from '../storage/model';
import { parseCsv, previewKind } from '../storage/widgets/preview';
import { IRunningService, startService } from './service';

describe('storage helpers', () => {
  it('names and parents of keys', () => {
    expect(nameOf('a/b/c.txt')).toBe('c.txt');
    expect(nameOf('a/b/')).toBe('b');
    expect(parentOf('a/b/c.txt')).toBe('a/b/');
    expect(parentOf('a/b/')).toBe('a/');
    expect(parentOf('top.txt')).toBe('');
  });

  it('formats bytes', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(200 * 1024 * 1024)).toBe('200 MiB');
  });

  it('parses CSV with quotes, embedded commas and newlines, up to a row limit', () => {
    expect(parseCsv('a,b\n1,"x, ""y"""\n"multi\nline",3\n')).toEqual([
      ['a', 'b'],
      ['1', 'x, "y"'],
      ['multi\nline', '3']
    ]);
    expect(parseCsv('a\r\nb\r\nc', 2)).toEqual([['a'], ['b']]);
  });

  it('picks the preview kind', () => {
    expect(previewKind('x/photo.JPG', '')).toBe('image');
    expect(previewKind('t.csv', 'text/csv')).toBe('csv');
    expect(previewKind('n.ipynb', '')).toBe('json');
    expect(previewKind('README', '')).toBe('text');
  });
});

describe('StorageBrowserModel against a real service', () => {
  let service: IRunningService;
  let client: AtelierClient;

  beforeAll(async () => {
    service = await startService();
    client = new AtelierClient({ serverSettings: ServerConnection.makeSettings({ baseUrl: service.baseUrl }) });
  });

  afterAll(async () => {
    await service.stop();
  });

  async function seed(bucket: string, key: string, body: string) {
    const url = `${service.baseUrl}atelier/api/v1/storage/endpoints/local/buckets/${bucket}/object?key=${encodeURIComponent(key)}`;
    const res = await fetch(url, { method: 'PUT', body, headers: { 'Content-Type': 'application/octet-stream' } });
    expect(res.status).toBe(201);
  }

  it('opens the local endpoint, pages through a folder, sorts, filters and navigates', async () => {
    const model = new StorageBrowserModel({ client, pageSize: 10 });
    await model.initialize();
    expect(model.endpoint?.id).toBe('local');
    expect(model.bucket).toBeNull();

    await client.createBucket('local', 'browse');
    await model.reloadBuckets('browse');
    expect(model.bucket).toBe('browse');
    for (let i = 0; i < 25; i++) {
      await seed('browse', `item-${String(i).padStart(2, '0')}.txt`, 'x'.repeat(i));
    }
    await client.createFolder('local', 'browse', 'zfolder/');
    await seed('browse', 'zfolder/inner.txt', 'inner');

    await model.refresh();
    expect(model.items.length).toBe(10);
    expect(model.hasMore).toBe(true);
    while (model.hasMore) {
      await model.loadMore();
    }
    expect(model.items.length).toBe(26);
    // Folders first, then names.
    expect(model.items[0]).toMatchObject({ kind: 'folder', key: 'zfolder/', name: 'zfolder' });
    expect(model.items[1].key).toBe('item-00.txt');

    model.setSort('size');
    expect(model.items[1].key).toBe('item-00.txt');
    model.setSort('size');
    expect(model.items[1].key).toBe('item-24.txt');

    model.setSort('name');
    expect(model.sort).toEqual({ key: 'name', ascending: true });
    await model.setFilter('item-1');
    expect(model.items.map(i => i.key)).toEqual(Array.from({ length: 10 }, (_, i) => `item-1${i}.txt`));

    await model.cd('zfolder/');
    expect(model.filter).toBe('');
    expect(model.items.map(i => i.key)).toEqual(['zfolder/inner.txt']);
    expect(model.uriOf('zfolder/inner.txt')).toBe('s3://browse/zfolder/inner.txt');
    model.select('zfolder/inner.txt');
    expect(model.selected?.size).toBe(5);
    // A refresh in place keeps the rows (and the selection) until the new page is there...
    const inPlace = model.refresh(true);
    expect(model.items.map(i => i.key)).toEqual(['zfolder/inner.txt']);
    await inPlace;
    expect(model.items.map(i => i.key)).toEqual(['zfolder/inner.txt']);
    expect(model.selected?.key).toBe('zfolder/inner.txt');
    // ...a plain one (a new place) clears them at once.
    const fresh = model.refresh();
    expect(model.items).toEqual([]);
    await fresh;
    expect(model.items.map(i => i.key)).toEqual(['zfolder/inner.txt']);
    await model.refreshAll();
    expect(model.items.map(i => i.key)).toEqual(['zfolder/inner.txt']);
    model.dispose();
  });

  it('reports a missing bucket as an error, not an empty folder', async () => {
    const model = new StorageBrowserModel({ client });
    await model.initialize();
    await model.setBucket('no-such-bucket');
    expect(model.error).toMatch(/does not exist/);
    expect(model.items).toEqual([]);
    model.dispose();
  });
});
