/**
 * Plain `jupyter lab` from .venv (PyPI's JupyterLab with the Atelier wheel installed) on
 * loopback, in folders of its own: its own home and Jupyter folders, so nothing of the
 * machine's leaks in. One way for the tests, the benchmarks and the browser tests to start it.
 */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { request, until } from './http';

export const REPO = path.resolve(__dirname, '..', '..', '..');
export const VENV = process.env.ATELIER_VENV || path.join(REPO, '.venv');
export const VENV_BIN = path.join(VENV, 'bin');

/** A free TCP port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** The environment of a Jupyter whose home and Jupyter folders are all under `root`. */
export function labEnvironment(root: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PATH: `${VENV_BIN}:${process.env.PATH}`,
    HOME: root,
    JUPYTER_CONFIG_DIR: path.join(root, 'config'),
    JUPYTER_DATA_DIR: path.join(root, 'data'),
    JUPYTER_RUNTIME_DIR: path.join(root, 'runtime'),
    XDG_DATA_HOME: path.join(root, 'xdg'),
    ...extra
  };
}

export interface ILabOptions {
  /** Its home and Jupyter folders go here. */
  root: string;
  /** The server's root directory (what the file browser shows). */
  workspace: string;
  /** Jupyter's token; null turns authentication (and the XSRF check) off on this loopback port. */
  token: string | null;
  port?: number;
  /** More environment (e.g. ATELIER_CONFIG for the service jupyter-server-proxy starts). */
  env?: NodeJS.ProcessEnv;
  /** More command-line options for `jupyter lab`. */
  args?: string[];
  /** The path (under the server's base URL) that must answer 200 before the lab counts as up. */
  ready?: string;
  timeoutMs?: number;
}

export interface ILab {
  url: string;
  port: number;
  token: string | null;
  env: NodeJS.ProcessEnv;
  child: ChildProcess;
  /** What the server wrote to stderr lately. */
  log(): string;
  /** Stops the server (SIGTERM, then SIGKILL after 20 s). */
  stop(): Promise<void>;
}

/** Starts `jupyter lab` and resolves once `ready` answers 200 through it. */
export async function startLab(options: ILabOptions): Promise<ILab> {
  const jupyter = path.join(VENV_BIN, 'jupyter');
  if (!fs.existsSync(jupyter)) {
    throw new Error(`${VENV} has no jupyter: run scripts/setup.sh --test (it creates it and installs the wheel).`);
  }
  fs.mkdirSync(options.root, { recursive: true });
  const port = options.port ?? (await freePort());
  const args = [
    'lab',
    '--no-browser',
    '--ServerApp.ip=127.0.0.1',
    `--ServerApp.port=${port}`,
    `--ServerApp.root_dir=${options.workspace}`,
    `--IdentityProvider.token=${options.token ?? ''}`,
    ...(options.token === null ? ['--ServerApp.disable_check_xsrf=True'] : []),
    ...(process.getuid?.() === 0 ? ['--allow-root'] : []),
    ...(options.args ?? [])
  ];
  const env = labEnvironment(options.root, options.env);
  const child = spawn(jupyter, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr!.on('data', chunk => (log = (log + chunk).slice(-20000)));
  child.on('error', e => (log += `\n${e.message}`));
  const url = `http://127.0.0.1:${port}/`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const gone = new Promise(resolve => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20000);
      await gone;
      clearTimeout(timer);
    }
  };
  const headers = options.token === null ? {} : { Authorization: `token ${options.token}` };
  let last = 'no answer';
  await until(
    async () => {
      if (child.exitCode !== null) {
        return false;
      }
      const res = await request(`${url}${options.ready ?? 'api/status'}`, { headers }).catch(() => null);
      last = res ? `${res.status} ${res.body.slice(0, 300)}` : 'no answer';
      return res?.status === 200 ? true : null;
    },
    () => new Error(`jupyter lab did not answer ${options.ready ?? 'api/status'}: ${last}\n${log}`),
    options.timeoutMs ?? 120000
  ).then(
    up => {
      if (!up) {
        throw new Error(`jupyter lab exited with ${child.exitCode}:\n${log}`);
      }
    },
    async error => {
      await stop();
      throw error;
    }
  );
  return { url, port, token: options.token, env, child, log: () => log, stop };
}
