/**
 * File system errors in a person's terms. Node's messages ("ENAMETOOLONG: name too long, lstat
 * '/home/…/ws/.x.atelier-1234abcd.part'") name the server's absolute paths and errno codes;
 * what reaches a user says what went wrong with the path as the user knows it: relative to the
 * workspace or to a bucket, or no path at all.
 */
import * as path from 'path';
import { ApiError } from './errors';

/** The longest file or folder name a disk takes, in bytes (Linux's NAME_MAX). */
export const NAME_MAX = 255;

/** A folder whose paths a user knows, and how to name it ("the workspace"). */
export interface IKnownRoot {
  dir: string;
  /** e.g. 'the workspace'; the relative path is shown as "data/x.csv" in the workspace. */
  label: string;
}

/**
 * Atelier's temporary download files: `.{name}.atelier-{id}.part` beside the target (the
 * transfers name them so); the group is the name of the file being written.
 */
export const TEMP_FILE = /^\.(.*)\.atelier-[0-9a-f]{8}\.part$/;

interface IKind {
  status: number;
  code: string;
  say: (where: string) => string;
}

const KINDS: Record<string, IKind> = {
  ENOENT: { status: 404, code: 'not_found', say: w => `${w || 'A file or folder'} does not exist (any more).` },
  ENAMETOOLONG: {
    status: 400,
    code: 'name_too_long',
    say: w => `A name in ${w || 'the path'} is longer than the disk allows (${NAME_MAX} bytes between two slashes).`
  },
  ENOTDIR: { status: 409, code: 'conflict', say: w => `A part of ${w || 'the path'} is a file, not a folder.` },
  EISDIR: { status: 409, code: 'conflict', say: w => `${w || 'The target'} is a folder, not a file.` },
  EEXIST: { status: 409, code: 'exists', say: w => `${w || 'The target'} already exists.` },
  ENOTEMPTY: { status: 409, code: 'conflict', say: w => `${w || 'The folder'} is not empty.` },
  EACCES: { status: 403, code: 'permission_denied', say: w => `Permission denied for ${w || 'a file or folder'}.` },
  EPERM: {
    status: 403,
    code: 'permission_denied',
    say: w => `The operation is not permitted on ${w || 'a file or folder'}.`
  },
  EROFS: { status: 403, code: 'read_only', say: w => `${w || 'The target'} is on a read-only disk.` },
  ENOSPC: { status: 507, code: 'disk_full', say: w => `The disk is full${w ? ` (writing ${w})` : ''}.` },
  EDQUOT: { status: 507, code: 'disk_full', say: w => `The disk quota is used up${w ? ` (writing ${w})` : ''}.` },
  EMFILE: {
    status: 503,
    code: 'busy',
    say: () => 'Too many files are open in the service right now; try again in a moment.'
  },
  ENFILE: {
    status: 503,
    code: 'busy',
    say: () => 'Too many files are open on the machine right now; try again in a moment.'
  },
  ELOOP: { status: 400, code: 'invalid_path', say: w => `${w || 'The path'} goes through too many symbolic links.` },
  EXDEV: { status: 409, code: 'conflict', say: w => `${w || 'The target'} is on another disk.` },
  EIO: { status: 500, code: 'io_error', say: w => `The disk reported an input/output error${w ? ` on ${w}` : ''}.` }
};

/** Whether `e` is an error of a file system call: an errno code with a path, or one of the codes above. */
export function isFsError(e: unknown): e is NodeJS.ErrnoException {
  // Not `instanceof Error`: errors made in another realm (a worker, a test's sandbox) count too.
  if (typeof e !== 'object' || e === null) {
    return false;
  }
  const { code, path: file } = e as NodeJS.ErrnoException;
  return typeof code === 'string' && /^E[A-Z]+$/.test(code) && (typeof file === 'string' || code in KINDS);
}

/** Where an absolute path is, said as a user knows it, or '' when it is in none of the roots. */
export function whereIs(file: string | undefined, roots: IKnownRoot[]): string {
  if (!file) {
    return '';
  }
  for (const root of roots) {
    const rel = path.relative(root.dir, file);
    if (rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel))) {
      const parts = rel.split(path.sep).filter(Boolean);
      const last = parts.length ? parts[parts.length - 1] : '';
      const temp = TEMP_FILE.exec(last);
      if (temp) {
        parts[parts.length - 1] = temp[1]; // the file being written, not its temporary name
      }
      return parts.length ? `"${parts.join('/')}" in ${root.label}` : root.label;
    }
  }
  return '';
}

/** The message for a file system error, with paths relative to the roots (never absolute). */
export function describeFsError(e: NodeJS.ErrnoException, roots: IKnownRoot[]): string {
  const where = whereIs(e.path, roots) || whereIs((e as { dest?: string }).dest, roots);
  if (e.syscall === 'mkdir' && (e.code === 'EEXIST' || e.code === 'ENOTDIR')) {
    // A folder was needed where a file is (mkdir names the first step it could not make).
    return `${where || 'A part of the path'} is a file where a folder is needed.`;
  }
  const kind = KINDS[e.code ?? ''];
  if (kind) {
    return kind.say(where);
  }
  return `A file operation failed (${e.code})${where ? ` on ${where}` : ''}.`;
}

/** A file system error as the API's error: a fitting status, a code, a message without server paths. */
export function fsApiError(e: NodeJS.ErrnoException, roots: IKnownRoot[]): ApiError {
  const kind = KINDS[e.code ?? ''];
  return new ApiError(kind?.status ?? 500, kind?.code ?? 'io_error', describeFsError(e, roots));
}
