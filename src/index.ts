import type { JupyterFrontEndPlugin } from '@jupyterlab/application';
import { clientPlugin } from './core/plugin';
import { connectionLostPlugin } from './flavors/connection-lost';
import { flavorsPlugin } from './flavors/plugin';
import { jobsPlugin } from './jobs/plugin';
import { statusPlugin } from './status/plugin';
import { storagePlugin } from './storage/plugin';
import { transfersPlugin } from './transfers/plugin';

export { AtelierClient } from './api/client';
export { AtelierError, requestAPI } from './api/request';
export { IAtelierClient, ITransfersModel, CommandIDs } from './tokens';

const plugins: JupyterFrontEndPlugin<any>[] = [
  clientPlugin,
  flavorsPlugin,
  connectionLostPlugin,
  statusPlugin,
  transfersPlugin,
  storagePlugin,
  jobsPlugin
];
export default plugins;
