/** How a job's program and code folder read, in the detail view and the comparison alike. */
import { PathExt } from '@jupyterlab/coreutils';
import type { TranslationBundle } from '@jupyterlab/translation';
import type { IJob } from '../api/client';

/** What the job runs: its notebook, boot file or command. */
export function programLabel(job: IJob, trans: TranslationBundle): string {
  const { spec } = job;
  return spec.notebook
    ? trans.__('Notebook %1', spec.notebook)
    : spec.command
      ? trans.__('Command %1', spec.command)
      : trans.__('Boot file %1', spec.bootFile ?? '');
}

/**
 * The workspace folder the job copied when it was submitted: as the service recorded it, or,
 * for jobs submitted before it did, as it chose it then (the code directory given, else the
 * folder of the file).
 */
export function codeDirLabel(job: IJob, trans: TranslationBundle): string {
  let dir: string | null;
  if (job.program) {
    dir = job.program.codeDir;
  } else if (job.spec.codeDir) {
    dir = job.spec.codeDir;
  } else {
    const file = job.spec.bootFile || job.spec.notebook;
    dir = file ? PathExt.dirname(PathExt.normalize(file)) : null;
  }
  if (dir === null) {
    return trans.__('(none: nothing was copied)');
  }
  dir = dir.replace(/^\/+|\/+$/g, '');
  return dir === '' || dir === '.' ? trans.__('(workspace root)') : `${dir}/`;
}
