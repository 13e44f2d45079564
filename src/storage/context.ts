/** What the storage panel's commands and operations share. */
import type { JupyterFrontEnd } from '@jupyterlab/application';
import type { TranslationBundle } from '@jupyterlab/translation';
import type { IAtelierClient } from '../tokens';
import type { StorageBrowserModel } from './model';
import type { Previews } from './previews';

export interface IStorageContext {
  app: JupyterFrontEnd;
  client: IAtelierClient;
  model: StorageBrowserModel;
  trans: TranslationBundle;
  /** The previews open in the main area. */
  previews: Previews;
}
