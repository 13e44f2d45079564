import {
  ConnectionLost,
  IConnectionLost,
  JupyterFrontEnd,
  JupyterFrontEndPlugin,
  JupyterLab
} from '@jupyterlab/application';
import { Dialog, showDialog } from '@jupyterlab/apputils';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { IFlavorsModel, TRANSLATION_DOMAIN } from '../tokens';

/** JupyterHub's restart command (from its hub extension): the Hub's spawn page for this server. */
const HUB_RESTART = 'hub:restart';

/**
 * What JupyterLab does when it loses the server, aware of flavor switches. It takes the place
 * of the hub extension's handler (package.json disables that one): a switch takes the server
 * away on purpose and says so in its own notification, so no dialog offers a restart then,
 * which under JupyterHub would start the server again with the Hub's default profile.
 * Otherwise it behaves as JupyterLab's: under JupyterHub it offers to restart the server
 * through the Hub, elsewhere it shows JupyterLab's own "Server Connection Error".
 */
export const connectionLostPlugin: JupyterFrontEndPlugin<IConnectionLost> = {
  id: 'jupyterlab-atelier:connection-lost',
  description: 'Tells the user the server is gone, except while a flavor switch restarts it.',
  autoStart: true,
  provides: IConnectionLost,
  requires: [JupyterFrontEnd.IPaths],
  optional: [IFlavorsModel, ITranslator, JupyterLab.IInfo],
  activate: (
    app: JupyterFrontEnd,
    paths: JupyterFrontEnd.IPaths,
    flavors: IFlavorsModel | null,
    translator: ITranslator | null,
    info: JupyterLab.IInfo | null
  ): IConnectionLost => {
    const trans = (translator ?? nullTranslator).load(TRANSLATION_DOMAIN);
    const underHub = !!paths.urls.hubPrefix;
    let showing = false;
    return async (manager, error, lab) => {
      if (flavors?.switching) {
        return; // the switch's notification follows the outage
      }
      if (!underHub) {
        return ConnectionLost(manager, error, lab ?? translator ?? undefined);
      }
      if (showing) {
        return;
      }
      showing = true;
      if (info) {
        info.isConnected = false;
      }
      try {
        const result = await showDialog({
          title: trans.__('Server unavailable or unreachable'),
          body: trans.__('Your server at %1 is not running. Would you like to restart it?', paths.urls.base),
          // Dismiss, the last button, is the default: Enter does not restart anything.
          buttons: [
            Dialog.okButton({ label: trans.__('Restart') }),
            Dialog.cancelButton({ label: trans.__('Dismiss') })
          ]
        });
        if (result.button.accept && app.commands.hasCommand(HUB_RESTART)) {
          await app.commands.execute(HUB_RESTART);
        }
      } finally {
        if (info) {
          info.isConnected = true;
        }
        showing = false;
      }
    };
  }
};
