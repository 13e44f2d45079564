import { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { Dialog, ICommandPalette, showDialog } from '@jupyterlab/apputils';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { IStatusBar } from '@jupyterlab/statusbar';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { atelierIcon } from '../icons';
import { CommandIDs, IAtelierClient, IFlavorsModel, TRANSLATION_DOMAIN } from '../tokens';
import { StatusDetails } from './details';
import { StatusModel } from './model';
import { StatusItem } from './widget';

const PLUGIN_ID = 'jupyterlab-atelier:status-item';

/** The status bar item with the platform and the current flavor, and the status command. */
export const statusPlugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description: 'Shows the platform and the current compute flavor in the status bar.',
  autoStart: true,
  requires: [IAtelierClient],
  optional: [IStatusBar, ICommandPalette, ISettingRegistry, ITranslator, IFlavorsModel],
  activate: (
    app: JupyterFrontEnd,
    client: IAtelierClient,
    statusBar: IStatusBar | null,
    palette: ICommandPalette | null,
    settings: ISettingRegistry | null,
    translator: ITranslator | null,
    flavors: IFlavorsModel | null
  ): void => {
    const trans = (translator ?? nullTranslator).load(TRANSLATION_DOMAIN);
    const model = new StatusModel({ client });

    app.commands.addCommand(CommandIDs.showStatus, {
      label: trans.__('Show Atelier Status'),
      caption: trans.__('The Atelier platform, the compute flavor and the capabilities available'),
      icon: atelierIcon,
      describedBy: { args: { type: 'object', properties: {} } },
      execute: async () => {
        await model.refresh().catch(() => undefined);
        await showDialog({
          title: trans.__('Atelier'),
          body: new StatusDetails(model, trans),
          buttons: [Dialog.okButton({ label: trans.__('Close') })]
        });
      }
    });
    palette?.addItem({ command: CommandIDs.showStatus, category: trans.__('Atelier') });

    if (statusBar) {
      // A click switches the flavor where that is possible, else shows the details.
      const onClick = () =>
        void app.commands.execute(
          flavors?.flavors?.switchable && app.commands.hasCommand(CommandIDs.flavorPick)
            ? CommandIDs.flavorPick
            : CommandIDs.showStatus
        );
      const item = new StatusItem(model, trans, onClick, flavors);
      statusBar.registerStatusItem(PLUGIN_ID, { item, align: 'left', rank: 10 });
    }

    if (settings) {
      void settings
        .load(PLUGIN_ID)
        .then(loaded => {
          const apply = () => model.setInterval((loaded.get('refreshIntervalSeconds').composite as number) * 1000);
          apply();
          loaded.changed.connect(apply);
        })
        .catch(reason => console.warn(`${PLUGIN_ID}: settings could not be loaded`, reason));
    }
    // After a restart of the Jupyter server, JupyterLab's own pollers may be backing off
    // from the 503s they met meanwhile: have them look again now.
    model.jupyterRestarted.connect(() => {
      const services = app.serviceManager;
      void services.kernelspecs.refreshSpecs().catch(() => undefined);
      void services.sessions.refreshRunning().catch(() => undefined);
      void services.kernels.refreshRunning().catch(() => undefined);
      if (services.terminals.isAvailable()) {
        void services.terminals.refreshRunning().catch(() => undefined);
      }
    });
    void app.restored.then(() => model.start());
  }
};
