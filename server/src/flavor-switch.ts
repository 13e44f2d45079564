/**
 * Flavor switches as durable records ({dataDir}/flavor-switch.json): one at a time, checked
 * before anything stops (404 unknown flavor, 409 does not fit / already current / a switch
 * under way / the server is not ours), with their steps for the front end's progress. A switch
 * cut short by a restart of the service is reported failed; the service then starts the
 * server under the flavor that was current before it (only a finished switch changes it).
 */
import * as crypto from 'crypto';
import { EventEmitter } from 'events';
import * as fs from 'fs';
import type { Logger } from 'pino';
import { writeAtomicSync } from './durable';
import { ApiError } from './errors';
import type { IFlavorProvider, SwitchProgress } from './platform';
import type { IFlavor, IFlavorSwitch } from '@atelier/api';

export class FlavorSwitcher extends EventEmitter {
  constructor(
    private readonly _flavors: IFlavorProvider,
    private readonly _file: string,
    private readonly _logger: Logger
  ) {
    super();
    let record: IFlavorSwitch | undefined;
    try {
      record = JSON.parse(fs.readFileSync(_file, 'utf8')) as IFlavorSwitch;
    } catch {
      record = undefined;
    }
    this._last = record;
    if (record?.state === 'running') {
      // A switch that outlives the service that started it is followed to its end.
      const resumed = _flavors.resume?.(record.id, this._progress(record));
      if (resumed) {
        this._running = this._finish(record, resumed);
      } else {
        record.state = 'failed';
        record.step = 'failed';
        record.error =
          'The switch was interrupted by a restart of the Atelier service; the notebook server runs under the flavor it had before.';
        record.message = record.error;
        record.finishedAt = new Date().toISOString();
        this._write(record);
      }
    }
  }

  /** The switch under way, or the last one. */
  get last(): IFlavorSwitch | undefined {
    return this._last ? { ...this._last } : undefined;
  }

  /** Checks the request, records the switch and starts it; resolves with the record at once. */
  async start(flavorId: string): Promise<IFlavorSwitch> {
    if (!this._flavors.canSwitch()) {
      throw new ApiError(
        409,
        'not_owned',
        'Atelier runs beside an existing Jupyter server here and cannot restart it under another flavor.'
      );
    }
    if (this._last?.state === 'running' || this._checking) {
      throw new ApiError(
        409,
        'switching',
        `A switch${this._last?.state === 'running' ? ` to "${this._last.to}"` : ''} is under way; wait for it to finish.`
      );
    }
    this._checking = true;
    try {
      return await this._start(flavorId);
    } finally {
      this._checking = false;
    }
  }

  private async _start(flavorId: string): Promise<IFlavorSwitch> {
    const [list, current] = await Promise.all([this._flavors.list(), this._flavors.current()]);
    const target = list.find((f: IFlavor) => f.id === flavorId);
    if (!target) {
      throw new ApiError(
        404,
        'not_found',
        `There is no flavor "${flavorId}"; choose one of ${list.map(f => f.id).join(', ')}.`
      );
    }
    if (target.id === current.id) {
      throw new ApiError(409, 'current', `The notebook server already runs under ${target.name}.`);
    }
    if (!target.selectable) {
      throw new ApiError(
        409,
        'not_selectable',
        `${target.name} cannot be chosen: ${target.reason ?? 'it is not available'}`
      );
    }
    const record: IFlavorSwitch = {
      id: crypto.randomUUID(),
      from: current.id,
      to: target.id,
      state: 'running',
      step: 'stopping',
      message: `Switching to ${target.name}`,
      startedAt: new Date().toISOString()
    };
    this._last = record;
    this._write(record);
    this._changed(record);
    this._running = this._finish(record, this._flavors.switchTo(target.id, this._progress(record), record.id));
    return { ...record };
  }

  private _progress(record: IFlavorSwitch): SwitchProgress {
    return (step, message) => {
      record.step = step;
      record.message = message;
      this._write(record);
      this._changed(record);
    };
  }

  /** Records how the switch ended. */
  private async _finish(record: IFlavorSwitch, switched: Promise<IFlavor>): Promise<void> {
    const names = async () => {
      const list = await this._flavors.list().catch(() => [] as IFlavor[]);
      const name = (id: string) => list.find(f => f.id === id)?.name ?? id;
      return { from: name(record.from), to: name(record.to) };
    };
    try {
      const flavor = await switched;
      record.state = 'completed';
      record.step = 'ready';
      record.message = `The notebook server runs under ${flavor.name}`;
    } catch (e) {
      const { from, to } = await names();
      record.state = 'failed';
      record.step = 'failed';
      record.error = `The notebook server did not start under ${to}; it runs under ${from} again. ${(e as Error).message}`;
      record.message = record.error;
      this._logger.warn(
        { from: record.from, to: record.to, err: { message: (e as Error).message } },
        'flavor switch failed'
      );
    }
    record.finishedAt = new Date().toISOString();
    this._write(record);
    this._changed(record);
  }

  /** Waits for a switch under way (service shutdown, tests). */
  async settled(): Promise<void> {
    await this._running;
  }

  private _changed(record: IFlavorSwitch): void {
    this.emit('change', { ...record });
  }

  private _write(record: IFlavorSwitch): void {
    try {
      writeAtomicSync(this._file, JSON.stringify(record));
    } catch (e) {
      this._logger.error({ err: e }, 'saving the flavor switch record failed');
    }
  }

  private _last: IFlavorSwitch | undefined;
  private _running: Promise<void> | undefined;
  /** A request being checked: a second one meanwhile is refused, not run side by side. */
  private _checking = false;
}
