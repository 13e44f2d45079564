import * as React from 'react';
import { ReactWidget } from '@jupyterlab/ui-components';
import type { TranslationBundle } from '@jupyterlab/translation';
import type { ICreateJob, IJobFlavors } from '../../api/client';
import { flavorSummary } from '../../core/format';
import { AtelierError } from '../../api/request';

export type ProgramKind = 'bootFile' | 'notebook' | 'command';

interface IPair {
  name: string;
  value: string;
}

/** What the form holds: the request, with text where the user types numbers. */
export interface IJobFormValues {
  name: string;
  description: string;
  program: ProgramKind;
  codeDir: string;
  bootFile: string;
  notebook: string;
  command: string;
  parameters: IPair[];
  environments: IPair[];
  inputs: IPair[];
  outputs: IPair[];
  flavorId: string;
  nodeCount: string;
  image: string;
  maxRuntimeMinutes: string;
}

export function emptyValues(): IJobFormValues {
  return {
    name: '',
    description: '',
    program: 'bootFile',
    codeDir: '',
    bootFile: '',
    notebook: '',
    command: '',
    parameters: [],
    environments: [],
    inputs: [],
    outputs: [],
    flavorId: '',
    nodeCount: '1',
    image: '',
    maxRuntimeMinutes: ''
  };
}

/** The form's values for a job's request (for "Clone and edit"). */
export function valuesFromRequest(spec: ICreateJob): IJobFormValues {
  const program: ProgramKind = spec.notebook ? 'notebook' : spec.command ? 'command' : 'bootFile';
  return {
    ...emptyValues(),
    name: spec.name,
    description: spec.description ?? '',
    program,
    codeDir: spec.codeDir ?? '',
    bootFile: spec.bootFile ?? '',
    notebook: spec.notebook ?? '',
    command: spec.command ?? '',
    parameters: spec.parameters.map(p => ({ ...p })),
    environments: Object.entries(spec.environments).map(([name, value]) => ({ name, value })),
    inputs: spec.inputs.map(i => ({ name: i.name, value: i.uri })),
    outputs: spec.outputs.map(o => ({ name: o.name, value: o.uri })),
    flavorId: spec.flavorId ?? '',
    nodeCount: String(spec.nodeCount),
    image: spec.image ?? '',
    maxRuntimeMinutes: spec.maxRuntimeMinutes ? String(spec.maxRuntimeMinutes) : ''
  };
}

type Errors = Record<string, string>;

const JOB_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,127}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const DATA_NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

/** Checks what can be checked here; returns the request, or the errors by field. */
export function toRequest(values: IJobFormValues, trans: TranslationBundle): { request?: ICreateJob; errors: Errors } {
  const errors: Errors = {};
  const name = values.name.trim();
  if (!JOB_NAME.test(name)) {
    errors.name = trans.__('Use letters, digits, "_", "." and "-" (at most 64), starting with a letter or digit.');
  }
  const program = values[values.program].trim();
  if (!program) {
    errors[values.program] =
      values.program === 'bootFile'
        ? trans.__('Choose the file to run.')
        : values.program === 'notebook'
          ? trans.__('Choose the notebook to run.')
          : trans.__('Type the command to run.');
  }
  const pairs = (kind: 'parameters' | 'environments' | 'inputs' | 'outputs', pattern: RegExp, message: string) => {
    const seen = new Set<string>();
    values[kind].forEach((pair, i) => {
      const key = pair.name.trim();
      if (!pattern.test(key)) {
        errors[`${kind}.${i}`] = message;
      } else if (seen.has(key.toUpperCase()) && kind !== 'parameters') {
        errors[`${kind}.${i}`] = trans.__('This name is used twice.');
      } else if ((kind === 'inputs' || kind === 'outputs') && !pair.value.trim()) {
        errors[`${kind}.${i}`] = trans.__('Give a storage URI (s3://bucket/prefix/) or a workspace path.');
      }
      seen.add(key.toUpperCase());
    });
  };
  pairs(
    'parameters',
    PARAM_NAME,
    trans.__('A name starts with a letter or "_" and has letters, digits, "_", "." or "-".')
  );
  pairs(
    'environments',
    ENV_NAME,
    trans.__('A variable name has letters, digits and "_", and does not start with a digit.')
  );
  pairs('inputs', DATA_NAME, trans.__('A name starts with a letter and has letters, digits and "_".'));
  pairs('outputs', DATA_NAME, trans.__('A name starts with a letter and has letters, digits and "_".'));
  const nodeCount = Number(values.nodeCount);
  if (!Number.isInteger(nodeCount) || nodeCount < 1) {
    errors.nodeCount = trans.__('A whole number, 1 or more.');
  }
  const runtime = values.maxRuntimeMinutes.trim() ? Number(values.maxRuntimeMinutes) : undefined;
  if (runtime !== undefined && (!Number.isFinite(runtime) || runtime <= 0)) {
    errors.maxRuntimeMinutes = trans.__('Minutes, more than 0; leave empty for no limit.');
  }
  if (Object.keys(errors).length) {
    return { errors };
  }
  const request: ICreateJob = {
    name,
    parameters: values.parameters.map(p => ({ name: p.name.trim(), value: p.value })),
    environments: Object.fromEntries(values.environments.map(p => [p.name.trim(), p.value])),
    inputs: values.inputs.map(p => ({ name: p.name.trim(), uri: p.value.trim() })),
    outputs: values.outputs.map(p => ({ name: p.name.trim(), uri: p.value.trim() })),
    nodeCount
  };
  if (values.description.trim()) {
    request.description = values.description.trim();
  }
  request[values.program] = program;
  if (values.program !== 'command' && values.codeDir.trim()) {
    request.codeDir = values.codeDir.trim();
  }
  if (values.flavorId) {
    request.flavorId = values.flavorId;
  }
  if (values.image.trim()) {
    request.image = values.image.trim();
  }
  if (runtime !== undefined) {
    request.maxRuntimeMinutes = runtime;
  }
  return { request, errors };
}

/** Where the service's 400 points, as a key of the form's errors. */
export function errorKey(error: AtelierError, values: IJobFormValues): string {
  const field = error.field ?? '';
  const data = /^(inputs|outputs)\.(.+)$/.exec(field);
  if (data) {
    const index = values[data[1] as 'inputs' | 'outputs'].findIndex(p => p.name.trim() === data[2]);
    return index >= 0 ? `${data[1]}.${index}` : data[1];
  }
  if (field === 'bootFile' && values.program !== 'bootFile') {
    return values.program;
  }
  return field || 'form';
}

interface IFormProps {
  trans: TranslationBundle;
  initial: IJobFormValues;
  flavors: Promise<IJobFlavors>;
  submit(request: ICreateJob, values: IJobFormValues): Promise<void>;
  cancel(): void;
}

function Field(props: {
  id: string;
  label: string;
  error?: string;
  hint?: string;
  children: React.ReactNode;
}): JSX.Element {
  return (
    <div className="jp-Atelier-JobForm-field" data-field={props.id}>
      <label htmlFor={`jp-atelier-job-${props.id}`}>{props.label}</label>
      {props.children}
      {props.hint && !props.error && <div className="jp-Atelier-JobForm-hint">{props.hint}</div>}
      {props.error && (
        <div className="jp-Atelier-JobForm-error" role="alert">
          {props.error}
        </div>
      )}
    </div>
  );
}

function PairTable(props: {
  kind: 'parameters' | 'environments' | 'inputs' | 'outputs';
  title: string;
  rows: IPair[];
  namePlaceholder: string;
  valuePlaceholder: string;
  errors: Errors;
  trans: TranslationBundle;
  onChange(rows: IPair[]): void;
}): JSX.Element {
  const { rows, trans, kind } = props;
  const set = (i: number, change: Partial<IPair>) =>
    props.onChange(rows.map((row, j) => (j === i ? { ...row, ...change } : row)));
  return (
    <fieldset className="jp-Atelier-JobForm-table" data-kind={kind}>
      <legend>{props.title}</legend>
      {rows.map((row, i) => (
        <div key={i} className="jp-Atelier-JobForm-row">
          <input
            className="jp-mod-styled"
            aria-label={trans.__('%1 name %2', props.title, i + 1)}
            placeholder={props.namePlaceholder}
            value={row.name}
            onChange={e => set(i, { name: e.target.value })}
          />
          <input
            className="jp-mod-styled"
            aria-label={trans.__('%1 value %2', props.title, i + 1)}
            placeholder={props.valuePlaceholder}
            value={row.value}
            onChange={e => set(i, { value: e.target.value })}
          />
          <button
            type="button"
            className="jp-Button jp-mod-minimal jp-Atelier-JobForm-remove"
            title={trans.__('Remove')}
            aria-label={trans.__('Remove %1 %2', props.title, i + 1)}
            onClick={() => props.onChange(rows.filter((_, j) => j !== i))}
          >
            ×
          </button>
          {props.errors[`${kind}.${i}`] && (
            <div className="jp-Atelier-JobForm-error" role="alert">
              {props.errors[`${kind}.${i}`]}
            </div>
          )}
        </div>
      ))}
      {props.errors[kind] && (
        <div className="jp-Atelier-JobForm-error" role="alert">
          {props.errors[kind]}
        </div>
      )}
      <button
        type="button"
        className="jp-Button jp-mod-styled jp-mod-reject jp-Atelier-JobForm-add"
        onClick={() => props.onChange([...rows, { name: '', value: '' }])}
      >
        {trans.__('Add')}
      </button>
    </fieldset>
  );
}

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

  const onSubmit = async (event: React.FormEvent) => {
    event.preventDefault();
    const { request, errors: found } = toRequest(values, trans);
    setErrors(found);
    if (!request) {
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
    } finally {
      setBusy(false);
    }
  };

  const tables: Array<['parameters' | 'environments' | 'inputs' | 'outputs', string, string, string]> = [
    ['parameters', trans.__('Hyperparameters'), 'learning_rate', '0.01'],
    ['environments', trans.__('Environment variables'), 'NAME', trans.__('value')],
    ['inputs', trans.__('Inputs'), 'data', 's3://bucket/dataset/'],
    ['outputs', trans.__('Outputs'), 'model', 's3://bucket/runs/my-run/']
  ];
  const programs: Array<[ProgramKind, string]> = [
    ['bootFile', trans.__('Boot file')],
    ['notebook', trans.__('Notebook')],
    ['command', trans.__('Command')]
  ];
  return (
    <form className="jp-Atelier-JobForm" onSubmit={onSubmit} noValidate>
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
            <input {...text('bootFile')} placeholder="train/train.py" />
          </Field>
        )}
        {values.program === 'notebook' && (
          <Field
            id="notebook"
            label={trans.__('Notebook')}
            error={errors.notebook}
            hint={trans.__('Executed headless; hyperparameters are set in a cell after the one tagged "parameters".')}
          >
            <input {...text('notebook')} placeholder="experiments/train.ipynb" />
          </Field>
        )}
        {values.program === 'command' && (
          <Field
            id="command"
            label={trans.__('Command')}
            error={errors.command}
            hint={trans.__('Run by /bin/sh in the code directory, with the hyperparameters appended.')}
          >
            <input {...text('command')} placeholder="python3 -m trainer" />
          </Field>
        )}
        <Field
          id="codeDir"
          label={trans.__('Code directory')}
          error={errors.codeDir}
          hint={trans.__("Copied when you submit, so later edits do not change the job. Default: the file's folder.")}
        >
          <input {...text('codeDir')} placeholder={trans.__('(the folder of the file)')} />
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
        />
      ))}
      <fieldset className="jp-Atelier-JobForm-resources">
        <legend>{trans.__('Resources')}</legend>
        <Field id="flavorId" label={trans.__('Flavor')} error={errors.flavorId || catalogError}>
          <select
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
          </select>
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
