import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

/** Where Atelier's API lives, relative to the Jupyter base URL. */
export const API_PATH = 'atelier/api/v1';

/**
 * The one error type of the client. `status` is 0 when the service could not be reached at
 * all; `code` is the service's error code, or `not_installed` when the answer did not come
 * from Atelier (the service is missing from this deployment).
 */
export class AtelierError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** The request field at fault (forms show the message beside it). */
    readonly field?: string
  ) {
    super(message);
    this.name = 'AtelierError';
  }

  /** True when no Atelier service answered: nothing listens, or the path is not routed to it. */
  get serviceMissing(): boolean {
    return this.status === 0 || this.code === 'not_installed';
  }
}

/**
 * Calls the service: joins the Jupyter base URL with the API path, sends Jupyter's
 * credentials (ServerConnection does: token, XSRF header), and turns every failure into an
 * AtelierError carrying the service's message.
 */
export async function requestAPI<T>(
  endpoint: string,
  init: RequestInit = {},
  settings: ServerConnection.ISettings = ServerConnection.makeSettings()
): Promise<T> {
  const url = URLExt.join(settings.baseUrl, API_PATH, endpoint);
  let response: Response;
  try {
    response = await ServerConnection.makeRequest(url, init, settings);
  } catch (e) {
    throw new AtelierError(0, 'network', `Cannot reach the Atelier service at ${url}: ${(e as Error).message}`);
  }
  const text = await response.text();
  let body: unknown = undefined;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
  }
  if (!response.ok) {
    const error = body as { message?: unknown; code?: unknown; field?: unknown } | undefined;
    if (error && typeof error.message === 'string' && typeof error.code === 'string') {
      throw new AtelierError(
        response.status,
        error.code,
        error.message,
        typeof error.field === 'string' ? error.field : undefined
      );
    }
    throw new AtelierError(
      response.status,
      response.status === 404 ? 'not_installed' : 'unexpected',
      `The server answered ${response.status} ${response.statusText} for ${url}, not the Atelier service.`
    );
  }
  if (text && body === undefined) {
    throw new AtelierError(
      response.status,
      'not_installed',
      `The answer from ${url} is not JSON: the Atelier service is not behind this URL.`
    );
  }
  return body as T;
}

/**
 * Reads one of the service's event streams (server-sent events) until it ends or `signal`
 * aborts it; `onEvent` hears each event with its parsed data, `onOpen` that it is open. Sent with Jupyter's credentials,
 * as every call, and as an event stream (`Accept`), which jupyter-server-proxy needs to pass it
 * on as it comes. Rejects with an AtelierError when the stream cannot be opened.
 */
export async function streamAPI(
  endpoint: string,
  onEvent: (event: string, data: unknown) => void,
  signal: AbortSignal,
  settings: ServerConnection.ISettings = ServerConnection.makeSettings(),
  onOpen?: () => void
): Promise<void> {
  const url = URLExt.join(settings.baseUrl, API_PATH, endpoint);
  let response: Response;
  try {
    response = await ServerConnection.makeRequest(url, { headers: { Accept: 'text/event-stream' }, signal }, settings);
  } catch (e) {
    throw new AtelierError(0, 'network', `Cannot reach the Atelier service at ${url}: ${(e as Error).message}`);
  }
  if (!response.ok || !response.body || !response.headers.get('Content-Type')?.startsWith('text/event-stream')) {
    await response.body?.cancel().catch(() => undefined);
    throw new AtelierError(response.status, 'unexpected', `The server did not open an event stream at ${url}.`);
  }
  onOpen?.();
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) {
        return;
      }
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        let event = 'message';
        const data: string[] = [];
        for (const line of block.split('\n')) {
          if (line.startsWith('event:')) {
            event = line.slice(6).trim();
          } else if (line.startsWith('data:')) {
            data.push(line.slice(5).trimStart());
          }
        }
        if (data.length) {
          try {
            onEvent(event, JSON.parse(data.join('\n')));
          } catch {
            // not JSON: not an event of ours
          }
        }
      }
    }
  } catch (e) {
    if (signal.aborted) {
      return;
    }
    throw new AtelierError(0, 'network', `The event stream at ${url} broke off: ${(e as Error).message}`);
  } finally {
    reader.releaseLock();
  }
}

/**
 * Sends `body` with PUT to `url` (a whole URL), with upload progress (XMLHttpRequest: fetch
 * reports none), Jupyter's credentials, and the client's one error type.
 */
export function sendBlob<T>(
  url: string,
  body: Blob,
  settings: ServerConnection.ISettings,
  onProgress?: (loaded: number) => void,
  signal?: AbortSignal
): Promise<T> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new AtelierError(0, 'cancelled', 'The upload was cancelled.'));
      return;
    }
    const xhr = new XMLHttpRequest();
    xhr.open('PUT', url);
    if (settings.token) {
      xhr.setRequestHeader('Authorization', `token ${settings.token}`);
    }
    const xsrf = document.cookie.match('\\b_xsrf=([^;]*)\\b');
    if (xsrf) {
      xhr.setRequestHeader('X-XSRFToken', xsrf[1]);
    }
    xhr.setRequestHeader('Content-Type', 'application/octet-stream');
    xhr.upload.onprogress = event => onProgress?.(event.loaded);
    xhr.onload = () => {
      let answer: any = {};
      try {
        answer = JSON.parse(xhr.responseText);
      } catch {
        answer = {};
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        resolve(answer as T);
      } else {
        reject(
          new AtelierError(
            xhr.status,
            answer.code ?? 'unexpected',
            answer.message ?? `The upload failed (${xhr.status}).`
          )
        );
      }
    };
    xhr.onerror = () =>
      reject(new AtelierError(0, 'network', 'The upload was interrupted: the connection to the service broke.'));
    xhr.onabort = () => reject(new AtelierError(0, 'cancelled', 'The upload was cancelled.'));
    signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(body);
  });
}
