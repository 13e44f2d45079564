import type { JupyterFrontEnd } from '@jupyterlab/application';
import { ICommandPalette, MainAreaWidget, WidgetTracker } from '@jupyterlab/apputils';
import type { IDefaultFileBrowser } from '@jupyterlab/filebrowser';
import type { INotebookTracker } from '@jupyterlab/notebook';
import type { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import type { TranslationBundle } from '@jupyterlab/translation';
import { copyIcon, deleteIcon, refreshIcon, stopIcon } from '@jupyterlab/ui-components';
import type { ReadonlyPartialJSONObject } from '@lumino/coreutils';
import type { IJob } from '../api/client';
import { compareIcon, jobsIcon } from '../icons';
import { CommandIDs, IAtelierClient } from '../tokens';
import type { IJobActions } from './actions';
import { CompareWidget, pickJobs } from './compare';
import type { JobForms } from './launch';
import { isFinished, JobsModel } from './model';
import { JobDetailWidget } from './widgets/detail';
import type { JobsPanel } from './widgets/list';

/** What the jobs commands work on. */
export interface IJobsContext {
  app: JupyterFrontEnd;
  client: IAtelierClient;
  model: JobsModel;
  trans: TranslationBundle;
  /** The jobs sidebar. */
  panel: JobsPanel;
  /** The open detail views. */
  details: WidgetTracker<MainAreaWidget<JobDetailWidget>>;
  forms: JobForms;
  actions: IJobActions;
  /** Draws the metrics charts (JupyterLab's Vega-Lite renderer), where there is one. */
  rendermime: IRenderMimeRegistry | null;
  /** The open comparisons of jobs. */
  compares: WidgetTracker<MainAreaWidget<CompareWidget>>;
}

/**
 * Adds the commands of training jobs: new job (for a file, the current notebook, or empty),
 * show and refresh the list, open, stop, delete and clone a job; and puts them in the palette.
 */
export function addJobsCommands(
  context: IJobsContext,
  fileBrowser: IDefaultFileBrowser | null,
  notebooks: INotebookTracker | null,
  palette: ICommandPalette | null
): void {
  const { app, client, model, trans, panel, details, forms, actions, rendermime, compares } = context;
  const { commands, shell } = app;
  let compareCount = 0;

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
    execute: args => forms.openFor(args.path as string | undefined)
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
      return forms.openFor(item && !item.done ? item.value.path : undefined);
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
      await forms.openFor(current.context.path);
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

  /** The job of the arguments, else the one selected in the list, else the one of the current detail view. */
  const target = (args: ReadonlyPartialJSONObject): IJob | undefined => {
    const id =
      (args.id as string | undefined) ??
      panel.selectedId ??
      details.currentWidget?.content.node.querySelector<HTMLElement>('[data-job-id]')?.dataset.jobId;
    return id ? model.find(id) : undefined;
  };
  const idArgs = { type: 'object', properties: { id: { type: 'string', description: trans.__('The job id') } } };

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
      // A job beyond the loaded pages is fetched on its own (and kept current from then on).
      const job = model.find(id) ?? (await model.job(id).catch(() => undefined));
      const content = new JobDetailWidget({
        id,
        model,
        client,
        trans,
        stop: actions.stop,
        remove: actions.remove,
        clone: actions.clone,
        openOutput: actions.openOutput,
        openNotebook: actions.openNotebook,
        rendermime,
        compare: async (job: IJob) => {
          const ids = await pickJobs({ jobs: model.jobs, selected: [job.id], reference: job, trans });
          if (ids?.length) {
            await commands.execute(CommandIDs.jobsCompare, { ids });
          }
        }
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
        await actions.stop(job);
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
        await actions.remove(job);
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
        actions.clone(job);
      }
    }
  });

  commands.addCommand(CommandIDs.jobsCompare, {
    label: trans.__('Compare Training Jobs…'),
    caption: trans.__('Overlay the metrics of training jobs and set their hyperparameters side by side'),
    icon: compareIcon,
    describedBy: {
      args: {
        type: 'object',
        properties: {
          ids: { type: 'array', items: { type: 'string' }, description: trans.__('The ids of the jobs to compare') }
        }
      }
    },
    execute: async args => {
      let ids = ((args.ids as string[] | undefined) ?? []).filter(id => typeof id === 'string');
      if (!ids.length && !args.id && panel.selectedIds.length > 1) {
        ids = panel.selectedIds; // the jobs selected in the list
      }
      if (!ids.length) {
        const reference = target(args);
        const picked = await pickJobs({
          jobs: model.jobs,
          selected: reference ? [reference.id] : [],
          reference,
          trans
        });
        if (!picked?.length) {
          return;
        }
        ids = picked;
      }
      const key = [...ids].sort().join(',');
      const open = compares.find(w => [...w.content.ids].sort().join(',') === key);
      if (open) {
        shell.activateById(open.id);
        return;
      }
      const content: CompareWidget = new CompareWidget(ids, {
        model,
        trans,
        rendermime,
        open: id => void commands.execute(CommandIDs.jobsOpen, { id }),
        edit: async () => {
          const first = model.find(content.ids[0]);
          const picked = await pickJobs({ jobs: model.jobs, selected: content.ids, reference: first, trans });
          if (picked?.length) {
            content.ids = picked;
            void compares.save(widget);
          }
        }
      });
      const widget = new MainAreaWidget({ content });
      widget.id = `jp-atelier-compare-${++compareCount}-${Date.now()}`;
      widget.title.label = trans.__('Compare Jobs');
      widget.title.caption = trans.__('Training jobs %1', ids.join(', '));
      widget.title.icon = compareIcon;
      widget.title.closable = true;
      content.idsChanged.connect((_, now) => (widget.title.caption = trans.__('Training jobs %1', now.join(', '))));
      await compares.add(widget);
      shell.add(widget, 'main');
      shell.activateById(widget.id);
    }
  });

  const category = trans.__('Training Jobs');
  for (const command of [
    CommandIDs.jobsNew,
    CommandIDs.jobsRunNotebook,
    CommandIDs.jobsShow,
    CommandIDs.jobsRefresh,
    CommandIDs.jobsStop,
    CommandIDs.jobsClone,
    CommandIDs.jobsDelete,
    CommandIDs.jobsCompare
  ]) {
    palette?.addItem({ command, category });
  }
}
