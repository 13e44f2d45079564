import { IDisposable } from '@lumino/disposable';
import { Poll } from '@lumino/polling';
import { ISignal, Signal } from '@lumino/signaling';
import type { IFlavorList, IFlavorSwitch, IUsage } from '../api/client';
import type { IAtelierClient, IFlavorsModel } from '../tokens';

/** The error of a switch whose service never came back (the plugin words it for the user). */
export const SERVER_AWAY = 'server-away';

/**
 * The flavor catalog, the live usage of the notebook server (every few seconds while the page
 * is visible) and switches: started here and followed step by step until they end.
 */
export class FlavorsModel implements IFlavorsModel, IDisposable {
  constructor(
    private readonly _client: IAtelierClient,
    options: { usageIntervalMs?: number } = {}
  ) {
    this._usagePoll = new Poll({
      auto: false,
      factory: () => this.refreshUsage(),
      frequency: { interval: options.usageIntervalMs ?? 3000, backoff: true, max: 30000 },
      name: 'jupyterlab-atelier:usage',
      standby: 'when-hidden'
    });
  }

  get usage(): IUsage | null {
    return this._usage;
  }

  get flavors(): IFlavorList | null {
    return this._flavors;
  }

  get switching(): IFlavorSwitch | null {
    return this._switching;
  }

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get isDisposed(): boolean {
    return this._usagePoll.isDisposed;
  }

  async start(): Promise<void> {
    await this.refresh().catch(() => undefined);
    await this._usagePoll.start();
  }

  async refresh(): Promise<IFlavorList> {
    this._flavors = await this._client.flavors();
    this._changed.emit();
    return this._flavors;
  }

  async refreshUsage(): Promise<void> {
    if (this._switching) {
      return; // the server is restarting: nothing to measure
    }
    this._usage = await this._client.usage();
    this._changed.emit();
  }

  /**
   * Switches the notebook server to `flavorId`; `progress` hears each step, and `away` is true
   * while the service does not answer (under JupyterHub it restarts with the server). Resolves
   * with the final record (completed, or failed and back on the previous flavor); a service
   * that stays away for `giveUpMs` ends the wait with a failed record that says so.
   */
  async switchTo(
    flavorId: string,
    progress: (record: IFlavorSwitch, away: boolean) => void,
    giveUpMs = 10 * 60 * 1000
  ): Promise<IFlavorSwitch> {
    let record = await this._client.startFlavorSwitch(flavorId);
    this._switching = record;
    this._usage = null;
    this._changed.emit();
    progress(record, false);
    let awaySince: number | null = null;
    try {
      while (record.state === 'running') {
        await new Promise(resolve => setTimeout(resolve, awaySince === null ? 250 : 1000));
        let next: IFlavorSwitch;
        try {
          next = await this._client.getFlavorSwitch();
        } catch {
          // The service restarts with the server (JupyterHub) or is busy: wait for it.
          if (awaySince === null) {
            awaySince = Date.now();
            progress(record, true);
          } else if (Date.now() - awaySince > giveUpMs) {
            record = { ...record, state: 'failed', step: 'failed', error: SERVER_AWAY, message: SERVER_AWAY };
            break;
          }
          continue;
        }
        if (awaySince !== null || next.step !== record.step || next.state !== record.state) {
          progress(next, false);
        }
        awaySince = null;
        record = next;
        this._switching = record;
      }
    } finally {
      this._switching = null;
      await this.refresh().catch(() => undefined);
      void this._usagePoll.refresh();
    }
    return record;
  }

  dispose(): void {
    this._usagePoll.dispose();
    Signal.clearData(this);
  }

  private _usagePoll: Poll;
  private _usage: IUsage | null = null;
  private _flavors: IFlavorList | null = null;
  private _switching: IFlavorSwitch | null = null;
  private _changed = new Signal<this, void>(this);
}
