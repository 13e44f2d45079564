import * as React from 'react';
import type { TranslationBundle } from '@jupyterlab/translation';
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
