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
  const { trans, fieldClass, endpoints, buckets } = props;
  const empty = (list: unknown[] | null, none: string) =>
    !list?.length && <option value="">{list ? none : trans.__('Listing…')}</option>;
  return (
    <>
      <label className={fieldClass}>
        <span>{trans.__('Endpoint')}</span>
        <HTMLSelect
          aria-label={props.endpointLabel ?? trans.__('Endpoint')}
          value={endpoints?.some(e => e.id === props.endpoint) ? props.endpoint : ''}
          required={props.required}
          disabled={!!endpoints && !endpoints.length}
          onChange={e => props.onEndpoint(e.target.value)}
        >
          {empty(endpoints, trans.__('no endpoints'))}
          {(endpoints ?? []).map(e => (
            <option key={e.id} value={e.id}>
              {e.name}
            </option>
          ))}
        </HTMLSelect>
      </label>
      <label className={fieldClass}>
        <span>{trans.__('Bucket')}</span>
        <HTMLSelect
          aria-label={trans.__('Bucket')}
          value={buckets?.some(b => b.name === props.bucket) ? props.bucket : ''}
          required={props.required}
          disabled={!!buckets && !buckets.length}
          onChange={e => props.onBucket(e.target.value)}
        >
          {empty(buckets, trans.__('no buckets'))}
          {(buckets ?? []).map(b => (
            <option key={b.name} value={b.name}>
              {b.name}
            </option>
          ))}
        </HTMLSelect>
      </label>
    </>
  );
}
