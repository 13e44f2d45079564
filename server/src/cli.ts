#!/usr/bin/env node
/**
 * atelier lab   — JupyterLab with Atelier: the gateway starts and owns the Jupyter server.
 * atelier serve — Atelier's API only, on loopback or a unix socket, behind jupyter-server-proxy.
 */
import * as path from 'path';
import { parseArgs } from 'util';
import { ConfigError, loadConfig } from './config';
import { createLogger } from './logger';
import { VERSION } from './paths';
import { runSwitchFromStdin } from './platform/jupyterhub/switch-worker';
import { AtelierService } from './service';

const USAGE = `Usage: atelier <command> [options]

Commands:
  lab      Start JupyterLab with Atelier (gateway: Atelier owns the Jupyter server)
  serve    Serve Atelier's API only, behind jupyter-server-proxy (loopback or unix socket)

Options:
  --config FILE       Configuration file (JSON or YAML); default $ATELIER_CONFIG
  --host HOST         Address to listen on (default 127.0.0.1)
  --port PORT         Port to listen on (default 8888; 0 picks a free one)
  --socket PATH       serve: listen on a unix socket instead
  --base-url PATH     Jupyter's base URL (default /)
  --workspace DIR     The Jupyter server's root directory (default: the current directory)
  --data-dir DIR      Where Atelier keeps its state
  --jupyter-url URL   serve: check credentials with this Jupyter server
  -v, --version       Print the version
  -h, --help          Print this help
`;

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        config: { type: 'string' },
        host: { type: 'string' },
        port: { type: 'string' },
        socket: { type: 'string' },
        'base-url': { type: 'string' },
        workspace: { type: 'string' },
        'data-dir': { type: 'string' },
        'jupyter-url': { type: 'string' },
        'no-browser': { type: 'boolean' },
        // For browser tests: more prebuilt extensions, and window.jupyterapp in the page.
        'extra-labextensions': { type: 'string', multiple: true },
        'expose-app-in-browser': { type: 'boolean' },
        version: { type: 'boolean', short: 'v' },
        help: { type: 'boolean', short: 'h' }
      }
    });
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.version) {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const command = positionals[0];
  if (command === 'hub-switch') {
    // Internal: the detached worker of a JupyterHub profile switch (its order on stdin).
    return runSwitchFromStdin();
  }
  if (values.help || !command || command === 'help') {
    process.stdout.write(USAGE);
    return values.help || command === 'help' ? 0 : 2;
  }
  if (command !== 'lab' && command !== 'serve') {
    process.stderr.write(`Unknown command "${command}".\n\n${USAGE}`);
    return 2;
  }
  if (values.port !== undefined && !/^\d+$/.test(values.port)) {
    process.stderr.write(`--port must be a number, not "${values.port}".\n`);
    return 2;
  }

  let service: AtelierService;
  try {
    const config = loadConfig({
      file: values.config,
      overrides: {
        host: values.host,
        port: values.port === undefined ? undefined : Number(values.port),
        socket: values.socket,
        baseUrl: values['base-url'],
        workspace: values.workspace,
        dataDir: values['data-dir'],
        'jupyter.url': values['jupyter-url']
      }
    });
    const logger = createLogger(config.logLevel);
    service = await AtelierService.start({
      mode: command === 'lab' ? 'gateway' : 'sidecar',
      config,
      logger,
      extraLabextensions: (values['extra-labextensions'] ?? []).map(dir => path.resolve(dir)),
      exposeAppInBrowser: values['expose-app-in-browser'] ?? false
    });
  } catch (e) {
    process.stderr.write(`atelier: ${e instanceof ConfigError ? e.message : (e as Error).message}\n`);
    return 1;
  }

  // The last line of defence. Every stream and child has its errors handled where it is used;
  // an error that still escapes is a bug, and ending the process for it would take the
  // Jupyter server and every kernel with it. It is logged with its stack, and the service goes on.
  process.on('uncaughtException', e =>
    service.logger.error({ err: e }, 'uncaught error (a bug in Atelier; the service goes on)')
  );
  process.on('unhandledRejection', e =>
    service.logger.error({ err: e }, 'unhandled rejection (a bug in Atelier; the service goes on)')
  );

  if (command === 'lab') {
    process.stdout.write(
      `\nAtelier (JupyterLab ${service.jupyter?.labVersion ?? ''}) is running.\n` +
        `Open this URL in a browser:\n\n    ${service.url}lab?token=${service.token}\n\n` +
        `Workspace: ${service.config.workspace}\nData: ${service.config.dataDir}\nStop with Ctrl+C.\n`
    );
  } else {
    const where = service.config.socket ? `unix socket ${service.config.socket}` : `${service.url}atelier/api/v1/`;
    process.stdout.write(`Atelier API (serve mode) listening on ${where}\n`);
  }

  return new Promise<number>(resolve => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) {
        process.stderr.write('atelier: forced exit\n');
        process.exit(130);
      }
      stopping = true;
      service.logger.info({ signal }, 'stopping');
      const force = setTimeout(() => process.exit(1), 20000);
      force.unref();
      service.close().then(
        () => resolve(0),
        () => resolve(1)
      );
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
  });
}

main(process.argv.slice(2)).then(code => process.exit(code));
