/**
 * One job's life, from launch to its final phase: staging and submission, watching the
 * executor until the program ends (pulling the log where the executor keeps it), delivering the
 * outputs, and the timers that end it (the kill after a stop's grace period, the maximum
 * runtime). The manager owns the records; this acts on one record at a time through its host.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Logger } from 'pino';
import type { IJobPhase } from '@atelier/api';
import { isExplained } from '../errors';
import type { IJobExecutor } from '../platform/jobs';
import { describeExit } from './logs';
import { IRecord, setPhase } from './record';
import { deliverOutput, IStagingContext, prepareLaunch } from './staging';

/** What a job's life needs from the manager that owns the record. */
export interface IJobHost {
  /** The jobs' folders are `{dir}/{id}`. */
  dir: string;
  /** How often a running job's state is checked, in ms. */
  pollMs: number;
  /** Seconds between SIGTERM and SIGKILL when stopping. */
  graceSeconds: number;
  logger: Logger;
  executor(): IJobExecutor;
  staging(): IStagingContext;
  /** Whether the service is shutting down (jobs go on, and are taken up at the next start). */
  closing(): boolean;
  save(record: IRecord): Promise<void>;
  changed(record: IRecord): void;
  /** The job reached its final phase. */
  finished(record: IRecord): void;
  stop(id: string, reason: string): Promise<unknown>;
}

export class JobLifecycle {
  constructor(private readonly _host: IJobHost) {}

  private get _executor(): IJobExecutor {
    return this._host.executor();
  }

  async launch(record: IRecord): Promise<void> {
    const dir = path.join(this._host.dir, record.id);
    try {
      if (record.spec.inputs.length) {
        record.status.message = 'Preparing inputs';
        this._host.changed(record);
      }
      const launch = await prepareLaunch(this._host.staging(), record, dir);
      if (record.stop) {
        await this.end(record, 'Stopped', record.stop.reason);
        return;
      }
      record.launch = launch;
      record.stage = 'submitting';
      await this._host.save(record);
      const handle = await this._executor.submit(launch);
      record.handle = handle;
      record.stage = 'submitted';
      record.status.externalId = handle.externalId;
      record.status.message = undefined;
      if (!this._executor.queues && record.status.phase === 'Pending') {
        setPhase(record, 'Running'); // a local process runs once it is spawned
      }
      await this._host.save(record);
      this._host.changed(record);
    } catch (e) {
      if (this._host.closing()) {
        return;
      }
      if (record.stop && !record.handle) {
        await this.end(record, 'Stopped', record.stop.reason);
        return;
      }
      const message = isExplained(e) ? e.message : `The job could not be started: ${(e as Error).message}`;
      this._host.logger.warn({ id: record.id, err: { message: (e as Error).message } }, 'job failed to start');
      await fs.promises
        .appendFile(path.join(dir, 'logs', 'output.log'), `[atelier] ${message}\n`)
        .catch(() => undefined);
      record.ended = { reason: message };
      record.stage = 'finishing';
      await this.finish(record);
      return;
    }
    if (record.stop && record.handle) {
      await this._executor.terminate(record.handle);
      this.armKill(record);
    }
    await this.watch(record);
  }

  /**
   * Watches the program until it has ended, then finishes the job: the executor is asked every
   * pollMs, and at once when it says the program ended (a local process), so that a job that
   * ends shows as ended without waiting for the next look.
   */
  async watch(record: IRecord): Promise<void> {
    const launch = record.launch!;
    const handle = record.handle!;
    if (record.stop && !this._timers.has(record.id)) {
      this.armKill(record); // a stop that began before a restart
    }
    this._armRuntimeLimit(record);
    let heard = false;
    while (!this._host.closing()) {
      await this._pullLog(record);
      const program = await this._executor.status(handle, launch).catch(e => {
        this._host.logger.warn({ id: record.id, err: { message: (e as Error).message } }, 'checking a job failed');
        return null;
      });
      if (program?.state === 'running' && record.status.phase === 'Pending') {
        setPhase(record, 'Running');
        record.status.message = undefined;
        await this._host.save(record);
        this._host.changed(record);
      } else if (program?.state === 'pending' && record.status.phase === 'Pending') {
        const message = program.reason
          ? `Queued in ${this._executor.name}: ${program.reason}`
          : `Queued in ${this._executor.name}`;
        if (record.status.message !== message) {
          record.status.message = message;
          this._host.changed(record);
        }
      } else if (program?.state === 'exited' || program?.state === 'lost') {
        await this._pullLog(record);
        if (record.status.phase === 'Pending' && program.state === 'exited') {
          setPhase(record, 'Running'); // it ran, between two looks
        }
        record.ended = { exitCode: program.exitCode, reason: program.reason, lost: program.state === 'lost' };
        record.stage = 'finishing';
        await this._host.save(record);
        await this.finish(record);
        return;
      }
      // Once heard, the end is not waited for again: the next looks are paced by pollMs.
      const ended: Promise<void> | null | undefined = heard ? null : this._executor.whenEnded?.(handle);
      if (ended) {
        heard = await Promise.race([ended.then(() => true), delay(this._host.pollMs).then(() => false)]);
      } else {
        await delay(this._host.pollMs);
      }
    }
  }

  /** Copies new log bytes from executors that keep the log themselves (see IJobExecutor.fetchLog). */
  private async _pullLog(record: IRecord): Promise<void> {
    if (!this._executor.fetchLog || !record.handle || !record.launch) {
      return;
    }
    const file = record.launch.logFile;
    const have = (await fs.promises.stat(file).catch(() => null))?.size ?? 0;
    const bytes = await this._executor.fetchLog(record.handle, have).catch(() => null);
    if (bytes?.length) {
      await fs.promises.appendFile(file, bytes);
    }
  }

  /** Uploads the outputs (whatever the program's end), releases resources, settles the phase. */
  async finish(record: IRecord): Promise<void> {
    const dir = path.join(this._host.dir, record.id);
    this._clearTimer(record.id);
    if (record.handle) {
      await this._executor.cleanup?.(record.handle).catch(() => undefined);
    }
    const log = (line: string) =>
      fs.promises.appendFile(path.join(dir, 'logs', 'output.log'), `[atelier] ${line}\n`).catch(() => undefined);
    let outputProblem: string | undefined;
    if (record.launch && record.spec.outputs.length) {
      record.status.message = 'Delivering outputs';
      this._host.changed(record);
      for (const output of record.spec.outputs) {
        try {
          await deliverOutput(this._host.staging(), output, dir);
          await log(`output "${output.name}" delivered to ${output.uri}`);
        } catch (e) {
          if (this._host.closing()) {
            return; // finished at the next start
          }
          outputProblem = `The output "${output.name}" could not be delivered to ${output.uri}: ${(e as Error).message}`;
          await log(outputProblem);
        }
      }
    }
    const ended = record.ended ?? {};
    if (record.stop) {
      await this.end(record, 'Stopped', record.stop.reason, ended.exitCode);
    } else if (ended.exitCode === 0 && !outputProblem) {
      await this.end(record, 'Completed', undefined, 0);
    } else {
      const reason =
        outputProblem && ended.exitCode === 0
          ? outputProblem
          : (ended.reason ??
            (ended.exitCode !== undefined ? describeExit(ended.exitCode) : 'The job ended without an exit code.'));
      await this.end(record, 'Failed', reason, ended.exitCode);
    }
    await log(
      `job ${record.status.phase.toLowerCase()}${record.status.exitCode !== undefined ? ` (exit code ${record.status.exitCode})` : ''}`
    );
  }

  async end(record: IRecord, phase: IJobPhase, reason?: string, exitCode?: number): Promise<void> {
    record.stage = 'done';
    setPhase(record, phase, reason);
    record.status.message = undefined;
    if (reason) {
      record.status.reason = reason;
    }
    if (exitCode !== undefined) {
      record.status.exitCode = exitCode;
    }
    await this._host.save(record);
    this._host.changed(record);
    this._host.finished(record);
  }

  armKill(record: IRecord): void {
    this._clearTimer(record.id);
    const elapsed = Date.now() - Date.parse(record.stop!.at);
    const wait = Math.max(0, this._host.graceSeconds * 1000 - elapsed);
    this._timers.set(
      record.id,
      setTimeout(() => {
        this._timers.delete(record.id);
        if (record.handle && record.stage === 'submitted') {
          record.stop!.forced = true;
          void this._executor
            .kill(record.handle)
            .catch(e => this._host.logger.warn({ id: record.id, err: e }, 'killing a job failed'));
        }
      }, wait)
    );
  }

  private _armRuntimeLimit(record: IRecord): void {
    const minutes = record.spec.maxRuntimeMinutes;
    if (!minutes || record.stop || this._executor.queues) {
      return; // executors that queue enforce it themselves (Slurm's --time)
    }
    const started = Date.parse(record.status.startedAt ?? new Date().toISOString());
    const wait = Math.max(0, started + minutes * 60000 - Date.now());
    this._timers.set(
      record.id,
      setTimeout(() => {
        this._timers.delete(record.id);
        void this._host
          .stop(record.id, `The job exceeded its maximum runtime of ${minutes} minute${minutes === 1 ? '' : 's'}.`)
          .catch(() => undefined);
      }, wait)
    );
  }

  private _clearTimer(id: string): void {
    const timer = this._timers.get(id);
    if (timer) {
      clearTimeout(timer);
      this._timers.delete(id);
    }
  }

  /** Clears every timer (service shutdown). */
  clearTimers(): void {
    for (const timer of this._timers.values()) {
      clearTimeout(timer);
    }
    this._timers.clear();
  }

  private _timers = new Map<string, NodeJS.Timeout>();
}

function delay(ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms));
}
