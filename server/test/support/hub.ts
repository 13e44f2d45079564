/**
 * A real JupyterHub (PyPI's jupyterhub in .venv, configurable-http-proxy from npm) on
 * loopback for tests: local users whose single-user servers run the .venv's JupyterLab with
 * Atelier installed (the wheel), each in its own home. A service token with the admin scopes
 * lets the test create users, start servers and issue user tokens through the Hub's REST API.
 * The configuration is server/test/hub/jupyterhub_config.py (also the browser tests' Hub).
 */
import { ChildProcess, spawn } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { freePort } from '../../src/jupyter';
import { IResponse, request } from './atelier';

const REPO = path.resolve(__dirname, '..', '..', '..');
const VENV = process.env.ATELIER_VENV || path.join(REPO, '.venv');

export interface IHub {
  /** The public URL, e.g. http://127.0.0.1:8000/ */
  url: string;
  root: string;
  /** Calls the Hub's REST API (/hub/api/...) with the test service's admin token. */
  api(method: string, route: string, body?: unknown): Promise<IResponse>;
  /** Creates the user, starts their server, waits until it is ready; returns a token of theirs. */
  startUser(name: string): Promise<string>;
  log(): string;
  stop(): Promise<void>;
}

/** The test Hub's configuration (users, profiles and the spawner that applies them). */
export const HUB_CONFIG = path.join(REPO, 'server', 'test', 'hub', 'jupyterhub_config.py');

/** The environment that configures the test Hub (see HUB_CONFIG) for a root, ports and token. */
export function hubEnv(root: string, ports: number[], token: string): Record<string, string> {
  return {
    ATELIER_HUB_ROOT: root,
    ATELIER_HUB_PORTS: ports.join(','),
    ATELIER_HUB_VENV: VENV,
    ATELIER_HUB_CHP: path.join(REPO, 'node_modules', '.bin', 'configurable-http-proxy'),
    ATELIER_HUB_TOKEN: token
  };
}

export async function startHub(): Promise<IHub> {
  if (!fs.existsSync(path.join(VENV, 'bin', 'jupyterhub'))) {
    throw new Error(`${VENV} has no jupyterhub: run scripts/setup.sh --test.`);
  }
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'atelier-hub-'));
  const [port, hubPort, apiPort] = [await freePort(), await freePort(), await freePort()];
  const token = crypto.randomBytes(24).toString('hex');
  let log = '';
  const child: ChildProcess = spawn(path.join(VENV, 'bin', 'jupyterhub'), ['-f', HUB_CONFIG], {
    cwd: root,
    env: {
      ...process.env,
      ...hubEnv(root, [port, hubPort, apiPort], token),
      PATH: `${path.join(VENV, 'bin')}:${process.env.PATH}`
    },
    stdio: ['ignore', 'pipe', 'pipe']
  });
  child.stdout!.on('data', chunk => (log = (log + chunk).slice(-50000)));
  child.stderr!.on('data', chunk => (log = (log + chunk).slice(-50000)));
  const url = `http://127.0.0.1:${port}/`;
  const api = (method: string, route: string, body?: unknown) =>
    request(`${url}hub/api/${route}`, {
      method,
      headers: {
        Authorization: `token ${token}`,
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' })
      },
      body: body === undefined ? undefined : JSON.stringify(body)
    });
  const deadline = Date.now() + 60000;
  for (;;) {
    const res = await api('GET', '').catch(() => null);
    if (res?.status === 200) {
      break;
    }
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error(`JupyterHub did not start: ${log}`);
    }
    await new Promise(resolve => setTimeout(resolve, 250));
  }

  return {
    url,
    root,
    api,
    log: () => log,
    async startUser(name: string): Promise<string> {
      const created = await api('POST', `users/${name}`);
      if (created.status !== 201 && created.status !== 409) {
        throw new Error(`creating ${name}: ${created.status} ${created.body}`);
      }
      const started = await api('POST', `users/${name}/server`);
      if (![201, 202, 400].includes(started.status)) {
        throw new Error(`starting ${name}'s server: ${started.status} ${started.body}`);
      }
      const until = Date.now() + 120000;
      for (;;) {
        const user = (await api('GET', `users/${name}`)).json();
        if (user.servers?.['']?.ready) {
          break;
        }
        if (Date.now() > until) {
          throw new Error(`${name}'s server did not become ready: ${log.slice(-5000)}`);
        }
        await new Promise(resolve => setTimeout(resolve, 250));
      }
      const issued = await api('POST', `users/${name}/tokens`, { note: 'atelier tests', expires_in: 3600 });
      if (issued.status !== 201) {
        throw new Error(`a token for ${name}: ${issued.status} ${issued.body}`);
      }
      return issued.json().token;
    },
    async stop(): Promise<void> {
      if (child.exitCode === null) {
        const gone = new Promise(resolve => child.once('exit', resolve));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 20000);
        await gone;
        clearTimeout(timer);
      }
      fs.rmSync(root, { recursive: true, force: true });
    }
  };
}
