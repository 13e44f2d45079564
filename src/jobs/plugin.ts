import { ILayoutRestorer, JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import {
  Dialog,
  ICommandPalette,
  MainAreaWidget,
  Notification,
  showDialog,
  showErrorMessage,
  WidgetTracker
} from '@jupyterlab/apputils';
import { PathExt } from '@jupyterlab/coreutils';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { IDefaultFileBrowser } from '@jupyterlab/filebrowser';
import { ILauncher } from '@jupyterlab/launcher';
import { INotebookTracker } from '@jupyterlab/notebook';
import { IStateDB } from '@jupyterlab/statedb';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { copyIcon, deleteIcon, refreshIcon, stopIcon } from '@jupyterlab/ui-components';
import type { ReadonlyPartialJSONObject } from '@lumino/coreutils';
import type { ICreateJob, IJob, IJobData } from '../api/client';
import { jobsIcon } from '../icons';
import { CommandIDs, IAtelierClient, TRANSLATION_DOMAIN } from '../tokens';
import { isFinished, JobsModel } from './model';
import { JobDetailWidget } from './widgets/detail';
import { emptyValues, IJobFormValues, JobFormWidget, valuesFromRequest } from './widgets/form';
import { JobsPanel } from './widgets/list';

const PLUGIN_ID = 'jupyterlab-atelier:jobs';
/** The form's last values, by the file they ran. */
const FORM_STATE = `${PLUGIN_ID}:form`;

/** A job name from a file name: its stem, with what a job name may not hold replaced. */
export function jobNameFor(path: string): string {
  const stem = PathExt.basename(path, PathExt.extname(path))
    .replace(/[^A-Za-z0-9_.-]+/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .replace(/[-.]+$/, '');
  return (stem || 'job').slice(0, 64);
}

/** The form's key for remembering values: the file it runs, or "command". */
function formKey(values: IJobFormValues): string {
  return values.program === 'command' ? 'command' : values[values.program];
}

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
    IDocumentManager
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
    docManager: IDocumentManager | null
  ): void => {
    const trans = (translator ?? nullTranslator).load(TRANSLATION_DOMAIN);
    const { commands, shell } = app;
    const model = new JobsModel(client);
    const details = new WidgetTracker<MainAreaWidget<JobDetailWidget>>({ namespace: 'atelier-job' });

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

    const remembered = async (key: string): Promise<IJobFormValues | null> => {
      const all = ((await state?.fetch(FORM_STATE).catch(() => null)) ?? {}) as unknown as Record<
        string,
        IJobFormValues
      >;
      return all[key] ?? null;
    };
    const remember = async (values: IJobFormValues) => {
      if (!state) {
        return;
      }
      const all = { ...(((await state.fetch(FORM_STATE).catch(() => null)) ?? {}) as Record<string, unknown>) };
      all[formKey(values)] = values as unknown as ReadonlyPartialJSONObject;
      await state.save(FORM_STATE, all as ReadonlyPartialJSONObject);
    };

    const openForm = (initial: IJobFormValues) => {
      let widget: MainAreaWidget<JobFormWidget>;
      const content = new JobFormWidget({
        trans,
        initial,
        flavors: client.jobFlavors(),
        submit: async (request: ICreateJob, values: IJobFormValues) => {
          const job = await model.create(request);
          await remember(values).catch(() => undefined);
          widget.dispose();
          await commands.execute(CommandIDs.jobsOpen, { id: job.id });
        },
        cancel: () => widget.dispose()
      });
      widget = new MainAreaWidget({ content });
      widget.id = `jp-atelier-job-form-${Date.now()}`;
      widget.title.label = initial.name ? trans.__('Job: %1', initial.name) : trans.__('New Training Job');
      widget.title.icon = jobsIcon;
      widget.title.closable = true;
      shell.add(widget, 'main');
      shell.activateById(widget.id);
    };

    /** The form for a file: what was used for it last time, else defaults from the file. */
    const formFor = async (path: string | undefined) => {
      if (!path) {
        openForm(emptyValues());
        return;
      }
      const previous = await remembered(path);
      const program = path.endsWith('.ipynb') ? 'notebook' : 'bootFile';
      openForm(previous ?? { ...emptyValues(), name: jobNameFor(path), program, [program]: path });
    };

    commands.addCommand(CommandIDs.jobsNew, {
      label: args => (args.isLauncher ? trans.__('Training Job') : trans.__('New Training Job…')),
      caption: trans.__('Run code, a notebook or a command as a training job'),
      icon: jobsIcon,
      describedBy: {
        args: {
          type: 'object',
          properties: {
            path: { type: 'string', description: trans.__('A .py, .sh or .ipynb file to run') },
            isLauncher: { type: 'boolean' }
          }
        }
      },
      execute: args => formFor(args.path as string | undefined)
    });

    commands.addCommand(CommandIDs.jobsRunFile, {
      label: trans.__('Run as Training Job…'),
      caption: trans.__('Run the selected file as a training job'),
      icon: jobsIcon,
      describedBy: { args: { type: 'object', properties: {} } },
      isVisible: () => {
        const item = fileBrowser?.selectedItems().next();
        return !!item && !item.done && /\.(py|sh|ipynb)$/.test(item.value.path);
      },
      execute: () => {
        const item = fileBrowser?.selectedItems().next();
        return formFor(item && !item.done ? item.value.path : undefined);
      }
    });

    commands.addCommand(CommandIDs.jobsRunNotebook, {
      label: args => (args.toolbar ? '' : trans.__('Run Notebook as Training Job…')),
      caption: trans.__('Run this notebook as a training job (it is saved first)'),
      icon: jobsIcon,
      describedBy: { args: { type: 'object', properties: { toolbar: { type: 'boolean' } } } },
      isEnabled: () => !!notebooks?.currentWidget,
      execute: async () => {
        const current = notebooks?.currentWidget;
        if (!current) {
          return;
        }
        if (current.context.model.dirty) {
          await current.context.save();
        }
        await formFor(current.context.path);
      }
    });

    commands.addCommand(CommandIDs.jobsShow, {
      label: trans.__('Show Training Jobs'),
      caption: trans.__('The list of training jobs'),
      icon: jobsIcon,
      describedBy: { args: { type: 'object', properties: {} } },
      execute: () => shell.activateById(panel.id)
    });

    commands.addCommand(CommandIDs.jobsRefresh, {
      label: trans.__('Refresh Training Jobs'),
      icon: refreshIcon,
      describedBy: { args: { type: 'object', properties: {} } },
      execute: () => model.refresh()
    });

    const target = (args: ReadonlyPartialJSONObject): IJob | undefined => {
      const id =
        (args.id as string | undefined) ??
        panel.selectedId ??
        details.currentWidget?.content.node.querySelector<HTMLElement>('[data-job-id]')?.dataset.jobId;
      return id ? model.find(id) : undefined;
    };
    const idArgs = { type: 'object', properties: { id: { type: 'string', description: trans.__('The job id') } } };

    const stopJob = async (job: IJob) => {
      const result = await showDialog({
        title: trans.__('Stop "%1"?', job.metadata.name),
        body: trans.__(
          'The program gets SIGTERM, and is killed if it has not ended after the grace period. Its outputs are still delivered.'
        ),
        buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: trans.__('Stop') })]
      });
      if (result.button.accept) {
        await model.stop(job.id).catch(e => showErrorMessage(trans.__('Cannot stop the job'), e));
      }
    };
    const removeJob = async (job: IJob) => {
      const result = await showDialog({
        title: trans.__('Delete "%1"?', job.metadata.name),
        body: trans.__('The job, its log and its folder are deleted. Outputs already delivered stay where they are.'),
        buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: trans.__('Delete') })]
      });
      if (result.button.accept) {
        try {
          await model.remove(job.id);
          details.find(w => w.content.node.querySelector(`[data-job-id="${job.id}"]`) !== null)?.dispose();
        } catch (e) {
          await showErrorMessage(trans.__('Cannot delete the job'), e as Error);
        }
      }
    };
    const cloneJob = (job: IJob) =>
      openForm({ ...valuesFromRequest(job.spec), name: `${job.metadata.name}`.slice(0, 58) + '-copy' });

    const openOutput = async (job: IJob, output: IJobData) => {
      const match = /^([a-z0-9]+):\/\/([^/]+)\/?(.*)$/.exec(output.uri);
      if (match) {
        const prefix = match[3] && !match[3].endsWith('/') ? `${match[3]}/` : match[3];
        await commands.execute(CommandIDs.openStorage, {
          endpoint: output.endpoint,
          scheme: match[1],
          bucket: match[2],
          prefix
        });
      } else {
        await commands.execute('filebrowser:go-to-path', { path: output.uri.replace(/\/$/, '') });
        shell.activateById('filebrowser');
      }
    };
    const openNotebook = async (job: IJob) => {
      try {
        const content = JSON.parse(await client.jobFile(job.id, 'output.ipynb'));
        const source = job.spec.notebook ?? 'notebook.ipynb';
        const dir = PathExt.dirname(source);
        const path = PathExt.join(dir, `${PathExt.basename(source, '.ipynb')}-${job.metadata.name}-${job.id}.ipynb`);
        await app.serviceManager.contents.save(path, { type: 'notebook', format: 'json', content });
        if (docManager) {
          docManager.openOrReveal(path);
        } else {
          await commands.execute('docmanager:open', { path });
        }
      } catch (e) {
        await showErrorMessage(trans.__('Cannot open the executed notebook'), e as Error);
      }
    };

    commands.addCommand(CommandIDs.jobsOpen, {
      label: trans.__('Open Training Job'),
      icon: jobsIcon,
      describedBy: { args: idArgs },
      execute: async args => {
        const id = args.id as string;
        const open = details.find(w => w.id === `jp-atelier-job-${id}`);
        if (open) {
          shell.activateById(open.id);
          return;
        }
        if (!model.find(id)) {
          await model.refresh();
        }
        const job = model.find(id);
        const content = new JobDetailWidget({
          id,
          model,
          client,
          trans,
          stop: stopJob,
          remove: removeJob,
          clone: cloneJob,
          openOutput,
          openNotebook
        });
        const widget = new MainAreaWidget({ content });
        widget.id = `jp-atelier-job-${id}`;
        widget.title.label = job ? job.metadata.name : id;
        widget.title.caption = trans.__('Training job %1', id);
        widget.title.icon = jobsIcon;
        widget.title.closable = true;
        await details.add(widget);
        shell.add(widget, 'main');
        shell.activateById(widget.id);
      }
    });

    commands.addCommand(CommandIDs.jobsStop, {
      label: trans.__('Stop Training Job'),
      icon: stopIcon,
      describedBy: { args: idArgs },
      isEnabled: args => {
        const job = target(args);
        return !!job && !isFinished(job);
      },
      execute: async args => {
        const job = target(args);
        if (job) {
          await stopJob(job);
        }
      }
    });

    commands.addCommand(CommandIDs.jobsDelete, {
      label: trans.__('Delete Training Job'),
      icon: deleteIcon,
      describedBy: { args: idArgs },
      isEnabled: args => {
        const job = target(args);
        return !!job && isFinished(job);
      },
      execute: async args => {
        const job = target(args);
        if (job) {
          await removeJob(job);
        }
      }
    });

    commands.addCommand(CommandIDs.jobsClone, {
      label: trans.__('Clone and Edit Training Job…'),
      icon: copyIcon,
      describedBy: { args: idArgs },
      isEnabled: args => !!target(args),
      execute: args => {
        const job = target(args);
        if (job) {
          cloneJob(job);
        }
      }
    });

    restorer?.restore(details, {
      command: CommandIDs.jobsOpen,
      args: widget => ({ id: widget.id.replace(/^jp-atelier-job-/, '') }),
      name: widget => widget.id
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
    const category = trans.__('Training Jobs');
    for (const command of [
      CommandIDs.jobsNew,
      CommandIDs.jobsRunNotebook,
      CommandIDs.jobsShow,
      CommandIDs.jobsRefresh,
      CommandIDs.jobsStop,
      CommandIDs.jobsClone,
      CommandIDs.jobsDelete
    ]) {
      palette?.addItem({ command, category });
    }
  }
};
