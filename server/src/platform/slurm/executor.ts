/**
 * The Slurm executor: `sbatch` submits the job's wrapper as a batch script (node count →
 * --nodes, flavor → --cpus-per-task / --mem / --gres), `scontrol show job` reports its state,
 * `scancel` stops it. Logs and the exit code are files in the job's folder, which must be on
 * a filesystem the compute nodes share with the service (one node: any folder).
 */
import { execFile } from 'child_process';
import * as path from 'path';
import { DomainError } from '../../domain-errors';
import type { IExecutorStatus, IJobExecutor, IJobHandle, IJobLaunch } from '../jobs';
import { readExitCode, writeWrapper } from '../job-wrapper';

export interface ISlurmOptions {
  partition?: string;
  account?: string;
  /** slurm.conf for the client commands (SLURM_CONF); default: Slurm's own. */
  conf?: string;
  /** Folder of sbatch, squeue, scontrol, scancel; default: PATH. */
  binDir?: string;
  /** More sbatch options, e.g. ["--qos=normal"]. */
  extraArgs?: string[];
}

const PENDING = new Set([
  'PENDING',
  'CONFIGURING',
  'REQUEUED',
  'REQUEUE_HOLD',
  'REQUEUE_FED',
  'RESV_DEL_HOLD',
  'SUSPENDED',
  'STOPPED',
  'RESIZING'
]);
const RUNNING = new Set(['RUNNING', 'COMPLETING', 'SIGNALING', 'STAGE_OUT']);
const REASONS: Record<string, string> = {
  TIMEOUT: 'Slurm ended the job at its time limit.',
  OUT_OF_MEMORY: 'Slurm ended the job: it ran out of memory.',
  NODE_FAIL: 'The node running the job failed.',
  BOOT_FAIL: 'The node could not boot for the job.',
  DEADLINE: 'Slurm ended the job at its deadline.',
  PREEMPTED: 'Slurm preempted the job.',
  CANCELLED: 'The job was cancelled in Slurm.'
};

/** Fields of `scontrol show job -o` (one line of key=value pairs). */
export function parseScontrol(line: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const match of line.matchAll(/(\S+?)=(\S*)/g)) {
    if (!(match[1] in fields)) {
      fields[match[1]] = match[2];
    }
  }
  return fields;
}

export class SlurmExecutor implements IJobExecutor {
  readonly name = 'slurm';
  readonly queues = true;

  constructor(private readonly _options: ISlurmOptions = {}) {}

  check(launch: Pick<IJobLaunch, 'image'>): void {
    if (launch.image) {
      throw new DomainError(
        'invalid',
        'invalid_request',
        'The Slurm executor runs programs on the nodes, not container images; leave the image empty.'
      );
    }
  }

  async submit(launch: IJobLaunch): Promise<IJobHandle> {
    const wrapper = writeWrapper(launch.dir);
    const { flavor } = launch;
    const args = [
      '--parsable',
      `--job-name=${jobName(launch.id)}`,
      `--output=${launch.logFile}`,
      '--open-mode=append',
      `--chdir=${launch.cwd}`,
      `--nodes=${launch.nodeCount}`,
      '--ntasks-per-node=1',
      `--cpus-per-task=${Math.max(1, Math.ceil(flavor.cpus))}`,
      `--mem=${flavor.memoryMiB}M`,
      '--export=ALL'
    ];
    if (flavor.gpus > 0) {
      args.push(`--gres=gpu:${flavor.gpuType ? `${flavor.gpuType}:` : ''}${flavor.gpus}`);
    }
    if (launch.maxRuntimeMinutes) {
      args.push(`--time=${Math.max(1, Math.ceil(launch.maxRuntimeMinutes))}`); // Slurm counts whole minutes
    }
    if (this._options.partition) {
      args.push(`--partition=${this._options.partition}`);
    }
    if (this._options.account) {
      args.push(`--account=${this._options.account}`);
    }
    args.push(...(this._options.extraArgs ?? []), wrapper, launch.dir, ...launch.argv);
    let out: string;
    try {
      out = await this._run('sbatch', args, launch.env);
    } catch (e) {
      throw new DomainError('invalid', 'submit_failed', `Slurm refused the job: ${(e as Error).message}`);
    }
    const id = out.trim().split(';')[0];
    if (!/^\d+$/.test(id)) {
      throw new DomainError('upstream_failed', 'submit_failed', `sbatch answered "${out.trim()}" instead of a job id.`);
    }
    return { externalId: id };
  }

  async recover(launch: IJobLaunch): Promise<IJobHandle | null> {
    const out = await this._run('squeue', ['-h', '-o', '%i', `--name=${jobName(launch.id)}`]).catch(() => '');
    const id = out.trim().split('\n')[0];
    return /^\d+$/.test(id) ? { externalId: id } : null;
  }

  async status(handle: IJobHandle, launch: IJobLaunch): Promise<IExecutorStatus> {
    let fields: Record<string, string> | null = null;
    try {
      fields = parseScontrol(await this._run('scontrol', ['show', 'job', '-o', handle.externalId]));
    } catch (e) {
      if (!/invalid job id/i.test((e as Error).message)) {
        throw e;
      }
    }
    const recorded = readExitCode(launch.dir);
    if (!fields || !fields.JobState) {
      // Slurm has forgotten the job (MinJobAge): the wrapper's record is what remains.
      return recorded !== null
        ? { state: 'exited', exitCode: recorded }
        : { state: 'lost', reason: 'Slurm no longer knows the job and it recorded no exit code.' };
    }
    const state = fields.JobState;
    if (PENDING.has(state)) {
      return { state: 'pending', reason: fields.Reason && fields.Reason !== 'None' ? fields.Reason : undefined };
    }
    if (RUNNING.has(state) && recorded === null) {
      return { state: 'running' };
    }
    const [code, signal] = (fields.ExitCode ?? '0:0').split(':').map(Number);
    const exitCode = recorded ?? (signal ? 128 + signal : code);
    return { state: 'exited', exitCode, reason: REASONS[state] };
  }

  async terminate(handle: IJobHandle): Promise<void> {
    await this._run('scancel', ['--signal=TERM', '--full', handle.externalId]).catch(() => undefined);
    // A job still waiting in the queue has nothing to signal: cancel it outright.
    const out = await this._run('squeue', ['-h', '-o', '%T', '-j', handle.externalId]).catch(() => '');
    if (out.trim() === 'PENDING') {
      await this._run('scancel', [handle.externalId]).catch(() => undefined);
    }
  }

  async kill(handle: IJobHandle): Promise<void> {
    await this._run('scancel', ['--signal=KILL', '--full', handle.externalId]).catch(() => undefined);
    await this._run('scancel', [handle.externalId]).catch(() => undefined);
  }

  private _run(command: string, args: string[], env?: Record<string, string>): Promise<string> {
    const file = this._options.binDir ? path.join(this._options.binDir, command) : command;
    const base = env ?? (process.env as Record<string, string>);
    const withConf = this._options.conf ? { ...base, SLURM_CONF: this._options.conf } : base;
    return new Promise((resolve, reject) => {
      execFile(file, args, { env: withConf, timeout: 30000, maxBuffer: 1024 * 1024 }, (error, stdout, stderr) => {
        if (error) {
          reject(new Error((stderr || error.message).trim().replace(/^\w+: error: /, '')));
        } else {
          resolve(stdout);
        }
      });
    });
  }
}

function jobName(id: string): string {
  return `atelier-${id}`;
}
