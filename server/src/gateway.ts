/**
 * The gateway: one public HTTP server. {baseUrl}atelier/... goes to Atelier's API; every
 * other request, websockets included, is authenticated with Jupyter's credentials and then
 * proxied to the Jupyter server the service owns. Only Jupyter's login page and its static
 * assets pass unauthenticated, so that a person can log in.
 */
import * as http from 'http';
import type { Duplex } from 'stream';
import { createProxyServer } from 'http-proxy-3';
import type { Logger } from 'pino';
import type { IAuthenticator } from './auth';
import { ApiError, jupyterUnavailable, toApiError } from './errors';
import type { JupyterServer } from './jupyter';
import { redactUrl } from './logger';

export interface IGatewayOptions {
  baseUrl: string;
  jupyter: JupyterServer;
  auth: IAuthenticator;
  logger: Logger;
}

/**
 * The request target as Jupyter will receive it: the proxy parses it as a URL, which resolves
 * dot segments (also written `%2e`), turns backslashes into slashes and drops the fragment.
 * The gateway decides on this form and sends this form, so the two cannot differ.
 */
export function jupyterTarget(raw: string): string {
  // "//x" alone would be read as a host; a base makes it a path, as the proxy does too.
  const url = new URL(raw.startsWith('//') ? `http://base.invalid${raw}` : raw, 'http://base.invalid');
  return `${url.pathname}${url.search}`;
}

/**
 * Paths under the base URL that Jupyter serves to people who are not logged in yet: the login
 * page and static assets. An encoded slash, backslash or dot is never part of an asset's
 * path, so a path holding one needs credentials like any other.
 */
export function isPublic(target: string, baseUrl: string): boolean {
  const pathname = target.split('?')[0];
  if (!pathname.startsWith(baseUrl) || /%2f|%5c|%2e|\\/i.test(pathname)) {
    return false;
  }
  const rest = pathname.slice(baseUrl.length);
  return rest === 'login' || rest === 'favicon.ico' || (rest.startsWith('static/') && !rest.split('/').includes('..'));
}

function sendError(res: http.ServerResponse, error: ApiError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(error.statusCode, {
    'Content-Type': 'application/json',
    'Cache-Control': 'no-store',
    ...error.headers
  });
  res.end(JSON.stringify({ message: error.message, code: error.code }));
}

function rejectUpgrade(socket: Duplex, error: ApiError): void {
  const body = JSON.stringify({ message: error.message, code: error.code });
  const extra = Object.entries(error.headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  socket.end(
    `HTTP/1.1 ${error.statusCode} ${http.STATUS_CODES[error.statusCode] ?? ''}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n${extra}\r\n${body}`
  );
}

function asApiError(e: unknown): ApiError {
  return toApiError(e) ?? new ApiError(500, 'internal', 'Internal error in the Atelier gateway.');
}

export class Gateway {
  constructor(options: IGatewayOptions) {
    this._options = options;
    this._agent = new http.Agent({ keepAlive: true, maxSockets: 512, keepAliveMsecs: 10000 });
    this._proxy = createProxyServer({ ws: true, xfwd: true, agent: this._agent, proxyTimeout: 0 });
    this._proxy.on('error', (err: unknown, req: http.IncomingMessage, target: unknown) => {
      const state = this._options.jupyter.state;
      const code = (err as NodeJS.ErrnoException)?.code;
      // A browser closing a websocket mid-flight is ordinary; anything else is worth a warning.
      const level =
        !(target instanceof http.ServerResponse) && (code === 'ECONNRESET' || code === 'EPIPE') ? 'debug' : 'warn';
      options.logger[level](
        { err: { message: (err as Error)?.message, code }, url: redactUrl(req.url) },
        'proxying to Jupyter failed'
      );
      const error =
        state === 'running'
          ? new ApiError(502, 'jupyter_unreachable', 'The Jupyter server did not answer.')
          : jupyterUnavailable(state);
      if (target instanceof http.ServerResponse) {
        sendError(target, error);
      } else if (target && typeof (target as Duplex).end === 'function') {
        rejectUpgrade(target as Duplex, error);
      }
    });
  }

  /** The prefix under which requests go to Atelier's API instead of Jupyter. */
  get atelierPrefix(): string {
    return `${this._options.baseUrl}atelier/`;
  }

  isAtelier(req: http.IncomingMessage): boolean {
    const url = req.url ?? '/';
    return url.startsWith(this.atelierPrefix) || url.split('?')[0] === this.atelierPrefix.slice(0, -1);
  }

  /** Handles a plain HTTP request bound for Jupyter. */
  web(req: http.IncomingMessage, res: http.ServerResponse): void {
    this._gate(req)
      .then(() => {
        this._proxy.web(req, res, { target: this._options.jupyter.target });
      })
      .catch(e => {
        const error = asApiError(e);
        if (error.statusCode === 401 && this._wantsPage(req)) {
          const next = encodeURIComponent(req.url ?? this._options.baseUrl);
          res.writeHead(302, { Location: `${this._options.baseUrl}login?next=${next}`, 'Cache-Control': 'no-store' });
          res.end();
          return;
        }
        sendError(res, error);
      });
  }

  /** Handles a websocket upgrade (kernels, terminals) bound for Jupyter. */
  upgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    this._gate(req)
      .then(() => {
        this._proxy.ws(req, socket, head, { target: this._options.jupyter.target });
      })
      .catch(e => rejectUpgrade(socket, asApiError(e)));
  }

  close(): void {
    this._proxy.close();
    this._agent.destroy();
  }

  private async _gate(req: http.IncomingMessage): Promise<void> {
    // From here on the request carries the target Jupyter will see, and is judged by it.
    try {
      req.url = jupyterTarget(req.url ?? '/');
    } catch {
      throw new ApiError(400, 'invalid_url', "The request's path is not a valid URL path.");
    }
    const state = this._options.jupyter.state;
    if (state !== 'running') {
      throw jupyterUnavailable(state);
    }
    if (isPublic(req.url, this._options.baseUrl)) {
      return;
    }
    await this._options.auth.authenticate(req);
  }

  private _wantsPage(req: http.IncomingMessage): boolean {
    return req.method === 'GET' && /text\/html/.test(req.headers.accept ?? '');
  }

  private _options: IGatewayOptions;
  private _agent: http.Agent;
  private _proxy: ReturnType<typeof createProxyServer>;
}
