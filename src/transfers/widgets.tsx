import * as React from 'react';
import type { TranslationBundle } from '@jupyterlab/translation';
import { ReactWidget, UseSignal } from '@jupyterlab/ui-components';
import type { ITransfer } from '../api/client';
import { describeTransfer, formatBytes } from '../core/format';
import { isActive, TransfersModel } from './model';

const ITEM = 'jp-Atelier-TransfersItem';
const LIST = 'jp-Atelier-TransfersList';

function percent(t: ITransfer): number {
  return t.bytesTotal > 0 ? Math.floor((100 * t.bytesDone) / t.bytesTotal) : t.state === 'completed' ? 100 : 0;
}

/** Status bar: how many transfers run and how far they are, while any runs. */
export class TransfersStatusItem extends ReactWidget {
  constructor(
    private readonly _model: TransfersModel,
    private readonly _trans: TranslationBundle,
    private readonly _onClick: () => void
  ) {
    super();
    this.addClass(ITEM);
  }

  render(): JSX.Element {
    return (
      <UseSignal signal={this._model.changed}>
        {() => {
          const active = this._model.active;
          const total = active.reduce((sum, t) => sum + t.bytesTotal, 0);
          const done = active.reduce((sum, t) => sum + t.bytesDone, 0);
          const text =
            this._trans._n('%1 transfer', '%1 transfers', active.length) +
            (total ? ` · ${Math.floor((100 * done) / total)}%` : '');
          return (
            <button
              type="button"
              className={`${ITEM}-button`}
              onClick={this._onClick}
              title={this._trans.__('Transfers between the workspace and object storage')}
            >
              ⇅ {text}
            </button>
          );
        }}
      </UseSignal>
    );
  }
}

/** The list of recent transfers, with progress and Stop. */
export class TransfersList extends ReactWidget {
  constructor(
    private readonly _model: TransfersModel,
    private readonly _trans: TranslationBundle
  ) {
    super();
    this.addClass(LIST);
  }

  render(): JSX.Element {
    const trans = this._trans;
    const stateLabel: Record<string, string> = {
      queued: trans.__('queued'),
      running: trans.__('running'),
      completed: trans.__('completed'),
      failed: trans.__('failed'),
      stopped: trans.__('stopped')
    };
    return (
      <UseSignal signal={this._model.changed}>
        {() =>
          this._model.transfers.length === 0 ? (
            <p>{trans.__('No transfers yet.')}</p>
          ) : (
            <ul className={`${LIST}-items`}>
              {this._model.transfers.slice(0, 50).map(t => (
                <li key={t.id} className={`${LIST}-item jp-mod-${t.state}`} data-state={t.state}>
                  <div className={`${LIST}-what`} title={describeTransfer(t)}>
                    {t.direction === 'to-storage' ? '↑' : '↓'} {describeTransfer(t)}
                  </div>
                  <progress max={100} value={percent(t)} aria-label={trans.__('Progress')} />
                  <div className={`${LIST}-detail`}>
                    {stateLabel[t.state]} · {formatBytes(t.bytesDone)} / {formatBytes(t.bytesTotal)} ·{' '}
                    {trans._n('%2 of %1 file', '%2 of %1 files', t.filesTotal, t.filesDone)}
                    {t.error && <span className={`${LIST}-error`}> · {t.error.message}</span>}
                    {isActive(t) && (
                      <button
                        type="button"
                        className="jp-mod-styled jp-mod-warn"
                        onClick={() => void this._model.stop(t.id)}
                      >
                        {trans.__('Stop')}
                      </button>
                    )}
                  </div>
                </li>
              ))}
            </ul>
          )
        }
      </UseSignal>
    );
  }
}
