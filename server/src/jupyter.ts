/**
 * The Jupyter server the gateway owns: a child process on a private loopback port with a
 * token only the service (and the person it prints the URL for) knows. It can be restarted
 * on demand; while it is down the gateway answers 503 with Retry-After.
 */
import { ChildProcess, execFile, spawn } from 'child_process';
import { EventEmitter } from 'events';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as path from 'path';
import type { Logger } from 'pino';
import { IConfig, secretEnvNames } from './config';
import { formatCpuList, MemoryLimits } from './limits';
import type { INotebookResources } from './platform';
import { LABEXTENSIONS_DIR } from './paths';
import type { IJupyterState } from '@atelier/api';

export interface IJupyterOptions {
  config: IConfig;
  token: string;
  logger: Logger;
  /** Extra folders of prebuilt labextensions (browser tests add galata's helpers). */
  extraLabextensions?: string[];
  /** Extra environment for the server and its kernels (flavor variables). */
  env?: Record<string, string>;
  /** Set window.jupyterapp in the page (browser tests). */
  exposeAppInBrowser?: boolean;
}

/** A free TCP port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * The version of JupyterLab that `python` has, or why it cannot run: the gateway runs
 * JupyterLab 4 (on jupyter_server 2) with that Python.
 */
export function jupyterLabVersion(python: string): Promise<{ version: string } | { problem: string }> {
  return new Promise(resolve => {
    execFile(
      python,
      ['-m', 'jupyterlab', '--version'],
      { encoding: 'utf8', timeout: 30000 },
      (error, stdout, stderr) => {
        const code = (error as NodeJS.ErrnoException | null)?.code;
        if (typeof code === 'string') {
          resolve({ problem: `${python} cannot be run (${code})` }); // not found, not executable
          return;
        }
        const version = (stdout ?? '').trim();
        if (error || !/^4\./.test(version)) {
          const why =
            version ||
            (stderr ?? '').trim().split('\n').pop() ||
            (error?.killed ? 'it did not answer' : error ? `exit ${code}` : 'it printed no version');
          resolve({ problem: `${python} has no JupyterLab 4 (${why})` });
          return;
        }
        resolve({ version });
      }
    );
  });
}

export class JupyterServer extends EventEmitter {
  constructor(options: IJupyterOptions) {
    super();
    this._options = options;
  }

  get state(): IJupyterState {
    return this._state;
  }

  /** Where the running server listens, e.g. http://127.0.0.1:40123 (no base URL). */
  get target(): string {
    return `http://127.0.0.1:${this._port}`;
  }

  get pid(): number | undefined {
    return this._child?.pid;
  }

  /** When the server last became ready (ISO time); changes on every (re)start. */
  get startedAt(): string | undefined {
    return this._startedAt;
  }

  /** Starts the server and resolves once it answers authenticated requests. */
  async start(): Promise<void> {
    if (this._state === 'running' || this._state === 'starting') {
      return;
    }
    // The version is asked while the server starts: each takes Python a second or two.
    const check = this._labVersion ? null : jupyterLabVersion(this._options.config.jupyter.python);
    this._setState('starting');
    const launched = this._launch();
    launched.catch(() => undefined); // awaited below; meanwhile a failure is not unhandled
    if (check) {
      const found = await check;
      if ('problem' in found) {
        await this.stop(1000);
        await launched.catch(() => undefined);
        await this.stop(1000); // in case the launch had not spawned yet when it was stopped
        this._setState('failed');
        throw new Error(
          `The gateway runs JupyterLab 4, but ${found.problem}. Install it (pip install jupyterlab) or set jupyter.python (ATELIER_PYTHON) to a Python that has it.`
        );
      }
      this._labVersion = found.version;
    }
    await launched;
  }

  /** The version of the JupyterLab the gateway runs, once it has started. */
  get labVersion(): string | undefined {
    return this._labVersion;
  }

  /** Stops the server: SIGTERM, then SIGKILL after a grace period. */
  async stop(graceMs = 8000): Promise<void> {
    const child = this._child;
    this._child = undefined;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>(resolve => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    }
    this._memory.remove(this._cgroup);
    this._cgroup = null;
    this._setState('stopped');
  }

  /**
   * The limits the server (and so its kernels) runs under from its next start: CPU affinity,
   * memory (a cgroup where the service may create one, else an address-space rlimit), and
   * environment variables naming the flavor.
   */
  setResources(resources: INotebookResources | undefined): void {
    this._resources = resources;
  }

  /** Stops and starts the server again; requests meanwhile get 503. `starting` hears when it is down. */
  async restart(starting?: () => void): Promise<void> {
    if (this._restarting) {
      return this._restarting;
    }
    this._restarting = (async () => {
      this._setState('restarting');
      await this.stop();
      this._setState('restarting');
      starting?.();
      await this._launch();
    })().finally(() => {
      this._restarting = undefined;
    });
    return this._restarting;
  }

  /** Restarts a server that died, unless it keeps dying (more than 3 times a minute). */
  private _recover(): void {
    const now = Date.now();
    this._crashes = this._crashes.filter(t => now - t < 60000);
    this._crashes.push(now);
    const { logger } = this._options;
    if (this._crashes.length > 3) {
      logger.error(
        'the Jupyter server keeps failing; not restarting it again (see logs/jupyter.log, then POST atelier/api/v1/jupyter/restart)'
      );
      return;
    }
    const timer = setTimeout(() => {
      if (this._state === 'failed') {
        logger.info('restarting the Jupyter server after its failure');
        this.restart().catch(e => logger.error({ err: e }, 'restarting the Jupyter server failed'));
      }
    }, 1000);
    timer.unref();
  }

  /** Spawns the server and waits for it: running, or failed with the reason. */
  private async _launch(): Promise<void> {
    try {
      await this._spawnAndWait();
      this._setState('running');
    } catch (e) {
      this._setState('failed');
      throw e;
    }
  }

  private _setState(state: IJupyterState): void {
    if (state !== this._state) {
      this._state = state;
      this.emit('state', state);
    }
  }

  private _command(port: number): { file: string; args: string[]; env: NodeJS.ProcessEnv } {
    const { config } = this._options;
    const dirs = this._dirs();
    const serverArgs = [
      '--no-browser',
      '--ServerApp.ip=127.0.0.1',
      `--ServerApp.port=${port}`,
      '--ServerApp.port_retries=0',
      `--ServerApp.base_url=${config.baseUrl}`,
      `--ServerApp.root_dir=${config.workspace}`,
      // The server sits behind the gateway; the public Host header is the gateway's.
      '--ServerApp.allow_remote_access=True',
      '--ServerApp.open_browser=False'
    ];
    if (process.getuid && process.getuid() === 0) {
      serverArgs.push('--ServerApp.allow_root=True');
    }
    // The build beside the service comes first, so it wins over an installed copy of itself.
    const labextensions = [
      ...(LABEXTENSIONS_DIR ? [LABEXTENSIONS_DIR] : []),
      ...(this._options.extraLabextensions ?? [])
    ];
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...this._options.env,
      ...this._resources?.env,
      JUPYTER_TOKEN: this._options.token,
      JUPYTER_CONFIG_DIR: dirs.config,
      JUPYTER_RUNTIME_DIR: dirs.runtime,
      IPYTHONDIR: dirs.ipython,
      ATELIER_PARENT_PID: String(process.pid)
    };
    // Kernels and terminals inherit this environment: the service's secrets stay out of it.
    for (const name of secretEnvNames(config)) {
      delete env[name];
    }
    const args = [
      '-m',
      'jupyterlab',
      ...serverArgs,
      `--LabApp.user_settings_dir=${dirs.settings}`,
      `--LabApp.workspaces_dir=${dirs.workspaces}`,
      ...labextensions.map(dir => `--LabApp.extra_labextensions_path=${dir}`),
      ...(this._options.exposeAppInBrowser ? ['--LabApp.expose_app_in_browser=True'] : []),
      ...config.jupyter.extraArgs
    ];
    return this._limited({ file: config.jupyter.python, args, env });
  }

  /** The command under the resources' CPU affinity (and rlimit, where no cgroup can be made). */
  private _limited(command: { file: string; args: string[]; env: NodeJS.ProcessEnv }): {
    file: string;
    args: string[];
    env: NodeJS.ProcessEnv;
  } {
    const resources = this._resources;
    if (!resources) {
      return command;
    }
    const prefix = ['-c', formatCpuList(resources.cpus), ...this._memory.prefix(resources.memoryBytes)];
    return { file: 'taskset', args: [...prefix, command.file, ...command.args], env: command.env };
  }

  private _dirs() {
    const root = path.join(this._options.config.dataDir, 'jupyter');
    const dirs = {
      config: path.join(root, 'config'),
      runtime: path.join(root, 'runtime'),
      ipython: path.join(root, 'ipython'),
      settings: path.join(root, 'user-settings'),
      workspaces: path.join(root, 'workspaces'),
      logs: path.join(this._options.config.dataDir, 'logs')
    };
    for (const dir of Object.values(dirs)) {
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    }
    return dirs;
  }

  private async _spawnAndWait(): Promise<void> {
    const port = await freePort();
    const { file, args, env } = this._command(port);
    const logFile = path.join(this._dirs().logs, 'jupyter.log');
    const log = fs.openSync(logFile, 'a');
    const child = spawn(file, args, {
      cwd: this._options.config.workspace,
      env,
      stdio: ['ignore', log, log]
    });
    fs.closeSync(log);
    this._port = port;
    this._child = child;
    if (this._resources && child.pid) {
      // The server joins its memory cgroup before it starts any kernel; they inherit it.
      try {
        this._memory.remove(this._cgroup);
        this._cgroup = this._memory.create(`server-${process.pid}-${Date.now()}`, this._resources.memoryBytes);
        if (this._cgroup) {
          fs.writeFileSync(path.join(this._cgroup, 'cgroup.procs'), String(child.pid));
        }
      } catch (e) {
        this._options.logger.warn({ err: e }, 'the memory limit could not be applied to the Jupyter server');
      }
    }
    const { logger } = this._options;
    logger.info({ pid: child.pid, port }, 'starting the Jupyter server');

    let exitInfo: string | undefined;
    const exited = new Promise<never>((_, reject) => {
      // 'on', not 'once': a later 'error' (a failed kill) must not be an unheard one.
      child.on('error', e => {
        exitInfo = e.message;
        reject(new Error(`Could not start the Jupyter server (${file}): ${e.message}`));
      });
      child.once('exit', (code, signal) => {
        exitInfo = `exit code ${code ?? signal}`;
        reject(new Error(`The Jupyter server exited during start-up (${exitInfo}). ${tail(logFile)}`));
      });
    });
    exited.catch(() => undefined);
    let ready = false;
    child.once('exit', (code, signal) => {
      // An exit we did not ask for (stop() forgets the child first) after start-up: recover.
      if (this._child === child && ready) {
        this._child = undefined;
        logger.error({ code, signal }, 'the Jupyter server exited unexpectedly');
        this._setState('failed');
        this._recover();
      }
    });

    const deadline = Date.now() + this._options.config.jupyter.startTimeoutSeconds * 1000;
    while (Date.now() < deadline) {
      const ok = await Promise.race([this._probe(), exited]);
      if (ok) {
        ready = true;
        this._startedAt = new Date().toISOString();
        logger.info({ pid: child.pid, port }, 'the Jupyter server is ready');
        return;
      }
      await Promise.race([sleep(200), exited]);
    }
    child.kill('SIGKILL');
    throw new Error(
      `The Jupyter server did not answer within ${this._options.config.jupyter.startTimeoutSeconds} s. ${tail(logFile)}`
    );
  }

  /** One authenticated request to the server's status API. */
  private _probe(): Promise<boolean> {
    return new Promise(resolve => {
      const req = http.get(
        `${this.target}${this._options.config.baseUrl}api/status`,
        { headers: { Authorization: `token ${this._options.token}` }, timeout: 2000 },
        res => {
          res.resume();
          resolve(res.statusCode === 200);
        }
      );
      req.on('error', () => resolve(false));
      req.on('timeout', () => req.destroy());
    });
  }

  private _options: IJupyterOptions;
  private _state: IJupyterState = 'stopped';
  private _labVersion: string | undefined;
  private _child: ChildProcess | undefined;
  private _port = 0;
  private _restarting: Promise<void> | undefined;
  private _crashes: number[] = [];
  private _startedAt: string | undefined;
  private _resources: INotebookResources | undefined;
  private _memory = sweptNotebookLimits();
  private _cgroup: string | null = null;
}

/** The notebook servers' memory cgroups, without those of services that are gone. */
function sweptNotebookLimits(): MemoryLimits {
  const limits = new MemoryLimits('atelier-notebook');
  try {
    limits.sweep(name => {
      const match = /^server-(\d+)-\d+$/.exec(name);
      return match ? Number(match[1]) : null;
    });
  } catch {
    // nothing to sweep, or not allowed to
  }
  return limits;
}

function sleep(ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms));
}

/** The last lines of the Jupyter log, to explain a failed start. */
function tail(file: string, lines = 15): string {
  try {
    const text = fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    return `Last lines of ${file}:\n${text}`;
  } catch {
    return '';
  }
}
