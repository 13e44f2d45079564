import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import type { AddressInfo } from 'net';
import { ServerConnection } from '@jupyterlab/services';
import { nullTranslator } from '@jupyterlab/translation';
import { AtelierClient } from '../api/client';
import { AtelierError } from '../api/request';
import { handshake } from '../core/plugin';
import type { IAtelierClient } from '../tokens';
import { VERSION } from '../version';
import { IRunningService, startService } from './service';

const trans = nullTranslator.load('jupyterlab_atelier');

function clientFor(baseUrl: string): AtelierClient {
  return new AtelierClient({
    serverSettings: ServerConnection.makeSettings({ baseUrl, wsUrl: baseUrl.replace(/^http/, 'ws') })
  });
}

describe('AtelierClient against a real service', () => {
  let service: IRunningService;

  beforeAll(async () => {
    service = await startService();
  });

  afterAll(async () => {
    await service.stop();
  });

  it('reads the status: version, platform, capabilities and the current flavor', async () => {
    const status = await clientFor(service.baseUrl).status();
    expect(status.version).toBe(VERSION);
    expect(status.platform).toBe('local');
    expect(status.mode).toBe('sidecar');
    expect(status.capabilities.flavors).toBe(true);
    expect(status.flavor?.cpus).toBeGreaterThan(0);
    expect(status.flavor?.memoryMiB).toBeGreaterThan(0);
  });

  it('lists flavors with the current one among them', async () => {
    const list = await clientFor(service.baseUrl).flavors();
    expect(list.flavors.map(f => f.id)).toContain(list.current);
  });

  it('reads the current flavor, the one the list marks current', async () => {
    const client = clientFor(service.baseUrl);
    const [current, list] = await Promise.all([client.currentFlavor(), client.flavors()]);
    expect(current.id).toBe(list.current);
    expect(current.cpus).toBeGreaterThan(0);
  });

  it('reads one transfer by its id, and says 404 for one that does not exist', async () => {
    const client = clientFor(service.baseUrl);
    const missing = await client.transfer('no-such-transfer').catch(e => e);
    expect(missing).toBeInstanceOf(AtelierError);
    expect(missing.status).toBe(404);
    fs.writeFileSync(path.join(service.workspace, 'for-client.txt'), 'copied\n');
    await client.createBucket('local', 'client-spec');
    const created = await client.createTransfer({
      direction: 'to-storage',
      endpoint: 'local',
      bucket: 'client-spec',
      key: 'for-client.txt',
      path: 'for-client.txt',
      overwrite: false
    });
    let transfer = await client.transfer(created.id);
    for (let i = 0; i < 100 && transfer.state !== 'completed' && transfer.state !== 'failed'; i++) {
      await new Promise(resolve => setTimeout(resolve, 100));
      transfer = await client.transfer(created.id);
    }
    expect(transfer).toMatchObject({ id: created.id, state: 'completed', filesDone: 1, bytesDone: 7 });
  });

  it('tells whether an object exists, exactly by its key, without a failed request', async () => {
    const client = clientFor(service.baseUrl);
    fs.mkdirSync(path.join(service.workspace, 'exists'), { recursive: true });
    for (const name of ['notes.txt', 'notes.txt.bak', 'other.txt']) {
      fs.writeFileSync(path.join(service.workspace, 'exists', name), name);
    }
    await client.createBucket('local', 'exists-spec');
    const created = await client.createTransfer({
      direction: 'to-storage',
      endpoint: 'local',
      bucket: 'exists-spec',
      key: 'in/',
      path: 'exists',
      overwrite: false
    });
    for (let i = 0; i < 100 && (await client.transfer(created.id)).state !== 'completed'; i++) {
      await new Promise(resolve => setTimeout(resolve, 100));
    }
    const answers = await Promise.all(
      ['in/notes.txt', 'in/notes.txt.bak', 'in/notes', 'in/notes.txt.ba', 'in/', 'in/missing.txt'].map(key =>
        client.exists('local', 'exists-spec', key)
      )
    );
    expect(answers).toEqual([true, true, false, false, false, false]);
  });

  it("turns the service's error answer into an AtelierError with its message", async () => {
    const client = clientFor(service.baseUrl);
    const error = await client.restartJupyter().catch(e => e);
    expect(error).toBeInstanceOf(AtelierError);
    expect(error.status).toBe(409);
    expect(error.code).toBe('not_owned');
    expect(error.message).toMatch(/cannot restart/);
    expect(error.serviceMissing).toBe(false);
  });

  it('passes the handshake when versions match', async () => {
    await expect(handshake(clientFor(service.baseUrl), trans)).resolves.toBeNull();
  });
});

describe('AtelierClient without a service', () => {
  it('reports a network error when nothing listens', async () => {
    const server = http.createServer();
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>(resolve => server.close(() => resolve()));
    const error = await clientFor(`http://127.0.0.1:${port}/`)
      .status()
      .catch(e => e);
    expect(error).toBeInstanceOf(AtelierError);
    expect(error.status).toBe(0);
    expect(error.serviceMissing).toBe(true);
  });

  it('recognises a Jupyter server without Atelier (HTML 404) and says how to fix it', async () => {
    const server = http.createServer((req, res) => {
      res.writeHead(404, { 'Content-Type': 'text/html' });
      res.end('<html><body>404 : Not Found</body></html>');
    });
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const client = clientFor(`http://127.0.0.1:${port}/`);
      const error = await client.status().catch(e => e);
      expect(error.code).toBe('not_installed');
      const problem = await handshake(client, trans);
      expect(problem?.level).toBe('error');
      expect(problem?.message).toMatch(/atelier lab/);
    } finally {
      await new Promise<void>(resolve => server.close(() => resolve()));
    }
  });

  it('warns when the service and the extension versions differ', async () => {
    const older: Partial<IAtelierClient> = {
      status: async () => ({
        version: '0.0.1',
        apiVersion: 'v1',
        mode: 'gateway',
        platform: 'local',
        user: 'u',
        capabilities: {},
        jupyter: { state: 'running' }
      })
    };
    const problem = await handshake(older as IAtelierClient, trans);
    expect(problem?.level).toBe('warning');
    expect(problem?.message).toContain('0.0.1');
    expect(problem?.message).toContain(VERSION);
  });
});
