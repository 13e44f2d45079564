/**
 * A transfer's durable record: the public transfer and what the service keeps for itself to
 * resume it (how far it got, its multipart uploads under way, the folder it is relative to).
 */
import type { IPart } from '../platform/storage';
import type { ITransfer } from '@atelier/api';

/** A large upload under way: its multipart upload, the parts stored so far, the file's CRC-32. */
export interface IMultipartUpload {
  key: string;
  uploadId: string;
  parts: IPart[];
  /** The file's CRC-32 as read before the upload started (stored with the object). */
  crc32?: number;
}

export interface IRecord extends ITransfer {
  /** Every item before this index is done (items are processed in order, a few at once). */
  resumeFrom?: number;
  /** Large uploads under way, by item index. */
  multipart?: Record<string, IMultipartUpload>;
  /** The folder `path` is relative to, when not the workspace (a job's folder). */
  root?: string;
}

/** The states a transfer never leaves. */
export const FINISHED = new Set(['completed', 'failed', 'stopped']);

/** The transfer as the API shows it: without the fields kept for resuming it. */
export function publicView(record: IRecord): ITransfer {
  const { resumeFrom: _resume, multipart: _multipart, root: _root, ...view } = record;
  void _resume;
  void _multipart;
  void _root;
  return { ...view, error: view.error ? { ...view.error } : undefined };
}

/** The directions as earlier versions saved them, by their name now. */
const OLD_DIRECTIONS: Record<string, ITransfer['direction']> = { upload: 'to-storage', download: 'to-workspace' };

/**
 * A record as read from disk, in today's names: earlier versions saved the directions as
 * `upload` and `download`, and a stopped transfer as `cancelled`.
 */
export function fromDisk(saved: IRecord): IRecord {
  const direction = OLD_DIRECTIONS[saved.direction as string] ?? saved.direction;
  const state = (saved.state as string) === 'cancelled' ? 'stopped' : saved.state;
  return { ...saved, direction, state };
}
