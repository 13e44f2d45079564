import { ServerConnection } from '@jupyterlab/services';

/** What every part of the client has: the settings of the Jupyter server it talks through. */
export class ClientBase {
  constructor(options: ClientBase.IOptions = {}) {
    this.serverSettings = options.serverSettings ?? ServerConnection.makeSettings();
  }

  readonly serverSettings: ServerConnection.ISettings;
}

export namespace ClientBase {
  export interface IOptions {
    serverSettings?: ServerConnection.ISettings;
  }
}

/** A class the capabilities of the client are added to (see `AtelierClient`). */
export type ClientConstructor = new (...args: any[]) => ClientBase;

/** Query string of defined values. */
export function query(params: Record<string, string | number | boolean | undefined>): string {
  const entries = Object.entries(params).filter(([, v]) => v !== undefined && v !== '');
  return entries.length ? `?${entries.map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`).join('&')}` : '';
}

export const JSON_HEADERS = { 'Content-Type': 'application/json' };
