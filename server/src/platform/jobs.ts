/**
 * The jobs capability: executors run a prepared job and report on it. The job manager
 * (server/src/jobs.ts) owns the records, the queue, staging of inputs and outputs and the
 * state machine; an executor only starts, watches and stops. The same interface fits
 * executors that run containers elsewhere (Kubernetes: a Job object; ModelArts: a training
 * job v2): `submit` returns an id kept in the durable record, `status` is polled with it
 * (also after a restart of the service), logs are read by offset.
 */
import type { IFlavor } from '@atelier/api';

export interface IJobLaunch {
  id: string;
  name: string;
  /** The job's folder: code/, inputs/, outputs/, logs/ (shared with the executor's nodes). */
  dir: string;
  /** What to run, argv form; the executor adds the wrapper that records the exit code. */
  argv: string[];
  /** Working directory of the program. */
  cwd: string;
  /** Full environment of the program. */
  env: Record<string, string>;
  flavor: IFlavor;
  nodeCount: number;
  image?: string;
  maxRuntimeMinutes?: number;
  /** Where the executor writes the program's output (stdout and stderr together). */
  logFile: string;
}

/** What the service keeps to find a job again (also after a restart). */
export interface IJobHandle {
  /** Process group id, Slurm job id, Kubernetes Job name, ModelArts job id. */
  externalId: string;
  /** Executor-specific facts (e.g. the process start time, to tell a reused pid apart). */
  data?: Record<string, string | number>;
}

/**
 * What the executor sees of the program: waiting to start (in the scheduler's queue), running,
 * exited (with an exit code), or lost (gone without one). Not the job's phase, which the
 * service derives from it (jobs/record.ts).
 */
export type ProgramState = 'pending' | 'running' | 'exited' | 'lost';

export interface IExecutorStatus {
  state: ProgramState;
  /** When exited: the program's exit code (128 + n when killed by signal n). */
  exitCode?: number;
  /** When exited abnormally or lost: why, in words. */
  reason?: string;
}

export interface IJobExecutor {
  readonly name: string;
  /** Whether the executor queues jobs itself (Slurm) or the service must (local processes). */
  readonly queues: boolean;
  /** Checks a job can run here at all (e.g. node count); throws an `invalid` DomainError otherwise. */
  check(launch: Pick<IJobLaunch, 'flavor' | 'nodeCount' | 'image'>): void;
  submit(launch: IJobLaunch): Promise<IJobHandle>;
  status(handle: IJobHandle, launch: IJobLaunch): Promise<IExecutorStatus>;
  /** Asks the program to stop (SIGTERM or the platform's equivalent). */
  terminate(handle: IJobHandle): Promise<void>;
  /** Ends it now (SIGKILL). */
  kill(handle: IJobHandle): Promise<void>;
  /** Finds a job submitted just before the service stopped, before its id was recorded. */
  recover?(launch: IJobLaunch): Promise<IJobHandle | null>;
  /** Takes back what a job found running after a restart holds (e.g. its CPUs). */
  adopt?(handle: IJobHandle): void;
  /**
   * Resolves when the program ends, where the executor learns of it without asking (a local
   * child process tells its parent); null where it must be asked (after a restart, Slurm).
   */
  whenEnded?(handle: IJobHandle): Promise<void> | null;
  /** Releases what the executor holds for the job once it has ended (cgroups, temp files). */
  cleanup?(handle: IJobHandle): Promise<void>;
  /**
   * For executors whose programs do not write `launch.logFile` themselves (Kubernetes,
   * ModelArts): the log's bytes from `offset`. The service appends them to the job's log file
   * while it watches the job, so reading and streaming logs work the same for every executor.
   */
  fetchLog?(handle: IJobHandle, offset: number): Promise<Buffer>;
  close?(): Promise<void>;
}

export interface IJobsCapability {
  executor: IJobExecutor;
  /** The catalog jobs choose their flavor from. */
  flavors(): Promise<IFlavor[]>;
  /** What the executor can run at once, for executors that do not queue themselves. */
  capacity: { cpus: number; memoryMiB: number; gpus: number; maxJobs: number };
}
