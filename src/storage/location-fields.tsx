/**
 * The endpoint and bucket selects, as the storage panel and the copy dialog show them: each
 * labelled, with one empty option while its list is read ("Listing…") or when it is empty
 * (then disabled). Required, an empty select is :invalid, which keeps a dialog's accept
 * button off.
 */
import * as React from 'react';
import type { TranslationBundle } from '@jupyterlab/translation';
import { HTMLSelect } from '@jupyterlab/ui-components';
import type { IBucket, IEndpoint } from '../api/client';

export interface ILocationFieldsProps {
  trans: TranslationBundle;
  /** The class of each label (a field). */
  fieldClass: string;
  /** null while they are being listed. */
  endpoints: IEndpoint[] | null;
  endpoint: string;
  onEndpoint(id: string): void;
  /** null while they are being listed. */
  buckets: IBucket[] | null;
  bucket: string;
  onBucket(name: string): void;
  /** The endpoint select's accessible name (default: Endpoint). */
  endpointLabel?: string;
  required?: boolean;
}

export function LocationFields(props: ILocationFieldsProps): JSX.Element {
  const { trans } = props;
  const common = { fieldClass: props.fieldClass, required: props.required, listing: trans.__('Listing…') };
  return (
    <>
      <Choice
        {...common}
        label={trans.__('Endpoint')}
        ariaLabel={props.endpointLabel ?? trans.__('Endpoint')}
        none={trans.__('no endpoints')}
        options={props.endpoints?.map(e => ({ value: e.id, name: e.name })) ?? null}
        value={props.endpoint}
        onChange={props.onEndpoint}
      />
      <Choice
        {...common}
        label={trans.__('Bucket')}
        ariaLabel={trans.__('Bucket')}
        none={trans.__('no buckets')}
        options={props.buckets?.map(b => ({ value: b.name, name: b.name })) ?? null}
        value={props.bucket}
        onChange={props.onBucket}
      />
    </>
  );
}

/** One labelled select of `options` (null while they are listed). */
function Choice(props: {
  fieldClass: string;
  label: string;
  ariaLabel: string;
  required?: boolean;
  /** The empty option's text while listing, and when there is nothing to choose. */
  listing: string;
  none: string;
  options: { value: string; name: string }[] | null;
  value: string;
  onChange(value: string): void;
}): JSX.Element {
  const { options } = props;
  return (
    <label className={props.fieldClass}>
      <span>{props.label}</span>
      <HTMLSelect
        aria-label={props.ariaLabel}
        value={options?.some(o => o.value === props.value) ? props.value : ''}
        required={props.required}
        disabled={!!options && !options.length}
        onChange={e => props.onChange(e.target.value)}
      >
        {!options?.length && <option value="">{options ? props.none : props.listing}</option>}
        {(options ?? []).map(o => (
          <option key={o.value} value={o.value}>
            {o.name}
          </option>
        ))}
      </HTMLSelect>
    </label>
  );
}
