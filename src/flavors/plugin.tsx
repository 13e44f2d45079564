import * as React from 'react';
import { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { PageConfig, URLExt } from '@jupyterlab/coreutils';
import {
  Dialog,
  ICommandPalette,
  IToolbarWidgetRegistry,
  Notification,
  showDialog,
  showErrorMessage
} from '@jupyterlab/apputils';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { ITranslator, nullTranslator, TranslationBundle } from '@jupyterlab/translation';
import { ReactWidget, UseSignal } from '@jupyterlab/ui-components';
import { Widget } from '@lumino/widgets';
import type { IFlavorSwitch } from '../api/client';
import { flavorIcon } from '../icons';
import { flavorSummary, formatMemory, memoryPair, usageText } from '../core/format';
import { CommandIDs, IAtelierClient, IFlavorsModel, TRANSLATION_DOMAIN } from '../tokens';
import { FlavorsModel, SERVER_AWAY } from './model';
import { FlavorPicker } from './picker';

const PLUGIN_ID = 'jupyterlab-atelier:flavors';

/** The notebook toolbar item: the flavor and the live usage; a click opens the picker. */
class FlavorToolbarItem extends ReactWidget {
  constructor(
    private readonly _model: FlavorsModel,
    private readonly _trans: TranslationBundle,
    private readonly _open: () => void
  ) {
    super();
    this.addClass('jp-Atelier-FlavorToolbarItem');
  }

  render(): JSX.Element {
    const trans = this._trans;
    return (
      <UseSignal signal={this._model.changed}>
        {() => {
          const list = this._model.flavors;
          const flavor = list?.flavors.find(f => f.id === list.current);
          const usage = this._model.usage;
          const switching = this._model.switching;
          // Compact, or the responsive toolbar tucks it away: the name, CPU use and memory (the
          // tooltip and the status bar have the CPUs, GPUs and the long form).
          const text = switching
            ? trans.__('Switching…')
            : [
                flavor?.name ?? '',
                usage ? `${Math.round(usage.cpuPercent)}%` : '',
                usage ? memoryPair(usage.memoryUsedMiB, usage.memoryLimitMiB) : ''
              ]
                .filter(Boolean)
                .join(' · ');
          const long = usage ? usageText(usage, formatMemory, { cpu: trans.__('CPU'), gpu: trans.__('GPU') }) : '';
          return (
            <button
              type="button"
              className="jp-ToolbarButtonComponent jp-Button jp-mod-minimal jp-Atelier-FlavorToolbarItem-button"
              title={
                flavor
                  ? trans.__('Compute flavor: %1. Usage: %2. Click to switch.', flavorSummary(flavor, trans), long)
                  : trans.__('Compute flavor')
              }
              aria-label={trans.__('Compute flavor: %1', text)}
              data-flavor={flavor?.id ?? ''}
              onClick={this._open}
            >
              <flavorIcon.react tag="span" className="jp-ToolbarButtonComponent-icon" />
              <span className="jp-ToolbarButtonComponent-label">{text}</span>
            </button>
          );
        }}
      </UseSignal>
    );
  }
}

/** Compute flavors: the picker, switching without losing work, usage in the notebook toolbar. */
export const flavorsPlugin: JupyterFrontEndPlugin<IFlavorsModel> = {
  id: PLUGIN_ID,
  description: "Shows the notebook's compute flavor and usage, and switches it without losing work.",
  autoStart: true,
  requires: [IAtelierClient],
  optional: [ITranslator, ICommandPalette, IDocumentManager, INotebookTracker, IToolbarWidgetRegistry],
  provides: IFlavorsModel,
  activate: (
    app: JupyterFrontEnd,
    client: IAtelierClient,
    translator: ITranslator | null,
    palette: ICommandPalette | null,
    docManager: IDocumentManager | null,
    notebooks: INotebookTracker | null,
    toolbars: IToolbarWidgetRegistry | null
  ): IFlavorsModel => {
    const trans = (translator ?? nullTranslator).load(TRANSLATION_DOMAIN);
    const model = new FlavorsModel(client);

    /** Open documents with unsaved changes, with their contexts. */
    const dirtyDocuments = () => {
      const found = new Map<string, { save(): Promise<void> }>();
      for (const widget of app.shell.widgets('main')) {
        const context = docManager?.contextForWidget(widget);
        if (context && context.model.dirty && !context.model.readOnly && !found.has(context.path)) {
          found.set(context.path, context);
        }
      }
      return found;
    };

    /** After a switch the kernels are new: each open notebook gets a fresh one. */
    const restartKernels = async (): Promise<number> => {
      await app.serviceManager.sessions.refreshRunning().catch(() => undefined);
      const panels: NotebookPanel[] = [];
      notebooks?.forEach(panel => panels.push(panel));
      await Promise.all(
        panels.map(async panel => {
          const context = panel.sessionContext;
          const name =
            context.session?.kernel?.name ??
            context.kernelPreference.name ??
            app.serviceManager.kernelspecs.specs?.default;
          try {
            // The old session went with the old server: let it go, then start a new one.
            if (context.session) {
              await context.shutdown().catch(() => undefined);
            }
            await context.changeKernel(name ? { name } : {});
          } catch (e) {
            console.warn(`Could not start a kernel for ${panel.context.path}`, e);
          }
        })
      );
      return panels.length;
    };

    const forgetLostSessions = () =>
      Promise.all([app.serviceManager.sessions.refreshRunning(), app.serviceManager.kernels.refreshRunning()]).catch(
        () => undefined
      );

    /**
     * Takes notification `id` (which offers Restart Kernels) away once every open notebook has
     * a kernel of the restarted server, however it got it (the offer's button, the notebook's
     * own restart or kernel menu, a reconnect): connected, and listed by the server since the
     * switch. A kernel of before the switch is stale even where it kept its id, until the new
     * server lists it (the restarted server started with none).
     */
    const dismissOnceFresh = (id: string, old: Set<string>): void => {
      const panels: NotebookPanel[] = [];
      notebooks?.forEach(panel => panels.push(panel));
      const kernels = app.serviceManager.kernels;
      let listedSince = false;
      const stale = () =>
        panels.some(panel => {
          if (panel.isDisposed) {
            return false;
          }
          const kernel = panel.sessionContext.session?.kernel;
          if (!kernel || kernel.connectionStatus !== 'connected') {
            return true;
          }
          const listed = Array.from(kernels.running(), model => model.id).includes(kernel.id);
          return !listed || (old.has(kernel.id) && !listedSince);
        });
      // Signals miss some ways a kernel changes (a session replaced under the panel): look again now and then.
      const timer = setInterval(() => check(), 2000);
      const until = setTimeout(() => clearInterval(timer), 10 * 60 * 1000);
      const check = () => {
        if (!stale()) {
          Notification.dismiss(id);
          clearInterval(timer);
          clearTimeout(until);
          kernels.runningChanged.disconnect(onListed);
          for (const panel of panels) {
            panel.sessionContext.connectionStatusChanged.disconnect(check);
          }
        }
      };
      const onListed = () => {
        listedSince = true;
        check();
      };
      kernels.runningChanged.connect(onListed);
      for (const panel of panels) {
        // A kernel that connects (restarted, reconnected, changed) is checked again.
        panel.sessionContext.connectionStatusChanged.connect(check);
      }
      void kernels.refreshRunning().catch(() => undefined);
      check();
    };

    // Under JupyterHub the page config names the Hub: its home page starts a stopped server.
    const hubPrefix = PageConfig.getOption('hubPrefix');
    const describeStep = (record: IFlavorSwitch, target: string, away: boolean) => {
      if (away) {
        return hubPrefix
          ? trans.__('Switching to %1: the Hub is restarting your server…', target)
          : trans.__('Switching to %1: waiting for the notebook server…', target);
      }
      switch (record.step) {
        case 'stopping':
          return trans.__('Switching to %1: stopping the notebook server…', target);
        case 'starting':
          return trans.__('Switching to %1: starting the notebook server…', target);
        case 'rolling-back':
          return trans.__('%1 did not start; going back to the previous flavor…', target);
        default:
          return record.message;
      }
    };

    const pickAndSwitch = async () => {
      const list = await model.refresh().catch(async e => {
        await showErrorMessage(trans.__('Cannot list the flavors'), e as Error);
        return null;
      });
      if (!list) {
        return;
      }
      if (!list.switchable) {
        // The service says why (it knows how it was started); the fallback is ours.
        const reason =
          list.switchReason ??
          trans.__('Atelier does not own the notebook server here, so it cannot restart it under another flavor.');
        await showErrorMessage(trans.__('Switching is not available'), new Error(reason));
        return;
      }
      const picker = new FlavorPicker(list, trans);
      const picked = await showDialog({
        title: trans.__('Switch Compute Flavor'),
        body: picker,
        buttons: [Dialog.cancelButton(), Dialog.okButton({ label: trans.__('Continue…') })]
      });
      const id = picked.button.accept ? picked.value : null;
      const target = list.flavors.find(f => f.id === id);
      if (!target) {
        return;
      }

      // Say what will happen, and which documents will be saved first.
      const dirty = dirtyDocuments();
      const kernels = Array.from(app.serviceManager.kernels.running()).length;
      const body = document.createElement('div');
      body.className = 'jp-Atelier-FlavorConfirm';
      const lines = [
        trans.__('The notebook server restarts under %1.', flavorSummary(target, trans)),
        kernels
          ? trans._n(
              '%1 running kernel loses its state (variables, running cells).',
              '%1 running kernels lose their state (variables, running cells).',
              kernels
            )
          : trans.__('No kernel is running.'),
        trans.__('Open tabs, files and the layout stay.')
      ];
      for (const line of lines) {
        const p = document.createElement('p');
        p.textContent = line;
        body.appendChild(p);
      }
      if (dirty.size) {
        const p = document.createElement('p');
        p.textContent = trans.__('These documents have unsaved changes and are saved first:');
        const ul = document.createElement('ul');
        for (const path of dirty.keys()) {
          const li = document.createElement('li');
          li.textContent = path;
          ul.appendChild(li);
        }
        body.append(p, ul);
      }
      const confirmed = await showDialog({
        title: trans.__('Switch to %1?', target.name),
        body: new Widget({ node: body }),
        buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: trans.__('Switch') })]
      });
      if (!confirmed.button.accept) {
        return;
      }

      const id2 = Notification.emit(trans.__('Switching to %1: saving documents…', target.name), 'in-progress', {
        autoClose: false
      });
      // The kernels of before the switch: once no open notebook has one, Restart Kernels is done.
      const oldKernels = new Set(Array.from(app.serviceManager.kernels.running(), kernel => kernel.id));
      try {
        for (const [path, context] of dirty) {
          try {
            await context.save();
          } catch (e) {
            throw new Error(
              trans.__('"%1" could not be saved (%2); nothing was switched.', path, (e as Error).message)
            );
          }
        }
        const record = await model.switchTo(target.id, (step, away) =>
          Notification.update({ id: id2, message: describeStep(step, target.name, away), type: 'in-progress' })
        );
        // The server restarted (under either flavor) with no sessions: JupyterLab learns of it
        // now rather than at its next poll, which backed off while the server was away. Each
        // notebook's lost session is then let go, so JupyterLab's own kernel menu starts a new
        // one instead of asking the server for the lost one ("Session not found").
        void forgetLostSessions();
        if (record.state === 'completed') {
          const open = notebooks?.size ?? 0;
          Notification.update({
            id: id2,
            message: trans.__('The notebook server runs under %1.', target.name),
            type: 'success',
            autoClose: open ? false : 6000,
            actions: open
              ? [
                  {
                    label: trans.__('Restart Kernels'),
                    caption: trans.__('Start fresh kernels for the open notebooks'),
                    callback: () =>
                      void restartKernels().then(count =>
                        Notification.success(
                          trans._n(
                            'Started a fresh kernel for %1 notebook.',
                            'Started fresh kernels for %1 notebooks.',
                            count
                          ),
                          { autoClose: 5000 }
                        )
                      )
                  },
                  { label: trans.__('Later'), callback: () => undefined, displayType: 'link' }
                ]
              : []
          });
          if (open) {
            dismissOnceFresh(id2, oldKernels);
          }
        } else if (record.error === SERVER_AWAY) {
          const home = hubPrefix ? URLExt.join(hubPrefix, 'home') : '';
          Notification.update({
            id: id2,
            message: hubPrefix
              ? trans.__(
                  "The notebook server has not answered for 10 minutes. If it is not running, start it from the Hub's home page."
                )
              : trans.__(
                  'The notebook server has not answered for 10 minutes; look at the terminal where Atelier runs.'
                ),
            type: 'error',
            autoClose: false,
            actions: home
              ? [{ label: trans.__('Open the Hub'), callback: () => window.open(home, '_blank', 'noopener') }]
              : []
          });
        } else {
          Notification.update({ id: id2, message: record.error ?? record.message, type: 'error', autoClose: false });
        }
      } catch (e) {
        Notification.update({ id: id2, message: (e as Error).message, type: 'error', autoClose: false });
      }
    };

    app.commands.addCommand(CommandIDs.flavorPick, {
      label: trans.__('Switch Compute Flavor…'),
      caption: trans.__("Choose the notebook server's CPUs, memory and GPUs"),
      icon: flavorIcon,
      describedBy: { args: { type: 'object', properties: {} } },
      isEnabled: () => !model.switching,
      execute: pickAndSwitch
    });
    palette?.addItem({ command: CommandIDs.flavorPick, category: trans.__('Atelier') });

    toolbars?.addFactory<NotebookPanel>(
      'Notebook',
      'atelier-flavor',
      () => new FlavorToolbarItem(model, trans, () => void app.commands.execute(CommandIDs.flavorPick))
    );

    void app.restored.then(() => model.start());
    return model;
  }
};
