/**
 * Puts the parts together: configuration, platform, the Jupyter server (gateway mode), the
 * authenticator, the API app and the public server; and takes them apart again gracefully.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import type { AddressInfo } from 'net';
import type { Duplex } from 'stream';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { buildApp } from './app';
import { IAuthenticator, JupyterAuthenticator, ProxyAuthenticator } from './auth';
import { ConfigError, IConfig, secretEnvNames } from './config';
import { Gateway } from './gateway';
import { JupyterServer } from './jupyter';
import { createLogger } from './logger';
import type { IPlatform } from './platform';
import { createPlatform } from './platform/create';
import { FlavorSwitcher } from './flavor-switch';
import { JobManager } from './jobs';
import { TransferManager } from './transfers';
import { UploadSessions } from './uploads';

export interface IServiceOptions {
  mode: 'gateway' | 'sidecar';
  config: IConfig;
  /** The Jupyter token (gateway mode); default $ATELIER_TOKEN or a random one. */
  token?: string;
  logger?: Logger;
  /** Extra labextension folders for the Jupyter server (browser tests). */
  extraLabextensions?: string[];
  exposeAppInBrowser?: boolean;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export class AtelierService {
  private constructor(
    readonly config: IConfig,
    readonly logger: Logger,
    readonly app: FastifyInstance,
    readonly platform: IPlatform,
    readonly jupyter: JupyterServer | null,
    readonly transfers: TransferManager | null,
    readonly jobs: JobManager | null,
    readonly token: string | null,
    private readonly _gateway: Gateway | null,
    private readonly _sockets: Set<Duplex>
  ) {}

  static async start(options: IServiceOptions): Promise<AtelierService> {
    const { config, mode } = options;
    const logger = options.logger ?? createLogger(config.logLevel);
    fs.mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
    if (mode === 'sidecar' && !config.socket && !LOOPBACK.has(config.host)) {
      throw new ConfigError(`In serve mode Atelier listens only on loopback or a unix socket, not on ${config.host}.`);
    }
    if (!fs.existsSync(config.workspace)) {
      throw new ConfigError(`The workspace ${config.workspace} does not exist.`);
    }
    const platform = createPlatform(config);
    const sockets = new Set<Duplex>();
    const partSize = config.storage.partSizeMiB * 1024 * 1024;
    const transfers = platform.storage
      ? new TransferManager({
          dir: path.join(config.dataDir, 'transfers'),
          workspace: config.workspace,
          storage: platform.storage,
          concurrency: config.storage.concurrency,
          partSize,
          logger
        })
      : null;
    const uploads = platform.storage
      ? new UploadSessions({
          dir: path.join(config.dataDir, 'uploads'),
          storage: platform.storage,
          partSize,
          logger
        })
      : null;

    const jobs = platform.jobs
      ? new JobManager({
          dir: path.join(config.dataDir, 'jobs'),
          workspace: config.workspace,
          jobs: platform.jobs,
          storage: platform.storage ?? null,
          transfers,
          python: config.jobs.python || config.jupyter.python,
          graceSeconds: config.jobs.graceSeconds,
          pollMs: config.jobs.executor === 'local' ? 250 : 1000,
          secretEnv: secretEnvNames(config),
          logger
        })
      : null;

    if (mode === 'sidecar' && /^[1-9]\d*$/.test(process.env.ATELIER_JUPYTER_PID ?? '')) {
      // Started by jupyter-server-proxy inside the notebook server: usage figures are that server's.
      platform.flavors?.observe?.(Number(process.env.ATELIER_JUPYTER_PID));
    }
    await platform.flavors?.prepare?.();

    let jupyter: JupyterServer | null = null;
    let gateway: Gateway | null = null;
    let token: string | null = null;
    let auth: IAuthenticator;
    if (mode === 'gateway') {
      token = options.token ?? (process.env.ATELIER_TOKEN || crypto.randomBytes(24).toString('hex'));
      jupyter = new JupyterServer({
        config,
        token,
        logger,
        extraLabextensions: options.extraLabextensions,
        exposeAppInBrowser: options.exposeAppInBrowser
      });
      const server = jupyter;
      // A provider that switches by restarting the server (local) gets the control of it.
      await platform.flavors?.attach?.({
        limit: resources => server.setResources(resources),
        restart: starting => server.restart(starting),
        get pid() {
          return server.pid;
        }
      });
      auth = new JupyterAuthenticator({
        target: () => (server.state === 'running' ? server.target : null),
        state: () => server.state,
        baseUrl: config.baseUrl,
        cacheMs: config.auth.cacheSeconds * 1000,
        token
      });
      gateway = new Gateway({ baseUrl: config.baseUrl, jupyter, auth, logger });
    } else if (config.jupyter.url) {
      const url = new URL(config.jupyter.url);
      auth = new JupyterAuthenticator({
        target: () => url.origin,
        state: () => 'external',
        baseUrl: url.pathname.endsWith('/') ? url.pathname : `${url.pathname}/`,
        cacheMs: config.auth.cacheSeconds * 1000
      });
    } else {
      auth = new ProxyAuthenticator();
    }

    const flavorSwitch =
      platform.flavors && platform.flavors.canSwitch()
        ? new FlavorSwitcher(platform.flavors, path.join(config.dataDir, 'flavor-switch.json'), logger)
        : null;
    const gw = gateway;
    const app = await buildApp({
      mode,
      config,
      platform,
      jupyter,
      transfers,
      uploads,
      jobs,
      flavorSwitch,
      auth,
      logger,
      serverFactory: gw
        ? handler => {
            const server = http.createServer((req, res) => (gw.isAtelier(req) ? handler(req, res) : gw.web(req, res)));
            server.on('upgrade', (req, socket, head) => {
              sockets.add(socket);
              socket.once('close', () => sockets.delete(socket));
              gw.upgrade(req, socket, head);
            });
            server.keepAliveTimeout = 65000;
            return server;
          }
        : undefined
    });

    const service = new AtelierService(
      config,
      logger,
      app,
      platform,
      jupyter,
      transfers,
      jobs,
      token,
      gateway,
      sockets
    );
    try {
      // The records first: a request that arrives as soon as the service listens (a front end
      // polling through a restart) finds every transfer and job, not a 404 for one not read yet.
      await transfers?.start();
      await uploads?.prune();
      await jobs?.start();
      if (config.socket) {
        fs.rmSync(config.socket, { force: true });
        await app.listen({ path: config.socket });
        fs.chmodSync(config.socket, 0o600);
      } else {
        await app.listen({ host: config.host, port: config.port });
      }
      if (jupyter) {
        await jupyter.start();
      }
    } catch (e) {
      await service.close();
      throw e;
    }
    return service;
  }

  /** The port the public server listens on. */
  get port(): number {
    const address = this.app.server.address() as AddressInfo | string | null;
    return address && typeof address === 'object' ? address.port : 0;
  }

  /** The public URL of the base, e.g. http://127.0.0.1:8888/. */
  get url(): string {
    const host = this.config.host === '0.0.0.0' || this.config.host === '::' ? '127.0.0.1' : this.config.host;
    const shown = host.includes(':') ? `[${host}]` : host;
    return `http://${shown}:${this.port}${this.config.baseUrl}`;
  }

  /** Closes the public server, open websockets, the Jupyter server and the platform. */
  async close(): Promise<void> {
    if (this._closing) {
      return this._closing;
    }
    this._closing = (async () => {
      for (const socket of this._sockets) {
        socket.destroy();
      }
      // Jobs stop watching first, so that transfers cut short by the shutdown do not fail them.
      const jobsClosed = this.jobs?.close();
      await this.transfers?.close();
      await jobsClosed;
      await this.app.close().catch(e => this.logger.warn({ err: e }, 'closing the API failed'));
      this._gateway?.close();
      await this.jupyter?.stop();
      await this.platform.close();
      if (this.config.socket) {
        fs.rmSync(this.config.socket, { force: true });
      }
    })();
    return this._closing;
  }

  private _closing: Promise<void> | undefined;
}
