import * as React from 'react';
import type { TranslationBundle } from '@jupyterlab/translation';
import { ReactWidget, UseSignal } from '@jupyterlab/ui-components';
import { formatMemory } from '../core/format';
import { StatusModel } from './model';

/** The body of the status dialog: service, platform, flavor, capabilities. */
export class StatusDetails extends ReactWidget {
  constructor(
    private readonly _model: StatusModel,
    private readonly _trans: TranslationBundle
  ) {
    super();
    this.addClass('jp-Atelier-StatusDetails');
  }

  render(): JSX.Element {
    const trans = this._trans;
    const names: Record<string, string> = {
      flavors: trans.__('Compute flavors'),
      storage: trans.__('Object storage'),
      images: trans.__('Images'),
      jobs: trans.__('Training jobs'),
      gallery: trans.__('AI Gallery')
    };
    return (
      <UseSignal signal={this._model.changed}>
        {() => {
          const { status, error } = this._model;
          if (!status) {
            return <p className="jp-Atelier-StatusDetails-error">{error?.message ?? trans.__('Loading…')}</p>;
          }
          const flavor = status.flavor;
          return (
            <div>
              {error && <p className="jp-Atelier-StatusDetails-error">{error.message}</p>}
              <table className="jp-Atelier-StatusDetails-table">
                <tbody>
                  <tr>
                    <th scope="row">{trans.__('Platform')}</th>
                    <td>{status.platform}</td>
                  </tr>
                  <tr>
                    <th scope="row">{trans.__('Flavor')}</th>
                    <td>
                      {flavor
                        ? trans.__(
                            '%1 (%2 CPUs, %3 memory, %4 GPUs)',
                            flavor.name,
                            flavor.cpus,
                            formatMemory(flavor.memoryMiB),
                            flavor.gpus
                          )
                        : trans.__('not available')}
                    </td>
                  </tr>
                  <tr>
                    <th scope="row">{trans.__('Jupyter server')}</th>
                    <td>{status.jupyter.state}</td>
                  </tr>
                  <tr>
                    <th scope="row">{trans.__('User')}</th>
                    <td>{status.user}</td>
                  </tr>
                  <tr>
                    <th scope="row">{trans.__('Service')}</th>
                    <td>{trans.__('Atelier %1 (%2 mode)', status.version, status.mode)}</td>
                  </tr>
                  <tr>
                    <th scope="row">{trans.__('Capabilities')}</th>
                    <td>
                      <ul className="jp-Atelier-StatusDetails-capabilities">
                        {Object.entries(names).map(([key, label]) => (
                          <li
                            key={key}
                            className={status.capabilities[key] ? 'jp-mod-available' : 'jp-mod-unavailable'}
                          >
                            {status.capabilities[key]
                              ? trans.__('%1: available', label)
                              : trans.__('%1: not on this platform', label)}
                          </li>
                        ))}
                      </ul>
                    </td>
                  </tr>
                </tbody>
              </table>
            </div>
          );
        }}
      </UseSignal>
    );
  }
}
