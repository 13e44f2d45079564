import { Token } from '@lumino/coreutils';
import type { ServerConnection } from '@jupyterlab/services';
import type { IFlavorList } from '../server/lib/schemas/flavors';
import type { IJupyterInfo, IStatus } from '../server/lib/schemas/status';

/** The translation domain of Atelier. */
export const TRANSLATION_DOMAIN = 'jupyterlab_atelier';

/** The typed client of the Atelier service. */
export interface IAtelierClient {
  readonly serverSettings: ServerConnection.ISettings;
  /** Version, platform, capabilities, the current flavor. */
  status(): Promise<IStatus>;
  flavors(): Promise<IFlavorList>;
  jupyter(): Promise<IJupyterInfo>;
  /** Restarts the Jupyter server the service owns (gateway mode). */
  restartJupyter(): Promise<IJupyterInfo>;
}

export const IAtelierClient = new Token<IAtelierClient>(
  'jupyterlab-atelier:IAtelierClient',
  'The typed client of the Atelier service (status, flavors, storage, images, jobs, gallery).'
);

export namespace CommandIDs {
  export const showStatus = 'atelier:show-status';
}
