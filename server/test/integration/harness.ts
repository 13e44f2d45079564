/**
 * Starts the real gateway (`atelier lab` in-process) with a real Jupyter server on loopback,
 * in temporary folders, and tears both down.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { AtelierService } from '../../src/service';

export interface IGateway {
  service: AtelierService;
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
  const config = loadConfig({
    env,
    overrides: { port: 0, dataDir: path.join(root, 'data'), workspace, ...overrides }
  });
  const logger = createLogger(process.env.ATELIER_TEST_LOG ?? 'silent');
  const service = await AtelierService.start({ mode: 'gateway', config, token, logger }).catch(e => {
    if (!reuse) {
      fs.rmSync(root, { recursive: true, force: true });
    }
    throw e;
  });
  return {
    service,
    url: service.url,
    token,
    workspace,
    root,
    close: closer(service, root)
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
): Promise<{ service: AtelierService; api: string; root: string; workspace: string; close(keep?: boolean): Promise<void> }> {
  const root = reuse?.root ?? fs.mkdtempSync(path.join(os.tmpdir(), 'atelier-it-'));
  const workspace = path.join(root, 'work');
  fs.mkdirSync(workspace, { recursive: true });
  const config = loadConfig({ env, overrides: { port: 0, dataDir: path.join(root, 'data'), workspace, ...overrides } });
  const logger = createLogger(process.env.ATELIER_TEST_LOG ?? 'silent');
  const service = await AtelierService.start({ mode: 'sidecar', config, logger });
  return {
    service,
    api: `${service.url}atelier/api/v1/`,
    root,
    workspace,
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
