/**
 * Paths in the workspace (the Jupyter server's root), as JupyterLab names them: relative,
 * '/'-separated. Every path is confined to the root: absolute paths, '..' segments and
 * symbolic links that lead outside are refused with a clear 400.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ApiError } from './errors';

export function checkWorkspacePath(rel: string): string {
  if (rel.startsWith('/') || path.isAbsolute(rel)) {
    throw new ApiError(400, 'outside_workspace', `"${rel}" is an absolute path; give a path inside the workspace, like "data/train.csv".`);
  }
  if (rel.includes('\0')) {
    throw new ApiError(400, 'invalid_path', 'A workspace path cannot contain NUL characters.');
  }
  const segments = rel.split('/').filter(s => s !== '' && s !== '.');
  if (segments.includes('..')) {
    throw new ApiError(400, 'outside_workspace', `"${rel}" leaves the workspace ("..").`);
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
