import type { JupyterFrontEnd } from '@jupyterlab/application';
import { MainAreaWidget } from '@jupyterlab/apputils';
import { PathExt } from '@jupyterlab/coreutils';
import type { IDocumentManager } from '@jupyterlab/docmanager';
import type { IStateDB } from '@jupyterlab/statedb';
import type { ITranslator, TranslationBundle } from '@jupyterlab/translation';
import type { ReadonlyPartialJSONObject } from '@lumino/coreutils';
import type { ICreateJob } from '../api/client';
import { jobsIcon } from '../icons';
import { CommandIDs, IAtelierClient } from '../tokens';
import { BrowseWorkspace, fileDialogBrowser } from './browse';
import type { JobsModel } from './model';
import { emptyValues, IJobFormValues } from './values';
import { JobFormWidget } from './widgets/form';

/** The form's last values, by the file they ran. */
const FORM_STATE = 'jupyterlab-atelier:jobs:form';

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

/**
 * Opens the launch form of training jobs in the main area; a job submitted from it is opened,
 * and its values are remembered for the next form of the same file.
 */
export class JobForms {
  constructor(options: JobForms.IOptions) {
    this._app = options.app;
    this._client = options.client;
    this._model = options.model;
    this._trans = options.trans;
    this._state = options.state;
    this._browse = options.docManager
      ? fileDialogBrowser(options.docManager, options.translator ?? undefined)
      : undefined;
  }

  /** Opens a form holding `initial`. */
  open(initial: IJobFormValues): void {
    const { commands, shell } = this._app;
    const trans = this._trans;
    let widget: MainAreaWidget<JobFormWidget>;
    const content = new JobFormWidget({
      trans,
      initial,
      flavors: this._client.jobFlavors(),
      submit: async (request: ICreateJob, values: IJobFormValues) => {
        const job = await this._model.create(request);
        await this._remember(values).catch(() => undefined);
        widget.dispose();
        await commands.execute(CommandIDs.jobsOpen, { id: job.id });
      },
      cancel: () => widget.dispose(),
      browse: this._browse
    });
    widget = new MainAreaWidget({ content });
    widget.id = `jp-atelier-job-form-${Date.now()}`;
    widget.title.label = initial.name ? trans.__('Job: %1', initial.name) : trans.__('New Training Job');
    widget.title.icon = jobsIcon;
    widget.title.closable = true;
    shell.add(widget, 'main');
    shell.activateById(widget.id);
  }

  /** The form for a file: what was used for it last time, else defaults from the file. */
  async openFor(path: string | undefined): Promise<void> {
    if (!path) {
      this.open(emptyValues());
      return;
    }
    const previous = await this._remembered(path);
    const program = path.endsWith('.ipynb') ? 'notebook' : 'bootFile';
    this.open(previous ?? { ...emptyValues(), name: jobNameFor(path), program, [program]: path });
  }

  private async _remembered(key: string): Promise<IJobFormValues | null> {
    const all = ((await this._state?.fetch(FORM_STATE).catch(() => null)) ?? {}) as unknown as Record<
      string,
      IJobFormValues
    >;
    return all[key] ?? null;
  }

  private async _remember(values: IJobFormValues): Promise<void> {
    const state = this._state;
    if (!state) {
      return;
    }
    const all = { ...(((await state.fetch(FORM_STATE).catch(() => null)) ?? {}) as Record<string, unknown>) };
    all[formKey(values)] = values as unknown as ReadonlyPartialJSONObject;
    await state.save(FORM_STATE, all as ReadonlyPartialJSONObject);
  }

  private _app: JupyterFrontEnd;
  private _client: IAtelierClient;
  private _model: JobsModel;
  private _trans: TranslationBundle;
  private _state: IStateDB | null;
  private _browse: BrowseWorkspace | undefined;
}

export namespace JobForms {
  export interface IOptions {
    app: JupyterFrontEnd;
    client: IAtelierClient;
    model: JobsModel;
    trans: TranslationBundle;
    /** Where the values last used for each file are kept, when there is one. */
    state: IStateDB | null;
    /** For the form's Browse… buttons (JupyterLab's file dialog); none without it. */
    docManager?: IDocumentManager | null;
    /** The file dialog's translator. */
    translator?: ITranslator | null;
  }
}
