/**
 * The parts of JupyterHub's REST API a single-user server's Atelier uses: its user's server
 * (read, stop, start with options, follow the spawn's progress) and tokens. Calls carry a token
 * in the Authorization header; the token itself never appears in errors or logs.
 */

/** Where the Hub is and who this server is, as JupyterHub tells a single-user server. */
export interface IHubConnection {
  /** JUPYTERHUB_API_URL, e.g. http://127.0.0.1:8081/hub/api */
  apiUrl: string;
  token: string;
  user: string;
  /** '' for the user's default server. */
  serverName: string;
}

/** The connection from a single-user server's environment, or null outside a JupyterHub. */
export function hubFromEnv(env: NodeJS.ProcessEnv): IHubConnection | null {
  const { JUPYTERHUB_API_URL: apiUrl, JUPYTERHUB_API_TOKEN: token, JUPYTERHUB_USER: user } = env;
  if (!apiUrl || !token || !user) {
    return null;
  }
  return { apiUrl: apiUrl.replace(/\/+$/, ''), token, user, serverName: env.JUPYTERHUB_SERVER_NAME ?? '' };
}

/** A server as the Hub's API describes it (the fields Atelier reads). */
export interface IHubServer {
  ready: boolean;
  pending: string | null;
  user_options?: Record<string, unknown> | null;
}

/** One event of a spawn's progress stream. */
export interface IProgressEvent {
  progress?: number;
  message?: string;
  ready?: boolean;
  failed?: boolean;
}

export class HubError extends Error {
  constructor(
    readonly status: number,
    message: string
  ) {
    super(message);
  }
}

export class HubApi {
  constructor(
    readonly connection: IHubConnection,
    private readonly _timeoutMs = 30000
  ) {}

  /** users/{user}/server, or users/{user}/servers/{name} for a named server. */
  get serverRoute(): string {
    const { user, serverName } = this.connection;
    return `users/${encodeURIComponent(user)}/${serverName ? `servers/${encodeURIComponent(serverName)}` : 'server'}`;
  }

  /** This user's server, or null while it is stopped. */
  async server(): Promise<IHubServer | null> {
    const user = (await this.call('GET', `users/${encodeURIComponent(this.connection.user)}`)) as {
      servers?: Record<string, IHubServer>;
    };
    if (!user.servers) {
      throw new HubError(
        403,
        "The Hub's answer holds no servers: the token lacks the read:servers scope for its user."
      );
    }
    return user.servers[this.connection.serverName] ?? null;
  }

  /** The scopes the token holds, as the Hub expands them. */
  async scopes(): Promise<string[]> {
    const me = (await this.call('GET', 'user')) as { scopes?: string[] };
    return me.scopes ?? [];
  }

  async call(method: string, route: string, body?: unknown): Promise<unknown> {
    const res = await this._fetch(method, route, body);
    const text = await res.text();
    let parsed: unknown = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = null;
    }
    if (!res.ok) {
      const message = (parsed as { message?: unknown } | null)?.message;
      throw new HubError(
        res.status,
        `The Hub answered ${method} ${route} with ${res.status}${typeof message === 'string' && message ? `: ${message}` : ''}.`
      );
    }
    return parsed;
  }

  /**
   * The spawn's progress events until it is ready or failed (or the stream ends); `onEvent`
   * hears each. Resolves with the last event.
   */
  async progress(onEvent: (event: IProgressEvent) => void): Promise<IProgressEvent | null> {
    const res = await this._fetch('GET', `${this.serverRoute}/progress`, undefined, 0);
    if (!res.ok || !res.body) {
      await res.body?.cancel().catch(() => undefined);
      throw new HubError(res.status, `The Hub answered the spawn progress request with ${res.status}.`);
    }
    let last: IProgressEvent | null = null;
    let buffer = '';
    const decoder = new TextDecoder();
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = block
          .split('\n')
          .filter(line => line.startsWith('data:'))
          .map(line => line.slice(5).trim())
          .join('\n');
        if (!data) {
          continue; // a keep-alive
        }
        try {
          last = JSON.parse(data) as IProgressEvent;
        } catch {
          continue;
        }
        onEvent(last);
        if (last.ready || last.failed) {
          return last;
        }
      }
    }
    return last;
  }

  private async _fetch(method: string, route: string, body: unknown, timeoutMs = this._timeoutMs): Promise<Response> {
    const headers: Record<string, string> = {
      Authorization: `token ${this.connection.token}`,
      Accept: 'application/json'
    };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
    }
    try {
      return await fetch(`${this.connection.apiUrl}/${route}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: timeoutMs ? AbortSignal.timeout(timeoutMs) : undefined
      });
    } catch (e) {
      throw new HubError(0, `The Hub did not answer ${method} ${route}: ${(e as Error).message}.`);
    }
  }
}
