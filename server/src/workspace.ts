/**
 * Paths in the workspace (the Jupyter server's root), as JupyterLab names them: relative,
 * '/'-separated. Every path is confined to the root: absolute paths, '..' segments and
 * symbolic links that lead outside are refused with a clear 400.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ApiError } from './errors';
import { NAME_MAX } from './fs-errors';

// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/g;

/** A path as it can be shown in a message: control characters as \u escapes, at most 120 characters. */
function printable(text: string): string {
  return text.slice(0, 120).replace(CONTROL_CHARACTERS, c => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export function checkWorkspacePath(rel: string): string {
  if (rel.startsWith('/') || path.isAbsolute(rel)) {
    throw new ApiError(
      400,
      'outside_workspace',
      `"${rel}" is an absolute path; give a path inside the workspace, like "data/train.csv".`
    );
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(rel)) {
    throw new ApiError(
      400,
      'invalid_path',
      `"${printable(rel)}" contains control characters (tabs, line breaks, escapes…), which a workspace path cannot have.`
    );
  }
  const segments = rel.split('/').filter(s => s !== '' && s !== '.');
  if (segments.includes('..')) {
    throw new ApiError(400, 'outside_workspace', `"${rel}" leaves the workspace ("..").`);
  }
  if (segments.some(segment => Buffer.byteLength(segment, 'utf8') > NAME_MAX)) {
    throw new ApiError(
      400,
      'name_too_long',
      `"${rel.slice(0, 120)}…" has a name over ${NAME_MAX} bytes between two slashes, more than the disk allows.`
    );
  }
  return segments.join('/');
}

/** The absolute path of a workspace path, after checking that it (and its links) stay inside. */
export async function resolveInWorkspace(root: string, rel: string): Promise<string> {
  const clean = checkWorkspacePath(rel);
  const realRoot = await fs.promises.realpath(root);
  const target = path.join(realRoot, clean);
  // The deepest existing ancestor (or the path itself) must resolve inside the root.
  let probe = target;
  for (;;) {
    const real = await fs.promises.realpath(probe).catch(() => null);
    if (real !== null) {
      if (real !== realRoot && !real.startsWith(realRoot + path.sep)) {
        throw new ApiError(400, 'outside_workspace', `"${rel}" leads outside the workspace through a symbolic link.`);
      }
      break;
    }
    if (probe === realRoot) {
      break;
    }
    probe = path.dirname(probe);
  }
  return target;
}
