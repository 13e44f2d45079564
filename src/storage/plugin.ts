import { ILayoutRestorer, JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { IDefaultFileBrowser } from '@jupyterlab/filebrowser';
import { ILauncher } from '@jupyterlab/launcher';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { storageIcon } from '../icons';
import { CommandIDs, IAtelierClient, ITransfersModel, TRANSLATION_DOMAIN } from '../tokens';
import { addStorageCommands } from './commands';
import type { IStorageContext } from './context';
import { Previews } from './previews';
import { acceptStorageDrops } from './dragdrop';
import { StorageBrowserModel } from './model';
import { uploadFiles } from './upload';
import { StorageBrowser } from './widgets/browser';
import { addWorkspaceCommands, followTransfers } from './workspace';

const PLUGIN_ID = 'jupyterlab-atelier:storage';

/** The object storage panel, its commands, and moving data between it and the workspace. */
export const storagePlugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description: 'Object storage (OBS or any S3) in a sidebar, and transfers between it and the workspace.',
  autoStart: true,
  requires: [IAtelierClient, ITransfersModel],
  optional: [ITranslator, ILayoutRestorer, ILauncher, ICommandPalette, IDefaultFileBrowser],
  activate: (
    app: JupyterFrontEnd,
    client: IAtelierClient,
    transfers: ITransfersModel,
    translator: ITranslator | null,
    restorer: ILayoutRestorer | null,
    launcher: ILauncher | null,
    palette: ICommandPalette | null,
    fileBrowser: IDefaultFileBrowser | null
  ): void => {
    const trans = (translator ?? nullTranslator).load(TRANSLATION_DOMAIN);
    const { commands } = app;
    const model = new StorageBrowserModel({ client });
    const context: IStorageContext = { app, client, model, trans, previews: new Previews() };

    const browser = new StorageBrowser(model, trans, {
      open: item => void commands.execute(CommandIDs.storageOpenItem, { key: item.key }),
      newFolder: () => void commands.execute(CommandIDs.storageNewFolder),
      newBucket: () => void commands.execute(CommandIDs.storageNewBucket),
      upload: files => void uploadFiles(client, model, trans, files),
      copyWorkspacePaths: paths => void commands.execute(CommandIDs.copyToStorage, { paths, prefix: model.prefix })
    });
    browser.id = 'jp-atelier-storage';
    browser.title.icon = storageIcon;
    browser.title.caption = trans.__('Object Storage');
    // On the right, beside the file browser on the left: drag between the two.
    app.shell.add(browser, 'right', { rank: 1 });
    restorer?.add(browser, 'atelier-storage');

    addStorageCommands(context, browser.id, palette, launcher);
    addWorkspaceCommands(context, transfers, fileBrowser);
    followTransfers(context, transfers, fileBrowser);
    if (fileBrowser) {
      acceptStorageDrops(fileBrowser, transfers, trans);
    }

    // Never await the network in activate.
    void app.restored.then(() => model.initialize());
  }
};
