import * as React from 'react';
import type { TranslationBundle } from '@jupyterlab/translation';
import { ReactWidget, UseSignal } from '@jupyterlab/ui-components';
import { atelierIcon } from '../icons';
import { formatMemory, StatusModel } from './model';

const ITEM_CLASS = 'jp-Atelier-StatusItem';

/** One line for the status bar: platform · flavor · CPUs · memory (· GPUs). */
export function statusText(model: StatusModel, trans: TranslationBundle): string {
  const { status, error } = model;
  if (error && !status) {
    return error.serviceMissing ? trans.__('Atelier: not connected') : trans.__('Atelier: error');
  }
  if (!status) {
    return trans.__('Atelier…');
  }
  const parts = [status.platform];
  const flavor = status.flavor;
  if (flavor) {
    parts.push(flavor.name, trans._n('%1 CPU', '%1 CPUs', flavor.cpus), formatMemory(flavor.memoryMiB));
    if (flavor.gpus > 0) {
      parts.push(trans._n('%1 GPU', '%1 GPUs', flavor.gpus));
    }
  }
  if (error) {
    parts.push(trans.__('reconnecting…'));
  } else if (status.jupyter.state === 'restarting' || status.jupyter.state === 'starting') {
    parts.push(trans.__('restarting…'));
  }
  return parts.join(' · ');
}

/** The status bar item: shows the platform and the current flavor; a click opens details. */
export class StatusItem extends ReactWidget {
  constructor(
    private readonly _model: StatusModel,
    private readonly _trans: TranslationBundle,
    private readonly _onClick: () => void
  ) {
    super();
    this.addClass(ITEM_CLASS);
    this.addClass('jp-mod-highlighted');
  }

  render(): JSX.Element {
    return (
      <UseSignal signal={this._model.changed}>
        {() => {
          const text = statusText(this._model, this._trans);
          const offline = !!this._model.error;
          return (
            <button
              type="button"
              className={`${ITEM_CLASS}-button${offline ? ' jp-mod-offline' : ''}`}
              title={this._trans.__('Atelier: platform and compute flavor. Click for details.')}
              aria-label={text}
              data-flavor={this._model.status?.flavor?.id ?? ''}
              onClick={this._onClick}
            >
              <atelierIcon.react tag="span" className={`${ITEM_CLASS}-icon`} />
              <span className={`${ITEM_CLASS}-text`}>{text}</span>
            </button>
          );
        }}
      </UseSignal>
    );
  }
}
