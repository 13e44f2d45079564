import { ILayoutRestorer, JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ICommandPalette, MainAreaWidget, Notification, WidgetTracker } from '@jupyterlab/apputils';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { IDefaultFileBrowser } from '@jupyterlab/filebrowser';
import { ILauncher } from '@jupyterlab/launcher';
import { INotebookTracker } from '@jupyterlab/notebook';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { IStateDB } from '@jupyterlab/statedb';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { jobsIcon } from '../icons';
import { CommandIDs, IAtelierClient, TRANSLATION_DOMAIN } from '../tokens';
import { createJobActions } from './actions';
import { addJobsCommands } from './commands';
import type { CompareWidget } from './compare';
import { JobForms } from './launch';
import { JobsModel } from './model';
import { JobDetailWidget } from './widgets/detail';
import { JobsPanel } from './widgets/list';

const PLUGIN_ID = 'jupyterlab-atelier:jobs';

/** Training jobs: the launcher form, the sidebar, the detail view, and the entry points. */
export const jobsPlugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description: 'Launch training jobs from JupyterLab, watch their logs, stop and rerun them.',
  autoStart: true,
  requires: [IAtelierClient],
  optional: [
    ITranslator,
    ILayoutRestorer,
    ILauncher,
    ICommandPalette,
    IDefaultFileBrowser,
    INotebookTracker,
    IStateDB,
    IDocumentManager,
    IRenderMimeRegistry
  ],
  activate: (
    app: JupyterFrontEnd,
    client: IAtelierClient,
    translator: ITranslator | null,
    restorer: ILayoutRestorer | null,
    launcher: ILauncher | null,
    palette: ICommandPalette | null,
    fileBrowser: IDefaultFileBrowser | null,
    notebooks: INotebookTracker | null,
    state: IStateDB | null,
    docManager: IDocumentManager | null,
    rendermime: IRenderMimeRegistry | null
  ): void => {
    const trans = (translator ?? nullTranslator).load(TRANSLATION_DOMAIN);
    const { commands, shell } = app;
    const model = new JobsModel(client);
    const details = new WidgetTracker<MainAreaWidget<JobDetailWidget>>({ namespace: 'atelier-job' });
    const compares = new WidgetTracker<MainAreaWidget<CompareWidget>>({ namespace: 'atelier-compare-jobs' });

    const panel = new JobsPanel({
      model,
      trans,
      open: id => void commands.execute(CommandIDs.jobsOpen, { id }),
      create: () => void commands.execute(CommandIDs.jobsNew, {})
    });
    panel.id = 'jp-atelier-jobs';
    panel.title.icon = jobsIcon;
    panel.title.caption = trans.__('Training Jobs');
    shell.add(panel, 'left', { rank: 600 });
    restorer?.add(panel, 'atelier-jobs');
    void model.start();

    const forms = new JobForms({ app, client, model, trans, state, docManager, translator });
    const actions = createJobActions({ app, client, model, trans, forms, details, docManager });
    addJobsCommands(
      { app, client, model, trans, panel, details, forms, actions, rendermime, compares },
      fileBrowser,
      notebooks,
      palette
    );

    restorer?.restore(details, {
      command: CommandIDs.jobsOpen,
      args: widget => ({ id: widget.id.replace(/^jp-atelier-job-/, '') }),
      name: widget => widget.id
    });
    restorer?.restore(compares, {
      command: CommandIDs.jobsCompare,
      args: widget => ({ ids: widget.content.ids }),
      name: widget => widget.content.ids.join(',')
    });

    model.finished.connect((_, job) => {
      const show = {
        label: trans.__('Show Job'),
        callback: () => void commands.execute(CommandIDs.jobsOpen, { id: job.id })
      };
      if (job.status.phase === 'Completed') {
        Notification.success(trans.__('Training job "%1" completed', job.metadata.name), {
          autoClose: 8000,
          actions: [show]
        });
      } else if (job.status.phase === 'Failed') {
        Notification.error(trans.__('Training job "%1" failed: %2', job.metadata.name, job.status.reason ?? ''), {
          autoClose: false,
          actions: [show]
        });
      } else {
        Notification.info(trans.__('Training job "%1" stopped', job.metadata.name), {
          autoClose: 5000,
          actions: [show]
        });
      }
    });

    launcher?.add({ command: CommandIDs.jobsNew, args: { isLauncher: true }, category: trans.__('Other'), rank: 40 });
  }
};
