import type { JupyterFrontEndPlugin } from '@jupyterlab/application';
import { clientPlugin } from './core/plugin';
import { flavorsPlugin } from './flavors/plugin';
import { jobsPlugin } from './jobs/plugin';
import { statusPlugin } from './status/plugin';
import { storagePlugin } from './storage/plugin';

export { AtelierClient } from './api/client';
export { AtelierError, requestAPI } from './api/request';
export { IAtelierClient, CommandIDs } from './tokens';

const plugins: JupyterFrontEndPlugin<any>[] = [clientPlugin, flavorsPlugin, statusPlugin, storagePlugin, jobsPlugin];
export default plugins;
