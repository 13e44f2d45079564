/**
 * Starts the real gateway (`atelier lab` in-process) with a real Jupyter server on loopback,
 * in temporary folders, and tears both down.
 *
 * With ATELIER_TEST_VIA=proxy the same suites reach Atelier as users of their own JupyterLab
 * do: plain `jupyter lab` from .venv (with the wheel installed) serves it at {base_url}atelier/
 * through jupyter-server-proxy, which starts the service with the tests' configuration (a
 * file named by ATELIER_CONFIG); the service object is then not in this process.
 */
import { ChildProcess, spawn } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { loadConfig } from '../../src/config';
import { freePort } from '../../src/jupyter';
import { createLogger } from '../../src/logger';
import { AtelierService } from '../../src/service';

/** How the suites reach Atelier: in-process, or through jupyter-server-proxy in a real JupyterLab. */
export const VIA: 'direct' | 'proxy' = process.env.ATELIER_TEST_VIA === 'proxy' ? 'proxy' : 'direct';

/** `it` for a test that needs the service object in this process (skipped through the proxy). */
export const itDirect = VIA === 'direct' ? it : it.skip;

const REPO = path.resolve(__dirname, '..', '..', '..');
const VENV = process.env.ATELIER_VENV || path.join(REPO, '.venv');

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
 * Plain `jupyter lab` from .venv on loopback, rooted at the workspace; Atelier's configuration
 * goes in a file named by ATELIER_CONFIG, which the service that jupyter-server-proxy starts
 * inherits. With a token, Jupyter authenticates as it always does; without one (the sidecar
 * suites, whose requests carry no credentials), authentication is off on this loopback port.
 * Resolves once Atelier answers through the proxy.
 */
async function startProxied(
  root: string,
  settings: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
  token: string | null
): Promise<{ url: string; close(keep?: boolean): Promise<void> }> {
  const jupyter = path.join(VENV, 'bin', 'jupyter');
  if (!fs.existsSync(jupyter)) {
    throw new Error(
      `${VENV} has no jupyter: run scripts/setup.sh --test (ATELIER_TEST_VIA=proxy needs the wheel installed there).`
    );
  }
  const { workspace, ...rest } = settings as { workspace: string };
  const configFile = path.join(root, 'atelier-config.json');
  fs.writeFileSync(configFile, JSON.stringify(nested(rest)));
  const home = path.join(root, 'home');
  fs.mkdirSync(home, { recursive: true });
  const port = await freePort();
  const args = [
    'lab',
    '--no-browser',
    '--ServerApp.ip=127.0.0.1',
    `--ServerApp.port=${port}`,
    `--ServerApp.root_dir=${workspace}`
  ];
  args.push(token === null ? '--IdentityProvider.token=' : `--IdentityProvider.token=${token}`);
  if (token === null) {
    args.push('--ServerApp.disable_check_xsrf=True');
  }
  if (process.getuid?.() === 0) {
    args.push('--allow-root');
  }
  const child: ChildProcess = spawn(jupyter, args, {
    env: {
      ...process.env,
      ...env,
      PATH: `${path.join(VENV, 'bin')}:${process.env.PATH}`,
      HOME: home,
      JUPYTER_CONFIG_DIR: path.join(home, 'config'),
      JUPYTER_RUNTIME_DIR: path.join(home, 'runtime'),
      ATELIER_CONFIG: configFile,
      ATELIER_LOG_LEVEL: process.env.ATELIER_TEST_LOG ?? 'warn'
    },
    stdio: ['ignore', 'ignore', 'pipe']
  });
  let log = '';
  child.stderr!.on('data', chunk => (log = (log + chunk).slice(-20000)));
  child.on('error', e => (log += `\n${e.message}`));
  const url = `http://127.0.0.1:${port}/`;
  const headers = token === null ? {} : { Authorization: `token ${token}` };
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const gone = new Promise(resolve => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20000);
      await gone;
      clearTimeout(timer);
    }
  };
  const deadline = Date.now() + 120000;
  for (;;) {
    const res = await request(`${url}atelier/api/v1/status`, { headers }).catch(() => null);
    if (res?.status === 200) {
      break;
    }
    if (Date.now() > deadline || child.exitCode !== null) {
      await stop();
      throw new Error(
        `Atelier did not answer through jupyter lab's proxy: ${res?.status ?? 'no answer'} ${res?.body.slice(0, 300) ?? ''}\n${log}`
      );
    }
    await new Promise(resolve => setTimeout(resolve, 250));
  }
  return {
    url,
    close: async (keep = false) => {
      await stop();
      if (!keep) {
        fs.rmSync(root, { recursive: true, force: true });
      }
    }
  };
}

export interface IResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  json<T = any>(): T;
}

export interface IRequestOptions {
  method?: string;
  headers?: http.OutgoingHttpHeaders;
  body?: string | Buffer;
  /** The request target exactly as written (dot segments, encodings and all), not normalized. */
  rawPath?: string;
}

/**
 * A plain HTTP request (node's http: Host and Cookie headers as a browser sends them). With
 * `rawPath`, the target goes on the wire as given, as a hostile client would send it.
 */
export function request(url: string, options: IRequestOptions = {}): Promise<IResponse> {
  return new Promise((resolve, reject) => {
    const parsed = new URL(url);
    const target = {
      host: parsed.hostname,
      port: parsed.port,
      path: options.rawPath ?? `${parsed.pathname}${parsed.search}`,
      method: options.method ?? 'GET',
      headers: options.headers
    };
    const req = http.request(target, res => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', chunk => (body += chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: () => JSON.parse(body) })
      );
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Cookie header value from Set-Cookie answers. */
export function cookiesFrom(res: IResponse): string {
  return (res.headers['set-cookie'] ?? []).map(c => c.split(';')[0]).join('; ');
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
