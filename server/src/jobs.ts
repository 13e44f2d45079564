/**
 * Training jobs: durable records (one folder per job under {dataDir}/jobs, its record in
 * job.json), a queue for executors that do not queue themselves, staging of inputs before and
 * outputs after the program, and the state machine
 *
 *   Pending → Running → (Stopping →) Completed | Failed | Stopped
 *
 * The job's folder holds code/ (the code directory, copied at submission so later edits do
 * not change the job), inputs/<name>/, outputs/<name>/, logs/output.log, and what the
 * executor's wrapper writes (pid, exit_code). Records say how far a job got (`stage`), so after
 * a restart of the service a running job is watched again, a job that ended meanwhile is
 * accounted for, and no job is ever started twice.
 */
import * as crypto from 'crypto';
import { EventEmitter } from 'events';
import * as fs from 'fs';
import * as path from 'path';
import type { Logger } from 'pino';
import { RecordWriter } from './durable';
import { ApiError } from './errors';
import type { IJobExecutor, IJobHandle, IJobLaunch, IJobsCapability } from './platform/jobs';
import type { IStorageProvider } from './platform/storage';
import { checkBucket, checkKey, objectExists } from './platform/storage';
import type { IFlavor } from './schemas/flavors';
import type { ICreateJob, IJob, IJobData, IJobPhase, ILogChunk } from './schemas/jobs';
import type { TransferManager } from './transfers';
import { RESOURCES_DIR } from './paths';
import { checkWorkspacePath, resolveInWorkspace } from './workspace';

type Stage = 'queued' | 'staging' | 'submitting' | 'submitted' | 'finishing' | 'done';

interface IRecord extends IJob {
  stage: Stage;
  /** The program inside the code snapshot. */
  program: { bootFile?: string; notebook?: string };
  launch?: IJobLaunch;
  handle?: IJobHandle;
  /** Set when a user (or the runtime limit) asked the job to stop. */
  stop?: { at: string; reason: string; forced?: boolean };
  /** The exit code and reason once the program has ended (before the outputs are uploaded). */
  ended?: { exitCode?: number; reason?: string; lost?: boolean };
}

const FINISHED = new Set<IJobPhase>(['Completed', 'Failed', 'Stopped']);
const CODE_LIMITS = { files: 1000, bytes: 1024 * 1024 * 1024 };

/** A storage location named by a URI, or a workspace path. */
type Location =
  { kind: 'storage'; endpoint: string; bucket: string; key: string } | { kind: 'workspace'; path: string };

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
  }

  get executor(): IJobExecutor {
    return this._options.jobs.executor;
  }

  /** Loads the records and takes up every unfinished job where it stood. */
  async start(): Promise<void> {
    for (const name of await fs.promises.readdir(this._options.dir)) {
      const file = path.join(this._options.dir, name, 'job.json');
      try {
        const record = JSON.parse(await fs.promises.readFile(file, 'utf8')) as IRecord;
        this._records.set(record.id, record);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
          this._options.logger.warn({ job: name, err: e }, 'skipping an unreadable job record');
        }
      }
    }
    for (const record of [...this._records.values()].sort(byCreation)) {
      if (FINISHED.has(record.status.phase)) {
        continue;
      }
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
        this._track(record, this._watch(record));
      } else if (record.stage === 'finishing') {
        this._track(record, this._finish(record));
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

  list(): IJob[] {
    return [...this._records.values()]
      .sort(byCreation)
      .reverse()
      .map(r => this._view(r));
  }

  get(id: string): IJob {
    return this._view(this._record(id));
  }

  /** Checks the request (4xx with the field at fault), snapshots the code, records and queues the job. */
  async create(request: ICreateJob): Promise<IJob> {
    const flavor = await this._flavor(request.flavorId);
    this.executor.check({ flavor, nodeCount: request.nodeCount, image: request.image });
    const program = await this._program(request);
    await Promise.all(request.inputs.map(input => this._location(input, 'input')));
    const outputs = await Promise.all(request.outputs.map(output => this._location(output, 'output')));
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
      await this._snapshot(program.codeDir, path.join(dir, 'code'));
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
        program: { bootFile: program.bootFile, notebook: program.notebook },
        status: { phase: 'Pending', message: 'Queued', duration: 0, timeline: [{ phase: 'Pending', at: now }] }
      };
      this._records.set(id, record);
      await this._save(record);
      this._changed(record);
      this._pump();
      return this._view(record);
    } catch (e) {
      await fs.promises.rm(dir, { recursive: true, force: true });
      throw e;
    }
  }

  /** Stops a job: a queued one at once; a running one with SIGTERM, then SIGKILL after the grace period. */
  async stop(id: string, reason = 'Stopped by the user.'): Promise<IJob> {
    const record = this._record(id);
    if (FINISHED.has(record.status.phase)) {
      throw new ApiError(
        409,
        'finished',
        `The job has already ${record.status.phase === 'Stopped' ? 'stopped' : record.status.phase.toLowerCase()}.`
      );
    }
    if (record.stop) {
      return this._view(record);
    }
    record.stop = { at: new Date().toISOString(), reason };
    if (record.stage === 'queued') {
      record.stage = 'done';
      this._phase(record, 'Stopped', reason);
      record.status.reason = reason;
      await this._save(record);
      this._changed(record);
      return this._view(record);
    }
    this._phase(record, 'Stopping', reason);
    await this._save(record);
    this._changed(record);
    const staging = this._staging.get(id);
    if (staging) {
      // Inputs still downloading: the download stops, and the program never starts.
      await this._transfers()
        .cancel(staging)
        .catch(() => undefined);
    }
    if (record.stage === 'submitted' && record.handle) {
      await this.executor.terminate(record.handle);
      this._armKill(record);
    }
    return this._view(record);
  }

  /** Forgets a finished job and removes its folder. */
  async remove(id: string): Promise<void> {
    const record = this._record(id);
    if (!FINISHED.has(record.status.phase)) {
      throw new ApiError(409, 'active', 'The job has not finished; stop it first.');
    }
    this._records.delete(id);
    await this._writer.forget(id);
    await fs.promises.rm(path.join(this._options.dir, id), { recursive: true, force: true });
    this.emit('remove', id);
  }

  /** The log from `offset`: at most `limit` bytes. */
  async readLog(id: string, offset: number, limit = 1024 * 1024): Promise<ILogChunk> {
    const record = this._record(id);
    const file = this.logFile(id);
    const handle = await fs.promises.open(file, 'r').catch(() => null);
    if (!handle) {
      return { text: '', offset, nextOffset: offset, size: 0, complete: FINISHED.has(record.status.phase) };
    }
    try {
      const { size } = await handle.stat();
      const start = Math.min(Math.max(0, offset), size);
      const length = Math.min(Math.max(limit, 4), size - start); // room for one whole UTF-8 character
      const buffer = Buffer.allocUnsafe(length);
      const { bytesRead } = await handle.read(buffer, 0, length, start);
      // Never cut a UTF-8 character: stop before an incomplete one at the end (while the job
      // runs, the program may be in the middle of writing one).
      const finished = FINISHED.has(record.status.phase);
      const end = bytesRead < size - start || !finished ? utf8Boundary(buffer, bytesRead) : bytesRead;
      return {
        text: buffer.subarray(0, end).toString('utf8'),
        offset: start,
        nextOffset: start + end,
        size,
        complete: finished && start + end >= size
      };
    } finally {
      await handle.close();
    }
  }

  logFile(id: string): string {
    this._record(id);
    return path.join(this._options.dir, id, 'logs', 'output.log');
  }

  /** A file the job wrote into its folder (e.g. the executed notebook), confined to it. */
  async jobFile(id: string, rel: string): Promise<string> {
    this._record(id);
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
    for (const timer of this._timers.values()) {
      clearTimeout(timer);
    }
    this.emit('close');
    await Promise.allSettled([...this._tasks.values()]);
    await this._writer.settled();
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
      this._track(record, this._launch(record));
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

  // -- one job's life ---------------------------------------------------------------------

  private async _launch(record: IRecord): Promise<void> {
    const dir = path.join(this._options.dir, record.id);
    try {
      if (record.spec.inputs.length) {
        record.status.message = 'Preparing inputs';
        this._changed(record);
      }
      const launch = await this._prepare(record, dir);
      if (record.stop) {
        await this._end(record, 'Stopped', record.stop.reason);
        return;
      }
      record.launch = launch;
      record.stage = 'submitting';
      await this._save(record);
      const handle = await this.executor.submit(launch);
      record.handle = handle;
      record.stage = 'submitted';
      record.status.externalId = handle.externalId;
      record.status.message = undefined;
      if (!this.executor.queues && record.status.phase === 'Pending') {
        this._phase(record, 'Running'); // a local process runs once it is spawned
      }
      await this._save(record);
      this._changed(record);
    } catch (e) {
      if (this._closing) {
        return;
      }
      if (record.stop && !record.handle) {
        await this._end(record, 'Stopped', record.stop.reason);
        return;
      }
      const message = e instanceof ApiError ? e.message : `The job could not be started: ${(e as Error).message}`;
      this._options.logger.warn({ id: record.id, err: { message: (e as Error).message } }, 'job failed to start');
      await fs.promises
        .appendFile(path.join(dir, 'logs', 'output.log'), `[atelier] ${message}\n`)
        .catch(() => undefined);
      record.ended = { reason: message };
      record.stage = 'finishing';
      await this._finish(record);
      return;
    }
    if (record.stop && record.handle) {
      await this.executor.terminate(record.handle);
      this._armKill(record);
    }
    await this._watch(record);
  }

  /** Polls the executor until the program has ended, then finishes the job. */
  private async _watch(record: IRecord): Promise<void> {
    const launch = record.launch!;
    const handle = record.handle!;
    if (record.stop && !this._timers.has(record.id)) {
      this._armKill(record); // a stop that began before a restart
    }
    this._armRuntimeLimit(record);
    while (!this._closing) {
      await this._pullLog(record);
      const status = await this.executor.status(handle, launch).catch(e => {
        this._options.logger.warn({ id: record.id, err: { message: (e as Error).message } }, 'checking a job failed');
        return null;
      });
      if (status?.phase === 'running' && record.status.phase === 'Pending') {
        this._phase(record, 'Running');
        record.status.message = undefined;
        await this._save(record);
        this._changed(record);
      } else if (status?.phase === 'pending' && record.status.phase === 'Pending') {
        const message = status.reason
          ? `Queued in ${this.executor.name}: ${status.reason}`
          : `Queued in ${this.executor.name}`;
        if (record.status.message !== message) {
          record.status.message = message;
          this._changed(record);
        }
      } else if (status?.phase === 'exited' || status?.phase === 'lost') {
        await this._pullLog(record);
        if (record.status.phase === 'Pending' && status.phase === 'exited') {
          this._phase(record, 'Running'); // it ran, between two looks
        }
        record.ended = { exitCode: status.exitCode, reason: status.reason, lost: status.phase === 'lost' };
        record.stage = 'finishing';
        await this._save(record);
        await this._finish(record);
        return;
      }
      await delay(this._options.pollMs);
    }
  }

  /** Copies new log bytes from executors that keep the log themselves (see IJobExecutor.fetchLog). */
  private async _pullLog(record: IRecord): Promise<void> {
    if (!this.executor.fetchLog || !record.handle || !record.launch) {
      return;
    }
    const file = record.launch.logFile;
    const have = (await fs.promises.stat(file).catch(() => null))?.size ?? 0;
    const bytes = await this.executor.fetchLog(record.handle, have).catch(() => null);
    if (bytes?.length) {
      await fs.promises.appendFile(file, bytes);
    }
  }

  /** Uploads the outputs (whatever the program's end), releases resources, settles the phase. */
  private async _finish(record: IRecord): Promise<void> {
    const dir = path.join(this._options.dir, record.id);
    this._clearTimer(record.id);
    if (record.handle) {
      await this.executor.cleanup?.(record.handle).catch(() => undefined);
    }
    const log = (line: string) =>
      fs.promises.appendFile(path.join(dir, 'logs', 'output.log'), `[atelier] ${line}\n`).catch(() => undefined);
    let outputProblem: string | undefined;
    if (record.launch && record.spec.outputs.length) {
      record.status.message = 'Uploading outputs';
      this._changed(record);
      for (const output of record.spec.outputs) {
        try {
          await this._deliver(record, output, dir);
          await log(`output "${output.name}" delivered to ${output.uri}`);
        } catch (e) {
          if (this._closing) {
            return; // finished at the next start
          }
          outputProblem = `The output "${output.name}" could not be delivered to ${output.uri}: ${(e as Error).message}`;
          await log(outputProblem);
        }
      }
    }
    const ended = record.ended ?? {};
    if (record.stop) {
      await this._end(record, 'Stopped', record.stop.reason, ended.exitCode);
    } else if (ended.exitCode === 0 && !outputProblem) {
      await this._end(record, 'Completed', undefined, 0);
    } else {
      const reason =
        outputProblem && ended.exitCode === 0
          ? outputProblem
          : (ended.reason ??
            (ended.exitCode !== undefined ? describeExit(ended.exitCode) : 'The job ended without an exit code.'));
      await this._end(record, 'Failed', reason, ended.exitCode);
    }
    await log(
      `job ${record.status.phase.toLowerCase()}${record.status.exitCode !== undefined ? ` (exit code ${record.status.exitCode})` : ''}`
    );
  }

  private async _end(record: IRecord, phase: IJobPhase, reason?: string, exitCode?: number): Promise<void> {
    record.stage = 'done';
    this._phase(record, phase, reason);
    record.status.message = undefined;
    if (reason) {
      record.status.reason = reason;
    }
    if (exitCode !== undefined) {
      record.status.exitCode = exitCode;
    }
    await this._save(record);
    this._changed(record);
    this.emit('finished', this._view(record));
  }

  private _armKill(record: IRecord): void {
    this._clearTimer(record.id);
    const elapsed = Date.now() - Date.parse(record.stop!.at);
    const wait = Math.max(0, this._options.graceSeconds * 1000 - elapsed);
    this._timers.set(
      record.id,
      setTimeout(() => {
        this._timers.delete(record.id);
        if (record.handle && record.stage === 'submitted') {
          record.stop!.forced = true;
          void this.executor
            .kill(record.handle)
            .catch(e => this._options.logger.warn({ id: record.id, err: e }, 'killing a job failed'));
        }
      }, wait)
    );
  }

  private _armRuntimeLimit(record: IRecord): void {
    const minutes = record.spec.maxRuntimeMinutes;
    if (!minutes || record.stop || this.executor.queues) {
      return; // executors that queue enforce it themselves (Slurm's --time)
    }
    const started = Date.parse(record.status.startedAt ?? new Date().toISOString());
    const wait = Math.max(0, started + minutes * 60000 - Date.now());
    this._timers.set(
      record.id,
      setTimeout(() => {
        this._timers.delete(record.id);
        void this.stop(
          record.id,
          `The job exceeded its maximum runtime of ${minutes} minute${minutes === 1 ? '' : 's'}.`
        ).catch(() => undefined);
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

  // -- preparing ------------------------------------------------------------------------

  /** Stages inputs, makes output folders, and says what to run with which environment. */
  private async _prepare(record: IRecord, dir: string): Promise<IJobLaunch> {
    const { spec } = record;
    const env: Record<string, string> = {};
    for (const [name, value] of Object.entries(process.env)) {
      if (
        value !== undefined &&
        !this._options.secretEnv.includes(name) &&
        !name.startsWith('ATELIER_') &&
        !name.startsWith('JUPYTER_')
      ) {
        env[name] = value;
      }
    }
    const parameters = Object.fromEntries(spec.parameters.map(p => [p.name, p.value]));
    Object.assign(env, {
      PYTHONUNBUFFERED: '1',
      ATELIER_JOB_ID: record.id,
      ATELIER_JOB_NAME: record.metadata.name,
      ATELIER_JOB_DIR: dir,
      ATELIER_FLAVOR: record.flavor.id,
      ATELIER_CPUS: String(record.flavor.cpus),
      ATELIER_MEMORY_MIB: String(record.flavor.memoryMiB),
      ATELIER_NODE_COUNT: String(spec.nodeCount),
      ATELIER_PARAMETERS: JSON.stringify(parameters)
    });
    for (const input of spec.inputs) {
      const target = path.join(dir, 'inputs', input.name);
      await this._stageInput(record, input, target);
      env[`ATELIER_INPUT_${input.name.toUpperCase()}`] = target;
    }
    for (const output of spec.outputs) {
      const target = path.join(dir, 'outputs', output.name);
      await fs.promises.mkdir(target, { recursive: true });
      env[`ATELIER_OUTPUT_${output.name.toUpperCase()}`] = target;
    }
    Object.assign(env, spec.environments);

    const code = path.join(dir, 'code');
    const { program } = record;
    const args = spec.parameters.map(p => `--${p.name}=${p.value}`);
    let argv: string[];
    if (spec.command) {
      argv = ['/bin/sh', '-c', `${spec.command} "$@"`, 'sh', ...args];
    } else if (program.notebook) {
      const script = path.join(RESOURCES_DIR, 'run_notebook.py');
      argv = [this._options.python, script, program.notebook, path.join(dir, 'output.ipynb')];
    } else if (program.bootFile!.endsWith('.sh')) {
      argv = ['/bin/sh', program.bootFile!, ...args];
    } else {
      argv = [this._options.python, '-u', program.bootFile!, ...args];
    }
    return {
      id: record.id,
      name: record.metadata.name,
      dir,
      argv,
      cwd: code,
      env,
      flavor: record.flavor,
      nodeCount: spec.nodeCount,
      image: spec.image,
      maxRuntimeMinutes: spec.maxRuntimeMinutes,
      logFile: path.join(dir, 'logs', 'output.log')
    };
  }

  /** Storage inputs are downloaded into the job's folder; workspace inputs are linked. */
  private async _stageInput(record: IRecord, input: IJobData, target: string): Promise<void> {
    const location = await this._location(input, 'input');
    await fs.promises.rm(target, { recursive: true, force: true });
    if (location.kind === 'workspace') {
      await fs.promises.mkdir(path.dirname(target), { recursive: true });
      await fs.promises.symlink(await resolveInWorkspace(this._options.workspace, location.path), target);
      return;
    }
    await fs.promises.mkdir(target, { recursive: true });
    const store = this._options.storage!.get(location.endpoint);
    const folder = location.key.endsWith('/') || !(await objectExists(store, location.bucket, location.key));
    const transfer = await this._transfers().create(
      {
        direction: 'download',
        endpoint: location.endpoint,
        bucket: location.bucket,
        key: folder && !location.key.endsWith('/') ? `${location.key}/` : location.key,
        path: path.relative(path.join(this._options.dir, record.id), target),
        overwrite: true
      },
      { root: path.join(this._options.dir, record.id) }
    );
    this._staging.set(record.id, transfer.id);
    const done = await this._transfers()
      .wait(transfer.id)
      .finally(() => this._staging.delete(record.id));
    if (done.state !== 'completed') {
      throw new ApiError(
        502,
        'input_failed',
        `The input "${input.name}" could not be downloaded: ${done.error?.message ?? done.state}`
      );
    }
  }

  private async _deliver(record: IRecord, output: IJobData, dir: string): Promise<void> {
    const location = await this._location(output, 'output');
    const source = path.join(dir, 'outputs', output.name);
    if (location.kind === 'workspace') {
      const target = await resolveInWorkspace(this._options.workspace, location.path);
      await fs.promises.mkdir(target, { recursive: true });
      await fs.promises.cp(source, target, {
        recursive: true,
        force: true,
        verbatimSymlinks: true,
        filter: noLinksOut(source)
      });
      return;
    }
    const transfer = await this._transfers().create(
      {
        direction: 'upload',
        endpoint: location.endpoint,
        bucket: location.bucket,
        key: location.key === '' || location.key.endsWith('/') ? location.key || '' : `${location.key}/`,
        path: `outputs/${output.name}`,
        overwrite: true
      },
      { root: dir }
    );
    const done = await this._transfers().wait(transfer.id);
    if (done.state !== 'completed') {
      throw new Error(done.error?.message ?? `the upload ended ${done.state}`);
    }
  }

  private _transfers(): TransferManager {
    if (!this._options.transfers) {
      throw new ApiError(400, 'capability_missing', 'This platform has no object storage for job inputs and outputs.');
    }
    return this._options.transfers;
  }

  // -- checking requests ------------------------------------------------------------------

  private async _flavor(id: string | undefined): Promise<IFlavor> {
    const catalog = await this.flavors();
    if (id === undefined) {
      const smallest = [...catalog]
        .filter(f => f.selectable)
        .sort((a, b) => a.cpus - b.cpus || a.memoryMiB - b.memoryMiB)[0];
      if (!smallest) {
        throw fieldError('flavorId', 'No flavor of the catalog can run here.');
      }
      return smallest;
    }
    const flavor = catalog.find(f => f.id === id);
    if (!flavor) {
      throw fieldError('flavorId', `There is no flavor "${id}"; choose one of ${catalog.map(f => f.id).join(', ')}.`);
    }
    if (!flavor.selectable) {
      throw fieldError('flavorId', flavor.reason ?? `The flavor "${id}" cannot run here.`);
    }
    return flavor;
  }

  /** The code folder to snapshot and the program in it (paths relative to the snapshot). */
  private async _program(spec: ICreateJob): Promise<{ codeDir: string | null; bootFile?: string; notebook?: string }> {
    const chosen = [spec.bootFile, spec.notebook, spec.command].filter(v => v !== undefined && v !== '');
    if (chosen.length !== 1) {
      throw fieldError(
        'bootFile',
        chosen.length
          ? 'Give only one of a boot file, a notebook or a command.'
          : 'Give a boot file, a notebook or a command to run.'
      );
    }
    const field = spec.bootFile ? 'bootFile' : spec.notebook ? 'notebook' : 'command';
    const file = spec.bootFile || spec.notebook;
    let codeDir: string | null = null;
    if (spec.codeDir !== undefined && spec.codeDir !== '') {
      codeDir = checkPath('codeDir', spec.codeDir);
      const stat = await fs.promises.stat(await resolveInWorkspace(this._options.workspace, codeDir)).catch(() => null);
      if (!stat?.isDirectory()) {
        throw fieldError('codeDir', `"${spec.codeDir}" is not a folder in the workspace.`);
      }
    }
    if (!file) {
      return { codeDir };
    }
    const rel = checkPath(field, file);
    if (field === 'bootFile' && !/\.(py|sh)$/.test(rel)) {
      throw fieldError('bootFile', 'The boot file must be a Python (.py) or shell (.sh) file.');
    }
    if (field === 'notebook' && !rel.endsWith('.ipynb')) {
      throw fieldError('notebook', 'The notebook must be an .ipynb file.');
    }
    const stat = await fs.promises.stat(await resolveInWorkspace(this._options.workspace, rel)).catch(() => null);
    if (!stat?.isFile()) {
      throw fieldError(field, `"${file}" does not exist in the workspace.`);
    }
    if (codeDir === null) {
      codeDir = path.posix.dirname(rel) === '.' ? '' : path.posix.dirname(rel);
    } else if (codeDir !== '' && !rel.startsWith(`${codeDir}/`)) {
      throw fieldError(field, `"${file}" is not inside the code directory "${spec.codeDir}".`);
    }
    const inside = codeDir === '' ? rel : rel.slice(codeDir.length + 1);
    return field === 'bootFile' ? { codeDir, bootFile: inside } : { codeDir, notebook: inside };
  }

  private async _location(data: IJobData, kind: 'input' | 'output'): Promise<Location> {
    const match = /^([a-z0-9]+):\/\/([^/]+)\/?(.*)$/.exec(data.uri);
    if (!match) {
      const rel = checkPath(`${kind}s.${data.name}`, data.uri);
      if (kind === 'input') {
        const exists = await fs.promises.stat(await resolveInWorkspace(this._options.workspace, rel)).catch(() => null);
        if (!exists) {
          throw fieldError(`inputs.${data.name}`, `"${data.uri}" does not exist in the workspace.`);
        }
      }
      return { kind: 'workspace', path: rel };
    }
    const [, scheme, bucket, key] = match;
    const storage = this._options.storage;
    if (!storage) {
      throw fieldError(`${kind}s.${data.name}`, 'This platform has no object storage: give a workspace path.');
    }
    const endpoints = storage.endpoints();
    const endpoint = data.endpoint
      ? endpoints.find(e => e.id === data.endpoint)
      : endpoints.find(e => e.scheme === scheme);
    if (!endpoint) {
      throw fieldError(
        `${kind}s.${data.name}`,
        data.endpoint
          ? `There is no storage endpoint "${data.endpoint}".`
          : `No storage endpoint serves "${scheme}://" URIs.`
      );
    }
    try {
      checkBucket(bucket);
      if (key) {
        checkKey(key);
      }
    } catch (e) {
      throw fieldError(`${kind}s.${data.name}`, (e as Error).message);
    }
    return { kind: 'storage', endpoint: endpoint.id, bucket, key };
  }

  /** Copies the code folder (regular files and folders; links are not followed out). */
  private async _snapshot(codeDir: string | null, target: string): Promise<void> {
    await fs.promises.mkdir(target, { recursive: true });
    if (codeDir === null) {
      return;
    }
    const source = await resolveInWorkspace(this._options.workspace, codeDir);
    let files = 0;
    let bytes = 0;
    const walk = async (from: string, to: string): Promise<void> => {
      for (const entry of await fs.promises.readdir(from, { withFileTypes: true })) {
        if (entry.name === '.ipynb_checkpoints' || entry.name === '__pycache__') {
          continue;
        }
        const a = path.join(from, entry.name);
        const b = path.join(to, entry.name);
        if (entry.isDirectory()) {
          await fs.promises.mkdir(b);
          await walk(a, b);
        } else if (entry.isFile()) {
          files += 1;
          bytes += (await fs.promises.stat(a)).size;
          if (files > CODE_LIMITS.files || bytes > CODE_LIMITS.bytes) {
            throw fieldError(
              'codeDir',
              `The code directory "${codeDir || '/'}" has more than ${CODE_LIMITS.files} files or 1 GiB; choose the folder with just the code.`
            );
          }
          await fs.promises.copyFile(a, b);
        }
      }
    };
    await walk(source, target);
  }

  // -- records ----------------------------------------------------------------------------

  private _phase(record: IRecord, phase: IJobPhase, message?: string): void {
    const now = new Date().toISOString();
    record.status.phase = phase;
    record.status.timeline.push(message ? { phase, at: now, message } : { phase, at: now });
    if (phase === 'Running') {
      record.status.startedAt = now;
    }
    if (FINISHED.has(phase)) {
      record.status.finishedAt = now;
    }
  }

  private _view(record: IRecord): IJob {
    const {
      stage: _stage,
      program: _program,
      launch: _launch,
      handle: _handle,
      stop: _stop,
      ended: _ended,
      ...view
    } = record;
    void _stage;
    void _program;
    void _launch;
    void _handle;
    void _stop;
    void _ended;
    const started = record.status.startedAt ? Date.parse(record.status.startedAt) : null;
    const end = record.status.finishedAt ? Date.parse(record.status.finishedAt) : Date.now();
    return JSON.parse(
      JSON.stringify({
        ...view,
        status: { ...view.status, duration: started ? Math.max(0, (end - started) / 1000) : 0 }
      })
    );
  }

  private _changed(record: IRecord): void {
    this.emit('change', this._view(record));
  }

  private _record(id: string): IRecord {
    const record = this._records.get(id);
    if (!record) {
      throw new ApiError(404, 'not_found', `There is no job "${id}".`);
    }
    return record;
  }

  /** Writes the record atomically, one write at a time per job, in order. */
  private _save(record: IRecord): Promise<void> {
    const file = path.join(this._options.dir, record.id, 'job.json');
    return this._writer.write(record.id, file, JSON.stringify(record), () => this._records.has(record.id));
  }

  private _records = new Map<string, IRecord>();
  /** The input download under way, by job. */
  private _staging = new Map<string, string>();
  private _tasks = new Map<string, Promise<void>>();
  private _timers = new Map<string, NodeJS.Timeout>();
  private _writer = new RecordWriter((e, id) =>
    this._options.logger.error({ err: e, id }, 'saving a job record failed')
  );
  private _closing = false;
}

function byCreation(a: IRecord, b: IRecord): number {
  return a.metadata.createdAt.localeCompare(b.metadata.createdAt) || a.id.localeCompare(b.id);
}

function delay(ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms));
}

/** A 400 that names the form field at fault (`field`), so the form can show it beside it. */
export function fieldError(field: string, message: string): ApiError {
  const error = new ApiError(400, 'invalid_field', message);
  error.field = field;
  return error;
}

function checkPath(field: string, rel: string): string {
  try {
    return checkWorkspacePath(rel);
  } catch (e) {
    throw fieldError(field, (e as Error).message);
  }
}

function unique(items: IJobData[], kind: string): void {
  const seen = new Set<string>();
  for (const item of items) {
    const name = item.name.toUpperCase();
    if (seen.has(name)) {
      throw fieldError(`${kind}s`, `Two ${kind}s are named "${item.name}"; names must differ (ignoring case).`);
    }
    seen.add(name);
  }
}

export function describeExit(code: number): string {
  if (code > 128 && code < 160) {
    const names: Record<number, string> = { 6: 'SIGABRT', 9: 'SIGKILL', 11: 'SIGSEGV', 15: 'SIGTERM' };
    const signal = code - 128;
    const extra = signal === 9 ? ' (killed; out of memory?)' : '';
    return `The program was ended by ${names[signal] ?? `signal ${signal}`}${extra}.`;
  }
  return `The program exited with code ${code}.`;
}

/** Copies nothing that a link would take out of the job's outputs folder. */
function noLinksOut(root: string): (source: string) => Promise<boolean> {
  return async source => {
    const stat = await fs.promises.lstat(source);
    if (!stat.isSymbolicLink()) {
      return true;
    }
    const real = await fs.promises.realpath(source).catch(() => null);
    return real !== null && (real === root || real.startsWith(root + path.sep));
  };
}

/** The largest length ≤ `end` that does not cut a UTF-8 sequence. */
function utf8Boundary(buffer: Buffer, end: number): number {
  let i = end;
  let back = 0;
  while (i > 0 && back < 4 && (buffer[i - 1] & 0xc0) === 0x80) {
    i--;
    back++;
  }
  if (i > 0) {
    const lead = buffer[i - 1];
    const need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
    if (need > back + 1) {
      return i - 1;
    }
  }
  return end;
}
