/**
 * The one way the tests and the benchmarks start Atelier: the real gateway (`atelier lab`
 * in-process, with a real Jupyter server on loopback) or the sidecar (`atelier serve`), in
 * temporary folders, and tear it down.
 *
 * With ATELIER_TEST_VIA=proxy the same suites reach Atelier as users of their own JupyterLab
 * do: plain `jupyter lab` from .venv (with the wheel installed) serves it at {base_url}atelier/
 * through jupyter-server-proxy, which starts the service with the tests' configuration (a
 * file named by ATELIER_CONFIG); the service object is then not in this process.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { AtelierService } from '../../src/service';
import { startLab } from './lab';

export { cookiesFrom, request } from './http';
export type { IRequestOptions, IResponse } from './http';

/** How the suites reach Atelier: in-process, or through jupyter-server-proxy in a real JupyterLab. */
export const VIA: 'direct' | 'proxy' = process.env.ATELIER_TEST_VIA === 'proxy' ? 'proxy' : 'direct';

/** `it` for a test that needs the service object in this process (skipped through the proxy). */
export const itDirect: jest.It = ((...args: Parameters<jest.It>) =>
  (VIA === 'direct' ? it : it.skip)(...args)) as jest.It;

export interface IGateway {
  /** The in-process service (direct only: through the proxy, reading it throws). */
  service: AtelierService;
  dataDir: string;
  url: string;
  token: string;
  workspace: string;
  /** Stops everything; `keep` leaves the folders for a restart on the same state. */
  close(keep?: boolean): Promise<void>;
}

export async function startGateway(
  overrides: Record<string, unknown> = {},
  env: NodeJS.ProcessEnv = {},
  reuse?: { root: string; token: string }
): Promise<IGateway & { root: string }> {
  const root = reuse?.root ?? fs.mkdtempSync(path.join(os.tmpdir(), 'atelier-it-'));
  const workspace = path.join(root, 'work');
  fs.mkdirSync(workspace, { recursive: true });
  const token = reuse?.token ?? crypto.randomBytes(16).toString('hex');
  const settings = { dataDir: path.join(root, 'data'), workspace, ...overrides };
  if (VIA === 'proxy') {
    const lab = await startProxied(root, settings, env, token).catch(e => {
      if (!reuse) {
        fs.rmSync(root, { recursive: true, force: true });
      }
      throw e;
    });
    return { service: notHere(), dataDir: settings.dataDir, url: lab.url, token, workspace, root, close: lab.close };
  }
  const config = loadConfig({ env, overrides: { port: 0, ...settings } });
  const logger = createLogger(process.env.ATELIER_TEST_LOG ?? 'silent');
  const service = await AtelierService.start({ mode: 'gateway', config, token, logger }).catch(e => {
    if (!reuse) {
      fs.rmSync(root, { recursive: true, force: true });
    }
    throw e;
  });
  return {
    service,
    dataDir: config.dataDir,
    url: service.url,
    token,
    workspace,
    root,
    close: closer(service, root)
  };
}

/** A stand-in for the service object where it runs in another process. */
function notHere(): AtelierService {
  return new Proxy({} as AtelierService, {
    get: () => {
      throw new Error(
        'This test reads the service object, which runs inside jupyter lab here (ATELIER_TEST_VIA=proxy): use itDirect.'
      );
    }
  });
}

/** Nests dotted override keys ("jobs.python") as the configuration file has them. */
function nested(settings: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, any> = {};
  for (const [key, value] of Object.entries(settings)) {
    const parts = key.split('.');
    let at = out;
    for (const part of parts.slice(0, -1)) {
      at = at[part] ??= {};
    }
    at[parts[parts.length - 1]] = value;
  }
  return out;
}

/**
 * Plain `jupyter lab` on loopback, rooted at the workspace; Atelier's configuration goes in a
 * file named by ATELIER_CONFIG, which the service that jupyter-server-proxy starts inherits.
 * With a token, Jupyter authenticates as it always does; without one (the sidecar suites, whose
 * requests carry no credentials), authentication is off on this loopback port. Resolves once
 * Atelier answers through the proxy.
 */
async function startProxied(
  root: string,
  settings: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
  token: string | null
): Promise<{ url: string; close(keep?: boolean): Promise<void> }> {
  const { workspace, ...rest } = settings as { workspace: string };
  const configFile = path.join(root, 'atelier-config.json');
  fs.writeFileSync(configFile, JSON.stringify(nested(rest)));
  const lab = await startLab({
    root: path.join(root, 'home'),
    workspace,
    token,
    ready: 'atelier/api/v1/status',
    env: { ...env, ATELIER_CONFIG: configFile, ATELIER_LOG_LEVEL: process.env.ATELIER_TEST_LOG ?? 'warn' }
  });
  return {
    url: lab.url,
    close: async (keep = false) => {
      await lab.stop();
      if (!keep) {
        fs.rmSync(root, { recursive: true, force: true });
      }
    }
  };
}

/**
 * Starts `atelier serve` in-process (the API only, no Jupyter server; the proxy in front would
 * authenticate, so requests need no token): for capabilities that do not involve Jupyter.
 */
export async function startSidecar(
  overrides: Record<string, unknown> = {},
  env: NodeJS.ProcessEnv = {},
  reuse?: { root: string }
): Promise<{
  service: AtelierService;
  api: string;
  root: string;
  workspace: string;
  dataDir: string;
  close(keep?: boolean): Promise<void>;
}> {
  const root = reuse?.root ?? fs.mkdtempSync(path.join(os.tmpdir(), 'atelier-it-'));
  const workspace = path.join(root, 'work');
  fs.mkdirSync(workspace, { recursive: true });
  const settings = { dataDir: path.join(root, 'data'), workspace, ...overrides };
  if (VIA === 'proxy') {
    const lab = await startProxied(root, settings, env, null);
    return {
      service: notHere(),
      api: `${lab.url}atelier/api/v1/`,
      root,
      workspace,
      dataDir: settings.dataDir,
      close: lab.close
    };
  }
  const config = loadConfig({ env, overrides: { port: 0, ...settings } });
  const logger = createLogger(process.env.ATELIER_TEST_LOG ?? 'silent');
  const service = await AtelierService.start({ mode: 'sidecar', config, logger });
  return {
    service,
    api: `${service.url}atelier/api/v1/`,
    root,
    workspace,
    dataDir: config.dataDir,
    close: closer(service, root)
  };
}

/** Stops the service; `keep` leaves its folders for a restart on the same state. */
function closer(service: AtelierService, root: string): (keep?: boolean) => Promise<void> {
  return async (keep = false) => {
    await service.close();
    if (!keep) {
      fs.rmSync(root, { recursive: true, force: true });
    }
  };
}
