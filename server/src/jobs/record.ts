/**
 * A job's durable record: the public job and what the service keeps for itself (how far it
 * got, what it launched, why it stopped), and the changes every part makes to it.
 *
 * Three vocabularies, one for each question:
 *
 * | name                     | what it tells               | values                         |
 * | ------------------------ | --------------------------- | ------------------------------ |
 * | phase: `status.phase`,   | the job, for users (the     | Pending, Running, Stopping,    |
 * |   IJobPhase              |   API, the UI)              |   Completed, Failed, Stopped   |
 * | program state:           | what the executor sees of   | pending, running, exited, lost |
 * |   ProgramState           |   the process               |                                |
 * | step: `stage`, JobStep   | how far the service got     | queued, staging, submitting,   |
 * |                          |   with the job              |   submitted, finishing, done   |
 *
 * A program state moves the phase (jobs/lifecycle.ts): `running` moves a Pending job to
 * Running; `pending` keeps it Pending, with the scheduler's reason as its message; `exited`
 * (through Running, if it was still Pending) or `lost` moves the step to `finishing` and, once
 * the outputs are delivered, the phase to Stopped (a stop was asked), Completed (exit code 0,
 * every output delivered) or Failed (anything else). A stop asked meanwhile shows as Stopping
 * until then.
 */
import type { IJobHandle, IJobLaunch } from '../platform/jobs';
import type { IJob, IJobPhase } from '@atelier/api';

/** How far the service got with a job; saved as the record's `stage`. */
export type JobStep = 'queued' | 'staging' | 'submitting' | 'submitted' | 'finishing' | 'done';

export interface IRecord extends Omit<IJob, 'program'> {
  /** The job's step (the field keeps its first name, so that saved records load). */
  stage: JobStep;
  /** The code folder copied (absent in records written before it was kept) and the program inside it. */
  program: { codeDir?: string | null; bootFile?: string; notebook?: string };
  launch?: IJobLaunch;
  handle?: IJobHandle;
  /** Set when a user (or the runtime limit) asked the job to stop. */
  stop?: { at: string; reason: string; forced?: boolean };
  /** The exit code and reason once the program has ended (before the outputs are delivered). */
  ended?: { exitCode?: number; reason?: string; lost?: boolean };
}

export const FINISHED = new Set<IJobPhase>(['Completed', 'Failed', 'Stopped']);

export function byCreation(a: IRecord, b: IRecord): number {
  return a.metadata.createdAt.localeCompare(b.metadata.createdAt) || a.id.localeCompare(b.id);
}

/** Moves the record to `phase`, on its timeline. */
export function setPhase(record: IRecord, phase: IJobPhase, message?: string): void {
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

/** The job as the API shows it: without the service's own fields, with its duration. */
export function publicView(record: IRecord): IJob {
  const { stage: _stage, program, launch: _launch, handle: _handle, stop: _stop, ended: _ended, ...view } = record;
  void _stage;
  void _launch;
  void _handle;
  void _stop;
  void _ended;
  const started = record.status.startedAt ? Date.parse(record.status.startedAt) : null;
  const end = record.status.finishedAt ? Date.parse(record.status.finishedAt) : Date.now();
  return JSON.parse(
    JSON.stringify({
      ...view,
      ...(program.codeDir !== undefined ? { program } : {}),
      status: { ...view.status, duration: started ? Math.max(0, (end - started) / 1000) : 0 }
    })
  );
}
