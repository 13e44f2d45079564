/**
 * A job's data and launch: inputs staged into its folder before the program (storage inputs
 * downloaded, workspace inputs linked), the environment and command line, and outputs
 * delivered afterwards.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ApiError } from '../errors';
import type { IJobLaunch } from '../platform/jobs';
import type { IStorageProvider } from '../platform/storage';
import { objectExists } from '../platform/storage';
import { RESOURCES_DIR } from '../paths';
import type { IJobData } from '@atelier/api';
import type { TransferManager } from '../transfers';
import { resolveInWorkspace } from '../workspace';
import { METRICS_FILE } from './metrics';
import type { IRecord } from './record';
import { resolveLocation } from './request';

/** What staging needs from the job manager. */
export interface IStagingContext {
  /** The jobs' folder: each job's folder is {dir}/{id}. */
  dir: string;
  workspace: string;
  storage: IStorageProvider | null;
  /** The transfers (a 400 where the platform has no storage). */
  transfers(): TransferManager;
  python: string;
  secretEnv: string[];
  /** The input copy under way, by job (a stop of the job stops it). */
  staging: Map<string, string>;
}

/** Stages inputs, makes output folders, and says what to run with which environment. */
export async function prepareLaunch(ctx: IStagingContext, record: IRecord, dir: string): Promise<IJobLaunch> {
  const { spec } = record;
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (
      value !== undefined &&
      !ctx.secretEnv.includes(name) &&
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
    ATELIER_PARAMETERS: JSON.stringify(parameters),
    ATELIER_METRICS_FILE: path.join(dir, METRICS_FILE)
  });
  for (const input of spec.inputs) {
    const target = path.join(dir, 'inputs', input.name);
    await stageInput(ctx, record, input, target);
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
    argv = [ctx.python, script, program.notebook, path.join(dir, 'output.ipynb')];
  } else if (program.bootFile!.endsWith('.sh')) {
    argv = ['/bin/sh', program.bootFile!, ...args];
  } else {
    argv = [ctx.python, '-u', program.bootFile!, ...args];
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

/** Storage inputs are copied into the job's folder; workspace inputs are linked. */
async function stageInput(ctx: IStagingContext, record: IRecord, input: IJobData, target: string): Promise<void> {
  const location = await resolveLocation(input, 'input', ctx.workspace, ctx.storage);
  await fs.promises.rm(target, { recursive: true, force: true });
  if (location.kind === 'workspace') {
    await fs.promises.mkdir(path.dirname(target), { recursive: true });
    await fs.promises.symlink(await resolveInWorkspace(ctx.workspace, location.path), target);
    return;
  }
  await fs.promises.mkdir(target, { recursive: true });
  const store = ctx.storage!.get(location.endpoint);
  const folder = location.key.endsWith('/') || !(await objectExists(store, location.bucket, location.key));
  const transfer = await ctx.transfers().create(
    {
      direction: 'to-workspace',
      endpoint: location.endpoint,
      bucket: location.bucket,
      key: folder && !location.key.endsWith('/') ? `${location.key}/` : location.key,
      path: path.relative(path.join(ctx.dir, record.id), target),
      overwrite: true
    },
    { root: path.join(ctx.dir, record.id) }
  );
  ctx.staging.set(record.id, transfer.id);
  const done = await ctx
    .transfers()
    .wait(transfer.id)
    .finally(() => ctx.staging.delete(record.id));
  if (done.state !== 'completed') {
    throw new ApiError(
      502,
      'input_failed',
      `The input "${input.name}" could not be copied from storage: ${done.error?.message ?? done.state}`
    );
  }
}

/** Delivers an output folder to the workspace or to storage. */
export async function deliverOutput(ctx: IStagingContext, output: IJobData, dir: string): Promise<void> {
  const location = await resolveLocation(output, 'output', ctx.workspace, ctx.storage);
  const source = path.join(dir, 'outputs', output.name);
  if (location.kind === 'workspace') {
    const target = await resolveInWorkspace(ctx.workspace, location.path);
    await fs.promises.mkdir(target, { recursive: true });
    await fs.promises.cp(source, target, {
      recursive: true,
      force: true,
      verbatimSymlinks: true,
      filter: noLinksOut(source)
    });
    return;
  }
  const transfer = await ctx.transfers().create(
    {
      direction: 'to-storage',
      endpoint: location.endpoint,
      bucket: location.bucket,
      key: location.key === '' || location.key.endsWith('/') ? location.key || '' : `${location.key}/`,
      path: `outputs/${output.name}`,
      overwrite: true
    },
    { root: dir }
  );
  const done = await ctx.transfers().wait(transfer.id);
  if (done.state !== 'completed') {
    throw new Error(done.error?.message ?? `the copy to storage ended ${done.state}`);
  }
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
