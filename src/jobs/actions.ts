import type { JupyterFrontEnd } from '@jupyterlab/application';
import { Dialog, MainAreaWidget, showDialog, showErrorMessage, WidgetTracker } from '@jupyterlab/apputils';
import { PathExt } from '@jupyterlab/coreutils';
import type { IDocumentManager } from '@jupyterlab/docmanager';
import type { TranslationBundle } from '@jupyterlab/translation';
import type { IJob, IJobData } from '../api/client';
import { CommandIDs, IAtelierClient } from '../tokens';
import type { JobForms } from './launch';
import type { JobsModel } from './model';
import { valuesFromRequest } from './values';
import type { JobDetailWidget } from './widgets/detail';

/** What can be done with a job, from its commands and from its detail view. */
export interface IJobActions {
  /** Stops a job once confirmed. */
  stop(job: IJob): Promise<void>;
  /** Deletes a finished job once confirmed, and closes its detail view. */
  remove(job: IJob): Promise<void>;
  /** Opens the form with a job's request, under a new name. */
  clone(job: IJob): void;
  /** Shows an output: in the storage panel (a storage URI), else in the file browser. */
  openOutput(job: IJob, output: IJobData): Promise<void>;
  /** Saves the executed notebook of a job beside its source, and opens it. */
  openNotebook(job: IJob): Promise<void>;
}

/** The actions on jobs, confirmed by dialogs and reporting their errors. */
export function createJobActions(options: {
  app: JupyterFrontEnd;
  client: IAtelierClient;
  model: JobsModel;
  trans: TranslationBundle;
  forms: JobForms;
  details: WidgetTracker<MainAreaWidget<JobDetailWidget>>;
  docManager: IDocumentManager | null;
}): IJobActions {
  const { app, client, model, trans, forms, details, docManager } = options;
  const { commands, shell } = app;
  return {
    stop: async (job: IJob) => {
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
    },
    remove: async (job: IJob) => {
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
    },
    clone: (job: IJob) =>
      forms.open({ ...valuesFromRequest(job.spec), name: `${job.metadata.name}`.slice(0, 58) + '-copy' }),
    openOutput: async (job: IJob, output: IJobData) => {
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
    },
    openNotebook: async (job: IJob) => {
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
    }
  };
}
