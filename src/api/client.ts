import { ServerConnection } from '@jupyterlab/services';
import type { IFlavorList } from '../../server/lib/schemas/flavors';
import type { IJupyterInfo, IStatus } from '../../server/lib/schemas/status';
import type { IAtelierClient } from '../tokens';
import { requestAPI } from './request';

export type { IFlavor, IFlavorList } from '../../server/lib/schemas/flavors';
export type { IJupyterInfo, IStatus } from '../../server/lib/schemas/status';

/** The typed client of the Atelier service: one method per endpoint. */
export class AtelierClient implements IAtelierClient {
  constructor(options: AtelierClient.IOptions = {}) {
    this.serverSettings = options.serverSettings ?? ServerConnection.makeSettings();
  }

  readonly serverSettings: ServerConnection.ISettings;

  status(): Promise<IStatus> {
    return requestAPI<IStatus>('status', {}, this.serverSettings);
  }

  flavors(): Promise<IFlavorList> {
    return requestAPI<IFlavorList>('flavors', {}, this.serverSettings);
  }

  jupyter(): Promise<IJupyterInfo> {
    return requestAPI<IJupyterInfo>('jupyter', {}, this.serverSettings);
  }

  restartJupyter(): Promise<IJupyterInfo> {
    return requestAPI<IJupyterInfo>('jupyter/restart', { method: 'POST' }, this.serverSettings);
  }
}

export namespace AtelierClient {
  export interface IOptions {
    serverSettings?: ServerConnection.ISettings;
  }
}
