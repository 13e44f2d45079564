import type { IJupyterInfo, IStatus } from '@atelier/api';
import { ClientConstructor } from './base';
import { requestAPI } from './request';

/** The service's status, and the Jupyter server it owns. */
export function StatusAPI<TBase extends ClientConstructor>(Base: TBase) {
  return class extends Base {
    status(): Promise<IStatus> {
      return requestAPI<IStatus>('status', {}, this.serverSettings);
    }

    jupyter(): Promise<IJupyterInfo> {
      return requestAPI<IJupyterInfo>('jupyter', {}, this.serverSettings);
    }

    restartJupyter(): Promise<IJupyterInfo> {
      return requestAPI<IJupyterInfo>('jupyter/restart', { method: 'POST' }, this.serverSettings);
    }
  };
}
