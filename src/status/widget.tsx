import * as React from 'react';
import type { TranslationBundle } from '@jupyterlab/translation';
import { ReactWidget, UseSignal } from '@jupyterlab/ui-components';
import { atelierIcon } from '../icons';
import { flavorSummary, formatMemory, usageText } from '../core/format';
import type { IFlavorsModel } from '../tokens';
import { StatusModel } from './model';

const ITEM_CLASS = 'jp-Atelier-StatusItem';

/** One line for the status bar: platform · flavor · CPUs · memory (· GPUs) (· live usage). */
export function statusText(model: StatusModel, trans: TranslationBundle, flavors?: IFlavorsModel | null): string {
  const { status, error } = model;
  if (error && !status) {
    return error.serviceMissing ? trans.__('Atelier: not connected') : trans.__('Atelier: error');
  }
  if (!status) {
    return trans.__('Atelier…');
  }
  const parts = [status.platform];
  const listed = flavors?.flavors;
  const flavor = listed?.flavors.find(f => f.id === listed.current) ?? status.flavor;
  if (flavor) {
    parts.push(flavorSummary(flavor, trans));
  }
  if (flavors?.switching) {
    parts.push(trans.__('switching…'));
  } else if (error) {
    parts.push(trans.__('reconnecting…'));
  } else if (status.jupyter.state === 'restarting' || status.jupyter.state === 'starting') {
    parts.push(trans.__('restarting…'));
  } else if (flavors?.usage) {
    parts.push(usageText(flavors.usage, formatMemory, { cpu: trans.__('CPU'), gpu: trans.__('GPU') }));
  }
  return parts.join(' · ');
}

/** The status bar item: the platform, the current flavor and its usage; a click opens the flavor picker (or details). */
export class StatusItem extends ReactWidget {
  constructor(
    private readonly _model: StatusModel,
    private readonly _trans: TranslationBundle,
    private readonly _onClick: () => void,
    private readonly _flavors: IFlavorsModel | null = null
  ) {
    super();
    this.addClass(ITEM_CLASS);
    this.addClass('jp-mod-highlighted');
    _flavors?.changed.connect(() => this.update(), this);
  }

  render(): JSX.Element {
    return <UseSignal signal={this._model.changed}>{() => this._button()}</UseSignal>;
  }

  private _button(): JSX.Element {
    const text = statusText(this._model, this._trans, this._flavors);
    const offline = !!this._model.error;
    return (
      <button
        type="button"
        className={`${ITEM_CLASS}-button${offline ? ' jp-mod-offline' : ''}`}
        title={
          this._flavors?.flavors?.switchable
            ? this._trans.__('Atelier: platform, compute flavor and its usage. Click to switch the flavor.')
            : this._trans.__('Atelier: platform and compute flavor. Click for details.')
        }
        aria-label={text}
        data-flavor={this._flavors?.flavors?.current ?? this._model.status?.flavor?.id ?? ''}
        onClick={this._onClick}
      >
        <atelierIcon.react tag="span" className={`${ITEM_CLASS}-icon`} />
        <span className={`${ITEM_CLASS}-text`}>{text}</span>
      </button>
    );
  }
}
