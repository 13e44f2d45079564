/**
 * The terminal keeps what a person needs: request lines are debug-level (the front end polls),
 * failures stay visible, and no line carries a credential.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Writable } from 'stream';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { AtelierService } from '../../src/service';
import { request } from '../support/atelier';

async function linesAt(level: string, send: (api: string) => Promise<unknown>): Promise<string[]> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'atelier-log-'));
  fs.mkdirSync(path.join(root, 'work'));
  let out = '';
  const sink = new Writable({
    write(chunk, _enc, done) {
      out += chunk;
      done();
    }
  });
  const config = loadConfig({
    env: {},
    overrides: { port: 0, dataDir: path.join(root, 'data'), workspace: path.join(root, 'work') }
  });
  const service = await AtelierService.start({ mode: 'sidecar', config, logger: createLogger(level, sink) });
  try {
    await send(`${service.url}atelier/api/v1/`);
  } finally {
    await service.close();
    fs.rmSync(root, { recursive: true, force: true });
  }
  return out.split('\n').filter(Boolean);
}

const requests = async (api: string) => {
  for (let i = 0; i < 5; i++) {
    await request(`${api}status?token=s3cret-token`);
  }
  await request(`${api}storage/endpoints/local/buckets/no-such-bucket/objects`);
};

it('writes no line per request at the default level', async () => {
  const lines = await linesAt('info', requests);
  expect(lines.filter(l => /incoming request|request completed/.test(l))).toEqual([]);
  expect(lines.some(l => l.includes('Server listening'))).toBe(true);
});

it('writes them at debug level, without the token', async () => {
  const lines = await linesAt('debug', requests);
  expect(lines.filter(l => l.includes('request completed')).length).toBeGreaterThanOrEqual(6);
  expect(lines.join('\n')).not.toContain('s3cret-token');
});
