import * as React from 'react';
import { Notification } from '@jupyterlab/apputils';
import { PathExt } from '@jupyterlab/coreutils';
import { HTMLSelect, ReactWidget } from '@jupyterlab/ui-components';
import type { TranslationBundle } from '@jupyterlab/translation';
import type { ICreateJob, IJobFlavors } from '../../api/client';
import { flavorSummary } from '../../core/format';
import { AtelierError } from '../../api/request';
import type { BrowseWorkspace } from '../browse';
import { Errors, errorKey, IJobFormValues, ProgramKind, toRequest } from '../values';
import { Field, PairTable, PathInput } from './fields';

interface IFormProps {
  trans: TranslationBundle;
  initial: IJobFormValues;
  flavors: Promise<IJobFlavors>;
  submit(request: ICreateJob, values: IJobFormValues): Promise<void>;
  cancel(): void;
  /** Asks for a workspace path in JupyterLab's file dialog (the fields' Browse… buttons). */
  browse?: BrowseWorkspace;
}

/** The launcher form of a training job: what to run, its tables, its resources. */
export function JobForm(props: IFormProps): JSX.Element {
  const { trans } = props;
  const [values, setValues] = React.useState<IJobFormValues>(props.initial);
  const [errors, setErrors] = React.useState<Errors>({});
  const [busy, setBusy] = React.useState(false);
  const [catalog, setCatalog] = React.useState<IJobFlavors | null>(null);
  const [catalogError, setCatalogError] = React.useState('');

  React.useEffect(() => {
    props.flavors.then(setCatalog, e => setCatalogError((e as Error).message));
  }, []);

  const set = <K extends keyof IJobFormValues>(key: K, value: IJobFormValues[K]) => {
    setValues(v => ({ ...v, [key]: value }));
    // An edited field's error is stale: drop it (and those of its rows).
    setErrors(e =>
      Object.fromEntries(Object.entries(e).filter(([k]) => k !== key && !k.startsWith(`${String(key)}.`)))
    );
  };
  const text = (
    key:
      | 'name'
      | 'description'
      | 'codeDir'
      | 'bootFile'
      | 'notebook'
      | 'command'
      | 'image'
      | 'maxRuntimeMinutes'
      | 'nodeCount'
  ) => ({
    id: `jp-atelier-job-${key}`,
    className: 'jp-mod-styled',
    value: values[key],
    'aria-invalid': errors[key] ? true : undefined,
    onChange: (e: React.ChangeEvent<HTMLInputElement | HTMLTextAreaElement>) => set(key, e.target.value)
  });

  // After a submit that found errors: the first invalid field in view and focused, and a
  // notification saying that nothing was submitted and why.
  const form = React.useRef<HTMLFormElement>(null);
  const [refused, setRefused] = React.useState(0);
  React.useEffect(() => {
    if (!refused || !form.current) {
      return;
    }
    const first =
      form.current.querySelector<HTMLElement>('[aria-invalid="true"]') ??
      form.current
        .querySelector('.jp-Atelier-JobForm-error')
        ?.closest('.jp-Atelier-JobForm-field')
        ?.querySelector<HTMLElement>('input, select, textarea');
    first?.scrollIntoView({ block: 'center' });
    first?.focus();
    const message = form.current.querySelector('.jp-Atelier-JobForm-error')?.textContent ?? '';
    Notification.warning(trans.__('Nothing was submitted: %1', message), { autoClose: 6000 });
  }, [refused]);

  const onSubmit = async (event: React.FormEvent) => {
    event.preventDefault();
    const { request, errors: found } = toRequest(values, trans);
    setErrors(found);
    if (!request) {
      setRefused(n => n + 1);
      return;
    }
    setBusy(true);
    try {
      await props.submit(request, values);
    } catch (e) {
      if (e instanceof AtelierError && e.status >= 400 && e.status < 500) {
        setErrors({ [errorKey(e, values)]: e.message });
      } else {
        setErrors({ form: (e as Error).message });
      }
      setRefused(n => n + 1);
    } finally {
      setBusy(false);
    }
  };

  const tables: Array<['parameters' | 'environments' | 'inputs' | 'outputs', string, string, string]> = [
    ['parameters', trans.__('Hyperparameters'), trans.__('e.g. learning_rate'), trans.__('e.g. 0.01')],
    ['environments', trans.__('Environment variables'), trans.__('e.g. NAME'), trans.__('value')],
    ['inputs', trans.__('Inputs'), trans.__('e.g. data'), trans.__('e.g. s3://bucket/dataset/ or data/')],
    ['outputs', trans.__('Outputs'), trans.__('e.g. model'), trans.__('e.g. s3://bucket/runs/ or results/')]
  ];
  // The tables of workspace paths get a Browse… button on each row's value.
  const browseRows = {
    inputs: { kind: 'any' as const, title: trans.__('Choose an input file or folder') },
    outputs: { kind: 'directory' as const, title: trans.__('Choose an output folder') }
  };
  const { browse } = props;
  const programs: Array<[ProgramKind, string]> = [
    ['bootFile', trans.__('Boot file')],
    ['notebook', trans.__('Notebook')],
    ['command', trans.__('Command')]
  ];
  return (
    <form ref={form} className="jp-Atelier-JobForm" onSubmit={onSubmit} noValidate>
      <h2>{trans.__('New Training Job')}</h2>
      <Field id="name" label={trans.__('Name')} error={errors.name}>
        <input {...text('name')} autoFocus />
      </Field>
      <Field id="description" label={trans.__('Description')} error={errors.description}>
        <textarea {...text('description')} rows={2} />
      </Field>
      <fieldset className="jp-Atelier-JobForm-program">
        <legend>{trans.__('What to run')}</legend>
        <div role="radiogroup" className="jp-Atelier-JobForm-choices">
          {programs.map(([kind, label]) => (
            <label key={kind}>
              <input
                type="radio"
                name="program"
                value={kind}
                checked={values.program === kind}
                onChange={() => set('program', kind)}
              />{' '}
              {label}
            </label>
          ))}
        </div>
        {values.program === 'bootFile' && (
          <Field
            id="bootFile"
            label={trans.__('Boot file')}
            error={errors.bootFile}
            hint={trans.__('A .py or .sh file in the workspace; hyperparameters reach it as --name=value.')}
          >
            <PathInput
              input={{ ...text('bootFile'), placeholder: trans.__('e.g. train.py') }}
              browseLabel={trans.__('Browse for the boot file')}
              browse={browse}
              request={{ kind: 'file', extensions: ['.py', '.sh'], title: trans.__('Choose the boot file') }}
              onChosen={path => set('bootFile', path)}
              trans={trans}
            />
          </Field>
        )}
        {values.program === 'notebook' && (
          <Field
            id="notebook"
            label={trans.__('Notebook')}
            error={errors.notebook}
            hint={trans.__('Executed headless; hyperparameters are set in a cell after the one tagged "parameters".')}
          >
            <PathInput
              input={{ ...text('notebook'), placeholder: trans.__('e.g. experiments/train.ipynb') }}
              browseLabel={trans.__('Browse for the notebook')}
              browse={browse}
              request={{ kind: 'file', extensions: ['.ipynb'], title: trans.__('Choose the notebook') }}
              onChosen={path => set('notebook', path)}
              trans={trans}
            />
          </Field>
        )}
        {values.program === 'command' && (
          <Field
            id="command"
            label={trans.__('Command')}
            error={errors.command}
            hint={trans.__('Run by /bin/sh in the code directory, with the hyperparameters appended.')}
          >
            <input {...text('command')} placeholder={trans.__('e.g. python3 -m trainer')} />
          </Field>
        )}
        <Field
          id="codeDir"
          label={trans.__('Code directory')}
          error={errors.codeDir}
          hint={trans.__("Copied when you submit, so later edits do not change the job. Default: the file's folder.")}
        >
          <PathInput
            input={{ ...text('codeDir'), placeholder: trans.__('e.g. my-project') }}
            browseLabel={trans.__('Browse for the code directory')}
            browse={browse}
            request={{ kind: 'directory', title: trans.__('Choose the code directory') }}
            onChosen={path => set('codeDir', path)}
            start={values.program === 'command' ? '' : PathExt.dirname(values[values.program])}
            trans={trans}
          />
        </Field>
      </fieldset>
      {tables.map(([kind, title, namePlaceholder, valuePlaceholder]) => (
        <PairTable
          key={kind}
          kind={kind}
          title={title}
          rows={values[kind]}
          namePlaceholder={namePlaceholder}
          valuePlaceholder={valuePlaceholder}
          errors={errors}
          trans={trans}
          onChange={rows => set(kind, rows)}
          browse={browse && (kind === 'inputs' || kind === 'outputs') ? { browse, ...browseRows[kind] } : undefined}
        />
      ))}
      <fieldset className="jp-Atelier-JobForm-resources">
        <legend>{trans.__('Resources')}</legend>
        <Field id="flavorId" label={trans.__('Flavor')} error={errors.flavorId || catalogError}>
          <HTMLSelect
            id="jp-atelier-job-flavorId"
            className="jp-mod-styled"
            value={values.flavorId}
            onChange={e => set('flavorId', e.target.value)}
          >
            <option value="">{trans.__('Smallest that fits')}</option>
            {(catalog?.flavors ?? []).map(f => (
              <option key={f.id} value={f.id} disabled={!f.selectable} title={f.reason ?? f.description ?? ''}>
                {flavorSummary(f, trans)}
                {f.selectable ? '' : ` — ${trans.__('not available')}`}
              </option>
            ))}
          </HTMLSelect>
        </Field>
        <Field
          id="nodeCount"
          label={trans.__('Nodes')}
          error={errors.nodeCount}
          hint={
            catalog && !catalog.multiNode
              ? trans.__('The %1 executor runs one node per job.', catalog.executor)
              : undefined
          }
        >
          <input {...text('nodeCount')} type="number" min={1} step={1} />
        </Field>
        <Field
          id="image"
          label={trans.__('Image')}
          error={errors.image}
          hint={trans.__('Only for executors that run containers.')}
        >
          <input {...text('image')} placeholder={trans.__('(none)')} />
        </Field>
        <Field id="maxRuntimeMinutes" label={trans.__('Maximum runtime (minutes)')} error={errors.maxRuntimeMinutes}>
          <input {...text('maxRuntimeMinutes')} type="number" min={0} step="any" placeholder={trans.__('no limit')} />
        </Field>
      </fieldset>
      {errors.form && (
        <div className="jp-Atelier-JobForm-error" role="alert">
          {errors.form}
        </div>
      )}
      <div className="jp-Atelier-JobForm-buttons">
        <button type="button" className="jp-Button jp-mod-styled jp-mod-reject" onClick={props.cancel}>
          {trans.__('Cancel')}
        </button>
        <button type="submit" className="jp-Button jp-mod-styled jp-mod-accept" disabled={busy}>
          {busy ? trans.__('Submitting…') : trans.__('Submit')}
        </button>
      </div>
    </form>
  );
}

/** The launcher form as a main-area panel. */
export class JobFormWidget extends ReactWidget {
  constructor(private readonly _props: IFormProps) {
    super();
    this.addClass('jp-Atelier-JobFormPanel');
  }

  render(): JSX.Element {
    return <JobForm {...this._props} />;
  }
}
