import * as React from 'react';
import type { TranslationBundle } from '@jupyterlab/translation';
import type { BrowseWorkspace, IBrowseRequest } from '../browse';
import type { Errors, IPair } from '../values';

/** A labelled field of the job form, with its hint or its error. */
export function Field(props: {
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

/**
 * A field that takes a workspace path, with a Browse… button that opens JupyterLab's file
 * dialog and puts the chosen path in the field (no button when there is no file dialog).
 */
export function PathInput(props: {
  input: React.InputHTMLAttributes<HTMLInputElement>;
  /** The button's accessible name ("Browse for the boot file"). */
  browseLabel: string;
  browse?: BrowseWorkspace;
  /** What to choose; the file dialog's title says it. */
  request: Omit<IBrowseRequest, 'current'>;
  onChosen(path: string): void;
  /** Where the file dialog opens while the field is empty (else on the field's path). */
  start?: string;
  trans: TranslationBundle;
}): JSX.Element {
  const { browse, trans } = props;
  const current = String(props.input.value ?? '') || (props.start ?? '');
  const row = React.useRef<HTMLDivElement>(null);
  return (
    <div ref={row} className="jp-Atelier-JobForm-path">
      <input {...props.input} />
      {browse && (
        <button
          type="button"
          className="jp-Button jp-mod-styled jp-mod-reject jp-Atelier-JobForm-browse"
          aria-label={props.browseLabel}
          title={props.request.title}
          onClick={async () => {
            const path = await browse({ ...props.request, current });
            if (path !== null) {
              props.onChosen(path);
              row.current?.querySelector('input')?.focus(); // where the path went
            }
          }}
        >
          {trans.__('Browse…')}
        </button>
      )}
    </div>
  );
}

/** One of the form's tables of name and value rows (hyperparameters, variables, inputs, outputs). */
export function PairTable(props: {
  kind: 'parameters' | 'environments' | 'inputs' | 'outputs';
  title: string;
  rows: IPair[];
  namePlaceholder: string;
  valuePlaceholder: string;
  errors: Errors;
  trans: TranslationBundle;
  onChange(rows: IPair[]): void;
  /** For a table of workspace paths (inputs, outputs): a Browse… button on each row's value. */
  browse?: { browse: BrowseWorkspace; kind: IBrowseRequest['kind']; title: string };
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
          {props.browse ? (
            <PathInput
              input={{
                className: 'jp-mod-styled',
                'aria-label': trans.__('%1 value %2', props.title, i + 1),
                placeholder: props.valuePlaceholder,
                value: row.value,
                onChange: e => set(i, { value: e.target.value })
              }}
              browseLabel={trans.__('Browse for %1 row %2', props.title, i + 1)}
              browse={props.browse.browse}
              request={{ kind: props.browse.kind, title: props.browse.title }}
              onChosen={value => set(i, { value })}
              trans={trans}
            />
          ) : (
            <input
              className="jp-mod-styled"
              aria-label={trans.__('%1 value %2', props.title, i + 1)}
              placeholder={props.valuePlaceholder}
              value={row.value}
              onChange={e => set(i, { value: e.target.value })}
            />
          )}
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
