/**
 * The local executor: each job a process group of its own (the wrapper, the program and its
 * children), started detached so that it outlives a restart of the service, with stdout and
 * stderr appended to the job's log file. Limits per flavor: CPU affinity and memory (see
 * limits.ts). A job is found again after a restart by its pid and the process start time.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import { DomainError } from '../../domain-errors';
import { CpuPool, formatCpuList, MemoryLimits, parseCpuList } from '../../limits';
import { readProc } from '../../usage';
import type { IExecutorStatus, IJobExecutor, IJobHandle, IJobLaunch } from '../jobs';
import { readExitCode, readWrapperPid, writeWrapper } from '../job-wrapper';

export class LocalExecutor implements IJobExecutor {
  readonly name = 'local';
  readonly queues = false;

  constructor(options: { cpus?: CpuPool; memory?: MemoryLimits } = {}) {
    this._cpus = options.cpus ?? new CpuPool();
    this._memory = options.memory ?? new MemoryLimits('atelier-jobs');
  }

  /** How memory limits are applied here: cgroup2, cgroup1 or rlimit. */
  get memoryMethod(): string {
    return this._memory.method;
  }

  check(launch: Pick<IJobLaunch, 'nodeCount' | 'image'>): void {
    if (launch.nodeCount !== 1) {
      throw new DomainError(
        'invalid',
        'invalid_request',
        'The local executor runs jobs on one node; set the node count to 1 or use the Slurm executor.'
      );
    }
    if (launch.image) {
      throw new DomainError(
        'invalid',
        'invalid_request',
        'The local executor runs processes, not container images; leave the image empty.'
      );
    }
  }

  async submit(launch: IJobLaunch): Promise<IJobHandle> {
    const wrapper = writeWrapper(launch.dir);
    const cpus = this._cpus.take(launch.flavor.cpus);
    const bytes = launch.flavor.memoryMiB * 1024 * 1024;
    let cgroup: string | null = null;
    try {
      cgroup = this._memory.create(`job-${launch.id}`, bytes);
    } catch {
      cgroup = null; // the rlimit below still bounds it
    }
    const memoryPrefix = cgroup ? [] : this._memory.prefix(bytes);
    const argv = [
      'taskset',
      '-c',
      formatCpuList(cpus),
      ...(cgroup ? [] : memoryPrefix),
      '/bin/sh',
      wrapper,
      launch.dir,
      ...launch.argv
    ];
    const log = fs.openSync(launch.logFile, 'a', 0o600);
    try {
      const env = { ...launch.env, ...(cgroup ? { ATELIER_CGROUP: cgroup } : {}) };
      const child = spawn(argv[0], argv.slice(1), {
        cwd: launch.cwd,
        env,
        detached: true,
        stdio: ['ignore', log, log]
      });
      const pid = await new Promise<number>((resolve, reject) => {
        child.on('error', reject); // every 'error', also one after the spawn, has a listener
        child.once('spawn', () => resolve(child.pid!));
      });
      child.unref();
      // The parent hears of the wrapper's end at once (it records the exit code before it ends).
      this._ended.set(String(pid), new Promise(resolve => child.once('exit', () => resolve())));
      const stat = readProc(pid);
      return {
        externalId: String(pid),
        data: { start: stat?.start ?? 0, cpus: formatCpuList(cpus), ...(cgroup ? { cgroup } : {}) }
      };
    } catch (e) {
      this._cpus.release(cpus);
      this._memory.remove(cgroup);
      throw new DomainError('failed', 'start_failed', `The job could not be started: ${(e as Error).message}`);
    } finally {
      fs.closeSync(log);
    }
  }

  /** A job submitted just before the service stopped: the wrapper noted its pid. */
  async recover(launch: IJobLaunch): Promise<IJobHandle | null> {
    const pid = readWrapperPid(launch.dir);
    if (pid === null) {
      return null;
    }
    return { externalId: String(pid), data: { start: readProc(pid)?.start ?? 0, cpus: '' } };
  }

  /** Marks the CPUs of a job found running after a restart as taken. */
  adopt(handle: IJobHandle): void {
    const cpus = String(handle.data?.cpus ?? '');
    if (cpus) {
      this._cpus.mark(parseCpuList(cpus));
    }
  }

  /** A process this service started ends with an 'exit' event; one adopted after a restart is polled. */
  whenEnded(handle: IJobHandle): Promise<void> | null {
    return this._ended.get(handle.externalId ?? '') ?? null;
  }

  async status(handle: IJobHandle, launch: IJobLaunch): Promise<IExecutorStatus> {
    if (this._alive(handle)) {
      return { state: 'running' };
    }
    const code = readExitCode(launch.dir);
    if (code !== null) {
      return { state: 'exited', exitCode: code };
    }
    return {
      state: 'lost',
      reason: 'The process ended without recording an exit code (killed, or the machine restarted).'
    };
  }

  async terminate(handle: IJobHandle): Promise<void> {
    this._signal(handle, 'SIGTERM');
  }

  async kill(handle: IJobHandle): Promise<void> {
    this._signal(handle, 'SIGKILL');
    const cgroup = handle.data?.cgroup;
    if (typeof cgroup === 'string') {
      // Anything that left the process group but stayed in the job's cgroup.
      for (const pid of fs.readFileSync(`${cgroup}/cgroup.procs`, 'utf8').split('\n').filter(Boolean)) {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          // gone
        }
      }
    }
  }

  async cleanup(handle: IJobHandle): Promise<void> {
    this._ended.delete(handle.externalId ?? '');
    const cpus = String(handle.data?.cpus ?? '');
    if (cpus) {
      this._cpus.release(parseCpuList(cpus));
    }
    const cgroup = handle.data?.cgroup;
    if (typeof cgroup === 'string') {
      this._memory.remove(cgroup);
    }
  }

  /** The group leader (the wrapper) still runs, and is the same process as when started. */
  private _alive(handle: IJobHandle): boolean {
    const pid = Number(handle.externalId);
    const stat = readProc(pid);
    if (!stat || stat.state === 'Z' || stat.state === 'X') {
      return false;
    }
    const start = Number(handle.data?.start ?? 0);
    return !start || stat.start === start;
  }

  private _signal(handle: IJobHandle, signal: NodeJS.Signals): void {
    if (!this._alive(handle)) {
      return;
    }
    try {
      process.kill(-Number(handle.externalId), signal);
    } catch {
      // the group has gone
    }
  }

  private _cpus: CpuPool;
  private _memory: MemoryLimits;
  /** The end of each process this service started, by pid. */
  private _ended = new Map<string, Promise<void>>();
}
