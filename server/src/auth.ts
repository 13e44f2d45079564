/**
 * Authentication is Jupyter's: a request is accepted only when the Jupyter server accepts the
 * same credentials (a token in the Authorization header or the `token` query parameter, or
 * Jupyter's login cookie). The answer is remembered for a few seconds per credential.
 * Cookie-authenticated calls that change state must also pass the XSRF check Jupyter uses
 * (Tornado's: the X-XSRFToken header, or `_xsrf` query argument, must match the `_xsrf` cookie).
 */
import * as crypto from 'crypto';
import * as http from 'http';
import { ApiError, jupyterUnavailable } from './errors';

export type Credentials = { kind: 'token'; token: string } | { kind: 'cookie'; cookie: string } | { kind: 'none' };

export interface IAuthResult {
  via: 'token' | 'cookie' | 'proxy';
}

/** What decides whether credentials are good. */
export interface IAuthenticator {
  /** Resolves when the request may pass, rejects with an ApiError (401, 403, 503) otherwise. */
  authenticate(req: http.IncomingMessage): Promise<IAuthResult>;
  /**
   * The same decision where it needs no round trip (the server's own token, a remembered
   * answer): the result, an ApiError thrown, or undefined when only authenticate() can tell.
   */
  decideNow?(req: http.IncomingMessage): IAuthResult | undefined;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) {
      cookies.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
    }
  }
  return cookies;
}

/** The credentials a request carries, token first as Jupyter checks them. */
export function credentialsOf(req: http.IncomingMessage): Credentials {
  const header = req.headers.authorization;
  if (header) {
    const match = /^(?:token|bearer)\s+(\S+)\s*$/i.exec(header);
    if (match) {
      return { kind: 'token', token: match[1] };
    }
  }
  const query = new URL(req.url ?? '/', 'http://x').searchParams.get('token');
  if (query) {
    return { kind: 'token', token: query };
  }
  if (req.headers.cookie) {
    return { kind: 'cookie', cookie: req.headers.cookie };
  }
  return { kind: 'none' };
}

/** Tornado's XSRF token from its cookie or header form (versions 1 and 2). */
export function decodeXsrf(value: string): Buffer | null {
  const v = value.replace(/^"|"$/g, '');
  const versioned = /^([1-9][0-9]*)\|(.*)$/.exec(v);
  if (!versioned) {
    // Version 1: the token itself, hex.
    return /^[0-9a-f]+$/i.test(v) ? Buffer.from(v, 'hex') : Buffer.from(v, 'utf8');
  }
  if (versioned[1] !== '2') {
    return null;
  }
  const parts = v.split('|');
  if (parts.length !== 4 || !/^[0-9a-f]+$/i.test(parts[1]) || !/^[0-9a-f]+$/i.test(parts[2])) {
    return null;
  }
  const mask = Buffer.from(parts[1], 'hex');
  const masked = Buffer.from(parts[2], 'hex');
  if (mask.length !== 4) {
    return null;
  }
  return Buffer.from(masked.map((byte, i) => byte ^ mask[i % 4]));
}

/** The XSRF check of a cookie-authenticated, state-changing request. */
export function checkXsrf(req: http.IncomingMessage): void {
  if (SAFE_METHODS.has((req.method ?? 'GET').toUpperCase())) {
    return;
  }
  const cookie = parseCookies(req.headers.cookie).get('_xsrf');
  const header =
    (req.headers['x-xsrftoken'] as string | undefined) ??
    (req.headers['x-csrftoken'] as string | undefined) ??
    new URL(req.url ?? '/', 'http://x').searchParams.get('_xsrf') ??
    undefined;
  if (!cookie || !header) {
    throw new ApiError(
      403,
      'xsrf_missing',
      "The request has no XSRF token ('_xsrf' cookie and X-XSRFToken header); reload the page."
    );
  }
  const expected = decodeXsrf(cookie);
  const given = decodeXsrf(header);
  if (!expected || !given || expected.length !== given.length || !crypto.timingSafeEqual(expected, given)) {
    throw new ApiError(403, 'xsrf_mismatch', 'The XSRF token does not match its cookie; reload the page.');
  }
}

export function timingSafeEqualString(a: string, b: string): boolean {
  return timingSafeEqualDigest(a, sha256(b), b.length);
}

function sha256(value: string): Buffer {
  return crypto.createHash('sha256').update(value).digest();
}

/** Whether `a` is the string whose sha256 is `digest` and length `length`, in constant time. */
function timingSafeEqualDigest(a: string, digest: Buffer, length: number): boolean {
  return crypto.timingSafeEqual(sha256(a), digest) && a.length === length;
}

export interface IJupyterAuthOptions {
  /** Where the Jupyter server listens now, e.g. http://127.0.0.1:40123; null while it is down. */
  target: () => string | null;
  /** Jupyter's base URL (ends with /). */
  baseUrl: string;
  /** State of the server, for the 503 message. */
  state: () => string;
  cacheMs: number;
  /** The server's own token when the service knows it (gateway mode): checked without a round trip. */
  token?: string;
}

/** Asks the Jupyter server whether it accepts a request's credentials. */
export class JupyterAuthenticator implements IAuthenticator {
  constructor(private readonly _options: IJupyterAuthOptions) {
    // The server's own token is hashed once, not on every request.
    this._token =
      _options.token === undefined ? null : { digest: sha256(_options.token), length: _options.token.length };
  }

  async authenticate(req: http.IncomingMessage): Promise<IAuthResult> {
    const now = this.decideNow(req);
    if (now) {
      return now;
    }
    const credentials = credentialsOf(req) as Exclude<Credentials, { kind: 'none' }>;
    const key = this._key(credentials, req);
    const accepted = await this._ask(credentials, req.headers.host ?? '');
    this._remember(key, accepted, Date.now());
    return this._accepted(credentials, accepted, req);
  }

  decideNow(req: http.IncomingMessage): IAuthResult | undefined {
    const credentials = credentialsOf(req);
    if (credentials.kind === 'none') {
      throw new ApiError(
        401,
        'unauthenticated',
        'Authentication required: open the URL with the token that Atelier printed, or log in.'
      );
    }
    if (credentials.kind === 'token' && this._token) {
      if (timingSafeEqualDigest(credentials.token, this._token.digest, this._token.length)) {
        return { via: 'token' };
      }
      throw new ApiError(403, 'forbidden', 'The token is not valid for this server.');
    }
    const cached = this._cache.get(this._key(credentials, req));
    if (cached && cached.expires > Date.now()) {
      return this._accepted(credentials, cached.accepted, req);
    }
    return undefined;
  }

  private _key(credentials: Exclude<Credentials, { kind: 'none' }>, req: http.IncomingMessage): string {
    const secret = credentials.kind === 'token' ? credentials.token : credentials.cookie;
    return crypto
      .createHash('sha256')
      .update(`${credentials.kind}\0${req.headers.host ?? ''}\0${secret}`)
      .digest('base64');
  }

  private _accepted(
    credentials: Exclude<Credentials, { kind: 'none' }>,
    accepted: boolean,
    req: http.IncomingMessage
  ): IAuthResult {
    if (!accepted) {
      throw credentials.kind === 'token'
        ? new ApiError(403, 'forbidden', 'The token is not valid for this server.')
        : new ApiError(403, 'forbidden', 'Your login is not valid (any more); log in again.');
    }
    if (credentials.kind === 'cookie') {
      checkXsrf(req);
    }
    return { via: credentials.kind };
  }

  private _remember(key: string, accepted: boolean, now: number): void {
    if (this._options.cacheMs <= 0) {
      return;
    }
    if (this._cache.size > 1000) {
      for (const [k, v] of this._cache) {
        if (v.expires <= now) {
          this._cache.delete(k);
        }
      }
      if (this._cache.size > 1000) {
        this._cache.clear();
      }
    }
    this._cache.set(key, { accepted, expires: now + this._options.cacheMs });
  }

  /** GET {base}api/status with the same credentials and Host (Jupyter's cookie name has the host in it). */
  private _ask(credentials: Credentials, host: string): Promise<boolean> {
    const target = this._options.target();
    if (!target) {
      return Promise.reject(jupyterUnavailable(this._options.state()));
    }
    const headers: http.OutgoingHttpHeaders = { host };
    if (credentials.kind === 'token') {
      headers.authorization = `token ${credentials.token}`;
    } else if (credentials.kind === 'cookie') {
      headers.cookie = credentials.cookie;
    }
    return new Promise((resolve, reject) => {
      const req = http.get(`${target}${this._options.baseUrl}api/status`, { headers, timeout: 10000 }, res => {
        res.resume();
        if (res.statusCode === 200) {
          resolve(true);
        } else if (res.statusCode === 401 || res.statusCode === 403) {
          resolve(false);
        } else {
          reject(
            new ApiError(
              502,
              'jupyter_error',
              `The Jupyter server answered ${res.statusCode} to an authentication check.`
            )
          );
        }
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', () => reject(jupyterUnavailable(this._options.state())));
    });
  }

  private _cache = new Map<string, { accepted: boolean; expires: number }>();
  private readonly _token: { digest: Buffer; length: number } | null;
}

/** Sidecar mode without a Jupyter URL: the proxy in front (jupyter-server-proxy) authenticates. */
export class ProxyAuthenticator implements IAuthenticator {
  async authenticate(): Promise<IAuthResult> {
    return { via: 'proxy' };
  }
}
