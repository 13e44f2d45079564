/**
 * The gateway: one public HTTP server. {baseUrl}atelier/... goes to Atelier's API; every
 * other request, websockets included, is authenticated with Jupyter's credentials and then
 * proxied to the Jupyter server the service owns. Only Jupyter's login page and its static
 * assets pass unauthenticated, so that a person can log in.
 *
 * Plain requests are forwarded by a short pipe of our own (`forward`): one request to Jupyter
 * over a kept-alive connection, headers copied once, bodies streamed both ways. Websockets go
 * through http-proxy-3.
 */
import * as http from 'http';
import type { Duplex } from 'stream';
import type { TLSSocket } from 'tls';
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

/**
 * Headers about one connection, not the message (RFC 9110, 7.6.1): each hop sets its own, so
 * they are not forwarded. A request keeps Transfer-Encoding: it says how its body is framed
 * (Node frames the forwarded body the same way).
 */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade'
]);
/** Named in a Connection header or not, these frame or route the message: they stay. */
const NEVER_LISTED = new Set(['host', 'content-length', 'transfer-encoding']);
const FORWARDED = new Set(['x-forwarded-for', 'x-forwarded-port', 'x-forwarded-proto', 'x-forwarded-host']);

/**
 * A message's raw header pairs (names as sent) without the hop-by-hop ones and those its
 * Connection header names; for a request, also without the X-Forwarded-* the gateway sets.
 */
export function endToEndHeaders(raw: string[], request: boolean): string[] {
  let listed: Set<string> | null = null;
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i].toLowerCase() === 'connection') {
      for (const token of raw[i + 1].split(',')) {
        const name = token.trim().toLowerCase();
        if (name && !NEVER_LISTED.has(name)) {
          (listed ??= new Set()).add(name);
        }
      }
    }
  }
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    const hop = HOP_BY_HOP.has(name) && !(request && name === 'transfer-encoding');
    if (!hop && !listed?.has(name) && !(request && FORWARDED.has(name))) {
      out.push(raw[i], raw[i + 1]);
    }
  }
  return out;
}

/** The request's headers for Jupyter: end-to-end ones, then X-Forwarded-* (appended to, as proxies do). */
function forwardedRequestHeaders(req: http.IncomingMessage, target: URL): string[] {
  const headers = endToEndHeaders(req.rawHeaders, true);
  const { host } = req.headers;
  if (host === undefined) {
    headers.push('Host', target.host);
  }
  const encrypted = Boolean((req.socket as TLSSocket).encrypted);
  const append = (name: string, value: string) => {
    const before = req.headers[name];
    return before ? `${before},${value}` : value;
  };
  headers.push(
    'X-Forwarded-For',
    append('x-forwarded-for', req.socket.remoteAddress ?? ''),
    'X-Forwarded-Port',
    append('x-forwarded-port', /:(\d+)$/.exec(host ?? '')?.[1] ?? (encrypted ? '443' : '80')),
    'X-Forwarded-Proto',
    append('x-forwarded-proto', encrypted ? 'https' : 'http'),
    'X-Forwarded-Host',
    (req.headers['x-forwarded-host'] as string | undefined) || host || ''
  );
  return headers;
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
    // Websockets only: plain requests go through forward().
    this._proxy = createProxyServer({ ws: true, xfwd: true, agent: this._agent, proxyTimeout: 0 });
    this._proxy.on('error', (err: unknown, req: http.IncomingMessage, target: unknown) => {
      const code = (err as NodeJS.ErrnoException)?.code;
      // A browser closing a websocket mid-flight is ordinary; anything else is worth a warning.
      this._log(code === 'ECONNRESET' || code === 'EPIPE' ? 'debug' : 'warn', err, req);
      if (target instanceof http.ServerResponse) {
        sendError(target, this._unreachable());
      } else if (target && typeof (target as Duplex).end === 'function') {
        rejectUpgrade(target as Duplex, this._unreachable());
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
    const refuse = (e: unknown) => {
      const error = asApiError(e);
      if (error.statusCode === 401 && this._wantsPage(req)) {
        const next = encodeURIComponent(req.url ?? this._options.baseUrl);
        res.writeHead(302, { Location: `${this._options.baseUrl}login?next=${next}`, 'Cache-Control': 'no-store' });
        res.end();
        return;
      }
      sendError(res, error);
    };
    const pass = () => {
      try {
        this.forward(req, res);
      } catch (e) {
        refuse(e);
      }
    };
    let judging: Promise<unknown> | null;
    try {
      judging = this._gate(req);
    } catch (e) {
      refuse(e);
      return;
    }
    // Most requests are judged at once (the server's own token, a remembered login): they
    // go on in the same turn of the event loop.
    if (judging) {
      judging.then(pass, refuse);
    } else {
      pass();
    }
  }

  /** Handles a websocket upgrade (kernels, terminals) bound for Jupyter. */
  upgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    Promise.resolve()
      .then(() => this._gate(req))
      .then(() => {
        this._proxy.ws(req, socket, head, { target: this._options.jupyter.target });
      })
      .catch(e => rejectUpgrade(socket, asApiError(e)));
  }

  /**
   * Sends a request (already judged) to Jupyter and streams the answer back: the request's
   * target and end-to-end headers as they are, X-Forwarded-* added, both bodies streamed. If
   * the client goes away, the request to Jupyter is dropped; if Jupyter's side breaks, the
   * client gets a 502/503 or, once the answer has begun, a cut connection.
   */
  forward(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (res.destroyed) {
      // The client went away while the request was being judged: nothing to ask Jupyter.
      return;
    }
    const target = this._target();
    const upstream = http.request({
      host: target.hostname,
      port: target.port,
      method: req.method,
      path: req.url,
      headers: forwardedRequestHeaders(req, target),
      agent: this._agent
    });
    let clientGone = false;
    res.once('close', () => {
      if (!res.writableFinished) {
        clientGone = true;
        upstream.destroy();
      }
    });
    // Errors can come more than once (a socket's, then the message's): every one is handled.
    req.on('error', () => {
      clientGone = true;
      upstream.destroy();
    });
    upstream.on('error', err => {
      if (clientGone || res.writableEnded) {
        return;
      }
      this._log('warn', err, req);
      sendError(res, this._unreachable());
      // The rest of an upload has nowhere to go: it is read and dropped, so the client's
      // connection can carry its next request.
      req.unpipe(upstream);
      req.resume();
    });
    upstream.once('response', answer => {
      try {
        res.writeHead(
          answer.statusCode ?? 502,
          answer.statusMessage || undefined,
          endToEndHeaders(answer.rawHeaders, false)
        );
      } catch (e) {
        answer.destroy();
        this._log('warn', e, req);
        sendError(
          res,
          new ApiError(502, 'jupyter_error', 'The Jupyter server sent an answer that cannot be passed on.')
        );
        return;
      }
      // pipe(), not pipeline(): the same streaming for a fraction of the cost per request
      // (pipeline makes an AbortController and an AbortError each time); its one duty here,
      // cutting the client off when Jupyter's answer breaks off, is done by hand.
      answer.on('error', err => {
        if (!clientGone) {
          this._log('warn', err, req);
        }
      });
      answer.once('close', () => {
        if (!answer.complete) {
          res.destroy();
        }
      });
      answer.pipe(res);
    });
    req.pipe(upstream);
  }

  close(): void {
    this._proxy.close();
    this._agent.destroy();
  }

  /**
   * Judges a request by the target Jupyter will see: null when it may pass now, a promise when
   * Jupyter must first be asked about its credentials; throws an ApiError when it may not pass.
   */
  private _gate(req: http.IncomingMessage): Promise<unknown> | null {
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
      return null;
    }
    const { auth } = this._options;
    return auth.decideNow?.(req) ? null : auth.authenticate(req);
  }

  /** Jupyter's address, parsed once per (re)start. */
  private _target(): URL {
    const target = this._options.jupyter.target;
    if (this._targetUrl?.href !== `${target}/`) {
      this._targetUrl = new URL(target);
    }
    return this._targetUrl;
  }

  private _unreachable(): ApiError {
    const state = this._options.jupyter.state;
    return state === 'running'
      ? new ApiError(502, 'jupyter_unreachable', 'The Jupyter server did not answer.')
      : jupyterUnavailable(state);
  }

  private _log(level: 'debug' | 'warn', err: unknown, req: http.IncomingMessage): void {
    const code = (err as NodeJS.ErrnoException)?.code;
    this._options.logger[level](
      { err: { message: (err as Error)?.message, code }, url: redactUrl(req.url) },
      'proxying to Jupyter failed'
    );
  }

  private _wantsPage(req: http.IncomingMessage): boolean {
    return req.method === 'GET' && /text\/html/.test(req.headers.accept ?? '');
  }

  private _options: IGatewayOptions;
  private _agent: http.Agent;
  private _targetUrl: URL | undefined;
  private _proxy: ReturnType<typeof createProxyServer>;
}
