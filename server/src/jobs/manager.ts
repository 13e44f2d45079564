/**
 * Training jobs: durable records (one folder per job under {dataDir}/jobs, its record in
 * job.json), a queue for executors that do not queue themselves, staging of inputs before and
 * outputs after the program, and the state machine
 *
 *   Pending → Running → (Stopping →) Completed | Failed | Stopped
 *
 * The job's folder holds code/ (the code directory, copied at submission so later edits do
 * not change the job), inputs/<name>/, outputs/<name>/, logs/output.log, and what the
 * executor's wrapper writes (pid, exit_code). Records say how far a job got (its step, saved
 * as `stage`), so after a restart of the service a running job is watched again, a job that
 * ended meanwhile is accounted for, and no job is ever started twice.
 */
import * as crypto from 'crypto';
import { EventEmitter } from 'events';
import * as fs from 'fs';
import * as path from 'path';
import type { Logger } from 'pino';
import { ApiError } from '../errors';
import type { IJobExecutor, IJobsCapability } from '../platform/jobs';
import type { IStorageProvider } from '../platform/storage';
import type { ICreateJob, IFlavor, IJob, IJobList, IJobListQuery, IJobMetrics, ILogChunk } from '@atelier/api';
import type { TransferManager } from '../transfers';
import { checkWorkspacePath, resolveInWorkspace } from '../workspace';
import { readLogChunk } from './logs';
import { byCreation, FINISHED, IRecord, publicView, setPhase } from './record';
import { chooseFlavor, fieldError, resolveLocation, resolveProgram, snapshotCode, unique } from './request';
import { JobLifecycle } from './lifecycle';
import { JobMetricsStore } from './metrics';
import type { IStagingContext } from './staging';
import { IJobSummary, JobStore } from './store';

export interface IJobManagerOptions {
  dir: string;
  workspace: string;
  jobs: IJobsCapability;
  storage: IStorageProvider | null;
  transfers: TransferManager | null;
  /** Python for boot files and notebooks. */
  python: string;
  /** Seconds between SIGTERM and SIGKILL when stopping. */
  graceSeconds: number;
  /** How often a running job's state is checked, in ms. */
  pollMs: number;
  /** Environment variables never passed to jobs (credentials of the service). */
  secretEnv: string[];
  logger: Logger;
}

export class JobManager extends EventEmitter {
  constructor(private readonly _options: IJobManagerOptions) {
    super();
    this.setMaxListeners(0);
    fs.mkdirSync(_options.dir, { recursive: true, mode: 0o700 });
    this._store = new JobStore(_options.dir, _options.logger);
    this._life = new JobLifecycle({
      dir: this._options.dir,
      pollMs: this._options.pollMs,
      graceSeconds: this._options.graceSeconds,
      logger: this._options.logger,
      executor: () => this.executor,
      staging: () => this._staging,
      closing: () => this._closing,
      save: record => this._save(record),
      changed: record => this._changed(record),
      finished: record => this.emit('finished', publicView(record)),
      stop: (id, reason) => this.stop(id, reason)
    });
  }

  get executor(): IJobExecutor {
    return this._options.jobs.executor;
  }

  /** Opens the records (the index, and the unfinished jobs whole) and takes up every unfinished job where it stood. */
  async start(): Promise<void> {
    for (const record of await this._store.open()) {
      this._records.set(record.id, record);
    }
    for (const record of [...this._records.values()].sort(byCreation)) {
      this._options.logger.info({ id: record.id, stage: record.stage }, 'taking up a job after a restart');
      if (record.stage === 'staging') {
        record.stage = 'queued'; // the program never started: staging is repeated
      }
      if (record.stage === 'submitting') {
        const handle = await this.executor.recover?.(record.launch!).catch(() => null);
        if (handle) {
          record.handle = handle;
          record.stage = 'submitted';
          record.status.externalId = handle.externalId;
        } else {
          record.stage = 'queued'; // it had not started: it starts now, once
        }
        await this._save(record);
      }
      if (record.stage === 'submitted') {
        this.executor.adopt?.(record.handle!);
        this._track(record, this._life.watch(record));
      } else if (record.stage === 'finishing') {
        this._track(record, this._life.finish(record));
      }
    }
    this._pump();
  }

  /** The flavors jobs can choose from (marked selectable or not, with the reason). */
  async flavors(): Promise<IFlavor[]> {
    const { capacity } = this._options.jobs;
    return (await this._options.jobs.flavors()).map(flavor => {
      if (this.executor.queues) {
        // A scheduler (Slurm) decides what fits its nodes, not this machine.
        const { reason: _reason, ...rest } = flavor;
        void _reason;
        return { ...rest, selectable: true };
      }
      // A flavor larger than what the service runs at once would wait in the queue for ever.
      const fits =
        flavor.cpus <= capacity.cpus && flavor.memoryMiB <= capacity.memoryMiB && flavor.gpus <= capacity.gpus;
      return fits || !flavor.selectable
        ? flavor
        : { ...flavor, selectable: false, reason: `The flavor "${flavor.id}" is larger than this machine.` };
    });
  }

  /** One page of the jobs that match `query`. */
  async list(query: IJobListQuery): Promise<IJobList> {
    const page = this._store.query(query);
    const jobs = await Promise.all(page.ids.map(id => this._view(id)));
    return {
      jobs: jobs.filter((job): job is IJob => job !== null),
      total: page.total,
      ...(page.next ? { next: page.next } : {})
    };
  }

  async get(id: string): Promise<IJob> {
    this._summary(id);
    const job = await this._view(id);
    if (!job) {
      throw new ApiError(404, 'not_found', `There is no job "${id}".`);
    }
    return job;
  }

  /** Whether the job has finished (a 404 if there is no such job). */
  isFinished(id: string): boolean {
    return FINISHED.has(this._summary(id).phase);
  }

  /** Checks the request (4xx with the field at fault), snapshots the code, records and queues the job. */
  async create(request: ICreateJob): Promise<IJob> {
    const flavor = chooseFlavor(await this.flavors(), request.flavorId);
    this.executor.check({ flavor, nodeCount: request.nodeCount, image: request.image });
    const program = await resolveProgram(request, this._options.workspace);
    const { workspace, storage } = this._options;
    await Promise.all(request.inputs.map(input => resolveLocation(input, 'input', workspace, storage)));
    const outputs = await Promise.all(
      request.outputs.map(output => resolveLocation(output, 'output', workspace, storage))
    );
    unique(request.inputs, 'input');
    unique(request.outputs, 'output');
    for (const [i, output] of outputs.entries()) {
      if (output.kind === 'workspace') {
        const target = await resolveInWorkspace(this._options.workspace, output.path);
        const stat = await fs.promises.stat(target).catch(() => null);
        if (stat && !stat.isDirectory()) {
          throw fieldError(`outputs[${i}].uri`, `"${output.path}" is a file; an output goes to a folder.`);
        }
      }
    }

    const id = `${new Date().toISOString().slice(0, 10).replace(/-/g, '')}-${crypto.randomBytes(4).toString('hex')}`;
    const dir = path.join(this._options.dir, id);
    await fs.promises.mkdir(path.join(dir, 'logs'), { recursive: true, mode: 0o700 });
    try {
      await snapshotCode(this._options.workspace, program.codeDir, path.join(dir, 'code'));
      const now = new Date().toISOString();
      const record: IRecord = {
        id,
        kind: 'job',
        metadata: {
          name: request.name,
          ...(request.description ? { description: request.description } : {}),
          createdAt: now
        },
        spec: request,
        flavor,
        executor: this.executor.name,
        stage: 'queued',
        program,
        status: { phase: 'Pending', message: 'Queued', duration: 0, timeline: [{ phase: 'Pending', at: now }] }
      };
      this._records.set(id, record);
      await this._save(record);
      this._changed(record);
      this._pump();
      return publicView(record);
    } catch (e) {
      await fs.promises.rm(dir, { recursive: true, force: true });
      throw e;
    }
  }

  /** Stops a job: a queued one at once; a running one with SIGTERM, then SIGKILL after the grace period. */
  async stop(id: string, reason = 'Stopped by the user.'): Promise<IJob> {
    const { phase } = this._summary(id);
    const record = this._records.get(id);
    if (!record || FINISHED.has(phase)) {
      throw new ApiError(
        409,
        'finished',
        `The job has already ${phase === 'Stopped' ? 'stopped' : phase.toLowerCase()}.`
      );
    }
    if (record.stop) {
      return publicView(record);
    }
    record.stop = { at: new Date().toISOString(), reason };
    if (record.stage === 'queued') {
      record.stage = 'done';
      setPhase(record, 'Stopped', reason);
      record.status.reason = reason;
      await this._save(record);
      this._changed(record);
      return publicView(record);
    }
    setPhase(record, 'Stopping', reason);
    await this._save(record);
    this._changed(record);
    const staging = this._downloads.get(id);
    if (staging) {
      // Inputs still being copied: the copy stops, and the program never starts.
      await this._transfers()
        .stop(staging)
        .catch(() => undefined);
    }
    if (record.stage === 'submitted' && record.handle) {
      await this.executor.terminate(record.handle);
      this._life.armKill(record);
    }
    return publicView(record);
  }

  /** Forgets a finished job and removes its folder. */
  async remove(id: string): Promise<void> {
    if (!this.isFinished(id) || this._records.has(id)) {
      throw new ApiError(409, 'active', 'The job has not finished; stop it first.');
    }
    this._metrics.forget(id);
    await this._store.remove(id);
    this.emit('remove', id);
  }

  /** The log from `offset`: at most `limit` bytes. */
  async readLog(id: string, offset: number, limit = 1024 * 1024): Promise<ILogChunk> {
    return readLogChunk(this.logFile(id), offset, limit, this.isFinished(id));
  }

  /** The metrics the job has reported so far (jobs/metrics.ts), read on from where the last call stopped. */
  metrics(id: string): Promise<IJobMetrics> {
    return this._metrics.read(id, path.join(this._options.dir, id), this.isFinished(id));
  }

  logFile(id: string): string {
    this._summary(id);
    return path.join(this._options.dir, id, 'logs', 'output.log');
  }

  /** A file the job wrote into its folder (e.g. the executed notebook), confined to it. */
  async jobFile(id: string, rel: string): Promise<string> {
    this._summary(id);
    const clean = checkWorkspacePath(rel);
    if (clean !== 'output.ipynb' && !clean.startsWith('outputs/')) {
      throw new ApiError(
        404,
        'not_found',
        `The job has no file "${rel}" to share: only output.ipynb and outputs/ are.`
      );
    }
    return resolveInWorkspace(path.join(this._options.dir, id), clean);
  }

  /** Stops watching (service shutdown); running jobs go on and are taken up at the next start. */
  async close(): Promise<void> {
    this._closing = true;
    this._life.clearTimers();
    this.emit('close');
    await Promise.allSettled([...this._tasks.values()]);
    await this._store.settled();
  }

  // -- scheduling -----------------------------------------------------------------------

  /** Starts queued jobs, oldest first, while they fit (or at once, where the executor queues). */
  private _pump(): void {
    if (this._closing) {
      return;
    }
    const { capacity } = this._options.jobs;
    const active = [...this._records.values()].filter(
      r => r.stage !== 'queued' && r.stage !== 'done' && r.stage !== 'finishing'
    );
    const used = { cpus: 0, memoryMiB: 0, gpus: 0, jobs: active.length };
    for (const record of active) {
      used.cpus += record.flavor.cpus;
      used.memoryMiB += record.flavor.memoryMiB;
      used.gpus += record.flavor.gpus;
    }
    for (const record of [...this._records.values()].filter(r => r.stage === 'queued').sort(byCreation)) {
      if (!this.executor.queues) {
        const { flavor } = record;
        const fits =
          used.jobs < capacity.maxJobs &&
          used.cpus + flavor.cpus <= capacity.cpus &&
          used.memoryMiB + flavor.memoryMiB <= capacity.memoryMiB &&
          used.gpus + flavor.gpus <= capacity.gpus;
        if (!fits) {
          const message = `Waiting for capacity: ${used.jobs} job${used.jobs === 1 ? '' : 's'} running`;
          if (record.status.message !== message) {
            record.status.message = message;
            this._changed(record);
          }
          break; // first in, first out: nothing overtakes the oldest waiting job
        }
        used.jobs += 1;
        used.cpus += flavor.cpus;
        used.memoryMiB += flavor.memoryMiB;
        used.gpus += flavor.gpus;
      }
      record.stage = 'staging';
      this._track(record, this._life.launch(record));
    }
  }

  private _track(record: IRecord, task: Promise<void>): void {
    const tracked = task
      .catch(e => this._options.logger.error({ id: record.id, err: e }, 'job bookkeeping failed'))
      .finally(() => {
        this._tasks.delete(record.id);
        this._pump();
      });
    this._tasks.set(record.id, tracked);
  }

  private _transfers(): TransferManager {
    if (!this._options.transfers) {
      throw new ApiError(400, 'capability_missing', 'This platform has no object storage for job inputs and outputs.');
    }
    return this._options.transfers;
  }

  // -- records ----------------------------------------------------------------------------

  private _changed(record: IRecord): void {
    this.emit('change', publicView(record));
  }

  private _summary(id: string): IJobSummary {
    const summary = this._store.summary(id);
    if (!summary) {
      throw new ApiError(404, 'not_found', `There is no job "${id}".`);
    }
    return summary;
  }

  /** The job as the API shows it: from memory while it runs, from its record once finished. */
  private async _view(id: string): Promise<IJob | null> {
    const active = this._records.get(id);
    if (active) {
      return publicView(active);
    }
    const record = await this._store.read(id).catch(() => null);
    return record ? publicView(record) : null;
  }

  /**
   * Writes the record atomically, one write at a time per job, in order. A job that is done
   * is held no longer: its record is read from disk when asked for.
   */
  private async _save(record: IRecord): Promise<void> {
    const saved = this._store.save(record);
    if (record.stage === 'done' && FINISHED.has(record.status.phase)) {
      this._records.delete(record.id);
    }
    await saved;
  }

  /** The jobs that have not finished, whole. */
  private _records = new Map<string, IRecord>();
  private readonly _store: JobStore;
  /** What staging needs; its map holds the input download under way, by job. */
  private get _staging(): IStagingContext {
    const { dir, workspace, storage, python, secretEnv } = this._options;
    return { dir, workspace, storage, python, secretEnv, transfers: () => this._transfers(), staging: this._downloads };
  }
  private _downloads = new Map<string, string>();
  private readonly _metrics = new JobMetricsStore();
  private _tasks = new Map<string, Promise<void>>();
  private _closing = false;
  /** Each job's life, from launch to its final phase. */
  private readonly _life: JobLifecycle;
}
