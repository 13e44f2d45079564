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
