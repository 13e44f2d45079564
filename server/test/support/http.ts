/** Plain HTTP requests for the tests and benchmarks, as a browser or a hostile client sends them. */
import * as http from 'http';

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

/** Polls `check` every `everyMs` until it returns something, or throws `failure()` at the deadline. */
export async function until<T>(
  check: () => Promise<T | null | undefined>,
  failure: () => Error,
  timeoutMs: number,
  everyMs = 250
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== null && value !== undefined) {
      return value;
    }
    if (Date.now() > deadline) {
      throw failure();
    }
    await new Promise(resolve => setTimeout(resolve, everyMs));
  }
}
