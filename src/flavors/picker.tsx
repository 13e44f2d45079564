import type { Message } from '@lumino/messaging';
import * as React from 'react';
import type { Dialog } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import { HTMLSelect, ReactWidget } from '@jupyterlab/ui-components';
import type { IFlavor, IFlavorList } from '../api/client';
import { flavorFigures } from '../core/format';

export type Kind = 'all' | 'gpu' | 'cpu';

/** The flavors a filter keeps: by GPU or CPU only, and at least so many CPUs and GiB. */
export function filterFlavors(
  flavors: IFlavor[],
  filter: { kind: Kind; minCpus: number; minMemoryGiB: number }
): IFlavor[] {
  return flavors.filter(
    f =>
      (filter.kind === 'all' || (filter.kind === 'gpu' ? f.gpus > 0 : f.gpus === 0)) &&
      f.cpus >= filter.minCpus &&
      f.memoryMiB >= filter.minMemoryGiB * 1024
  );
}

/** Why a flavor cannot be chosen now, or null. */
export function unavailable(flavor: IFlavor, current: string, trans: TranslationBundle): string | null {
  if (flavor.id === current) {
    return trans.__('The notebook server runs under this flavor now.');
  }
  return flavor.selectable ? null : (flavor.reason ?? trans.__('Not available.'));
}

function Picker(props: {
  list: IFlavorList;
  trans: TranslationBundle;
  onChoose(id: string | null): void;
}): JSX.Element {
  const { list, trans } = props;
  const [kind, setKind] = React.useState<Kind>('all');
  const [minCpus, setMinCpus] = React.useState(0);
  const [minMemory, setMinMemory] = React.useState(0);
  const [chosen, setChosen] = React.useState<string | null>(null);
  const shown = filterFlavors(list.flavors, { kind, minCpus, minMemoryGiB: minMemory });
  const choose = (id: string | null) => {
    setChosen(id);
    props.onChoose(id);
  };
  return (
    <div className="jp-Atelier-FlavorPicker">
      <div className="jp-Atelier-FlavorPicker-filters">
        <label>
          {trans.__('Show')}{' '}
          <HTMLSelect
            value={kind}
            onChange={e => setKind(e.target.value as Kind)}
            aria-label={trans.__('Show flavors')}
          >
            <option value="all">{trans.__('All flavors')}</option>
            <option value="gpu">{trans.__('With GPUs')}</option>
            <option value="cpu">{trans.__('CPU only')}</option>
          </HTMLSelect>
        </label>
        <label>
          {trans.__('CPUs at least')}{' '}
          <input
            className="jp-mod-styled"
            type="number"
            min={0}
            value={minCpus}
            onChange={e => setMinCpus(Number(e.target.value) || 0)}
          />
        </label>
        <label>
          {trans.__('Memory at least (GiB)')}{' '}
          <input
            className="jp-mod-styled"
            type="number"
            min={0}
            value={minMemory}
            onChange={e => setMinMemory(Number(e.target.value) || 0)}
          />
        </label>
      </div>
      <div role="radiogroup" aria-label={trans.__('Flavors')} className="jp-Atelier-FlavorPicker-list">
        {shown.length === 0 && (
          <div className="jp-Atelier-FlavorPicker-empty">{trans.__('No flavor matches the filter.')}</div>
        )}
        {shown.map(flavor => {
          const why = unavailable(flavor, list.current, trans);
          return (
            <label
              key={flavor.id}
              className={`jp-Atelier-FlavorPicker-item${why ? ' jp-mod-disabled' : ''}${chosen === flavor.id ? ' jp-mod-selected' : ''}`}
              data-flavor={flavor.id}
              title={why ?? flavor.description ?? ''}
            >
              <input
                type="radio"
                name="atelier-flavor"
                value={flavor.id}
                disabled={!!why}
                checked={chosen === flavor.id}
                onChange={() => choose(flavor.id)}
              />
              <span className="jp-Atelier-FlavorPicker-name">
                {flavor.name}
                {flavor.id === list.current ? ` (${trans.__('current')})` : ''}
              </span>
              <span className="jp-Atelier-FlavorPicker-figures">{flavorFigures(flavor, trans)}</span>
              {why && flavor.id !== list.current && <span className="jp-Atelier-FlavorPicker-reason">{why}</span>}
            </label>
          );
        })}
      </div>
    </div>
  );
}

/** The body of the "Switch Compute Flavor" dialog; its value is the chosen flavor's id. */
export class FlavorPicker extends ReactWidget implements Dialog.IBodyWidget<string | null> {
  constructor(
    private readonly _list: IFlavorList,
    private readonly _trans: TranslationBundle
  ) {
    super();
    this.addClass('jp-Atelier-FlavorPickerBody');
    // JupyterLab's dialog turns its accept button back on as the filters are typed in; after
    // it has, this turns it off again while no flavor is chosen.
    this.node.addEventListener('input', () => this._syncAccept());
  }

  getValue(): string | null {
    return this._chosen;
  }

  render(): JSX.Element {
    return (
      <Picker
        list={this._list}
        trans={this._trans}
        onChoose={id => {
          this._chosen = id;
          this._syncAccept();
        }}
      />
    );
  }

  protected onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    this._syncAccept();
  }

  /** The dialog's Continue button works only once a flavor is chosen, and says so. */
  private _syncAccept(): void {
    const accept = this.node
      .closest('.jp-Dialog-content')
      ?.querySelector<HTMLButtonElement>('.jp-Dialog-button.jp-mod-accept');
    if (accept) {
      accept.disabled = this._chosen === null;
      accept.title = this._chosen === null ? this._trans.__('Choose a flavor first.') : '';
    }
  }

  private _chosen: string | null = null;
}
