import { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { Dialog, ICommandPalette, showDialog } from '@jupyterlab/apputils';
import { IStatusBar } from '@jupyterlab/statusbar';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { storageIcon } from '../icons';
import { CommandIDs, IAtelierClient, ITransfersModel, TRANSLATION_DOMAIN } from '../tokens';
import { TransfersModel } from './model';
import { TransfersList, TransfersStatusItem } from './widgets';

const PLUGIN_ID = 'jupyterlab-atelier:transfers';
/**
 * The status bar item's id, unchanged since it belonged to the storage plugin: the status bar
 * remembers by this id whether a person hid the item.
 */
const STATUS_ITEM_ID = 'jupyterlab-atelier:storage:transfers';

/** Transfers between the workspace and object storage: followed, listed, counted in the status bar. */
export const transfersPlugin: JupyterFrontEndPlugin<ITransfersModel> = {
  id: PLUGIN_ID,
  description:
    'Provides the transfers between the workspace and object storage, lists them, and shows those running in the status bar.',
  autoStart: true,
  requires: [IAtelierClient],
  optional: [ITranslator, ICommandPalette, IStatusBar],
  provides: ITransfersModel,
  activate: (
    app: JupyterFrontEnd,
    client: IAtelierClient,
    translator: ITranslator | null,
    palette: ICommandPalette | null,
    statusBar: IStatusBar | null
  ): ITransfersModel => {
    const trans = (translator ?? nullTranslator).load(TRANSLATION_DOMAIN);
    const { commands } = app;
    const transfers = new TransfersModel(client);

    commands.addCommand(CommandIDs.showTransfers, {
      label: trans.__('Show Transfers'),
      caption: trans.__('Transfers between the workspace and object storage'),
      icon: storageIcon,
      describedBy: { args: { type: 'object', properties: {} } },
      execute: async () => {
        await transfers.refresh().catch(() => undefined);
        await showDialog({
          title: trans.__('Transfers'),
          body: new TransfersList(transfers, trans),
          buttons: [Dialog.okButton({ label: trans.__('Close') })]
        });
      }
    });
    palette?.addItem({ command: CommandIDs.showTransfers, category: trans.__('Atelier') });

    if (statusBar) {
      const item = new TransfersStatusItem(transfers, trans, () => void commands.execute(CommandIDs.showTransfers));
      statusBar.registerStatusItem(STATUS_ITEM_ID, {
        item,
        align: 'left',
        rank: 20,
        isActive: () => transfers.active.length > 0,
        activeStateChanged: transfers.changed
      });
    }

    // Never await the network in activate.
    void app.restored.then(() => transfers.start());
    return transfers;
  }
};
