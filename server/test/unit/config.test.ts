import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ConfigError, loadConfig } from '../../src/config';

function tempFile(name: string, text: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atelier-config-'));
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

describe('loadConfig', () => {
  it('fills every default', () => {
    const config = loadConfig({ env: { XDG_DATA_HOME: '/tmp/xdg' } });
    expect(config.platform).toBe('local');
    expect(config.host).toBe('127.0.0.1');
    expect(config.port).toBe(8888);
    expect(config.baseUrl).toBe('/');
    expect(config.dataDir).toBe('/tmp/xdg/atelier');
    expect(config.workspace).toBe(process.cwd());
    expect(config.jupyter.python).toBe('python3');
    expect(config.auth.cacheSeconds).toBe(5);
  });

  it('reads YAML, then lets the environment and flags override it', () => {
    const file = tempFile(
      'atelier.yaml',
      'port: 9000\nbaseUrl: /user/ada\nflavors:\n  default: tiny\n  catalog:\n    - {id: tiny, cpus: 1, memoryMiB: 512}\n'
    );
    const config = loadConfig({
      file,
      env: { ATELIER_PORT: '9100', ATELIER_LOG_LEVEL: 'debug' },
      overrides: { host: '0.0.0.0' }
    });
    expect(config.port).toBe(9100);
    expect(config.logLevel).toBe('debug');
    expect(config.host).toBe('0.0.0.0');
    expect(config.baseUrl).toBe('/user/ada/');
    expect(config.flavors.catalog?.[0]).toEqual({ id: 'tiny', cpus: 1, memoryMiB: 512 });
  });

  it('reads JSON from $ATELIER_CONFIG', () => {
    const file = tempFile('atelier.json', JSON.stringify({ jupyter: { startTimeoutSeconds: 5 } }));
    expect(loadConfig({ env: { ATELIER_CONFIG: file } }).jupyter.startTimeoutSeconds).toBe(5);
  });

  it('names every invalid key', () => {
    const file = tempFile('bad.json', JSON.stringify({ port: 'eighty', colour: 'blue', platform: 'mars' }));
    let error: unknown;
    try {
      loadConfig({ file, env: {} });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toContain(file);
    expect(message).toContain('/port');
    expect(message).toContain('/platform');
    expect(message).toMatch(/colour|additional/i);
  });

  it('explains a file that does not parse, or does not exist', () => {
    expect(() => loadConfig({ file: tempFile('broken.json', '{"port": '), env: {} })).toThrow(/not valid JSON/);
    expect(() => loadConfig({ file: '/nonexistent/atelier.yaml', env: {} })).toThrow(
      /Cannot read the configuration file/
    );
  });

  it('rejects a non-numeric port in the environment', () => {
    expect(() => loadConfig({ env: { ATELIER_PORT: '80a' } })).toThrow(/ATELIER_PORT must be a whole number/);
  });
});
