/**
 * Checking a job request against the workspace, the storage endpoints and the flavors: each
 * problem is a 400 that names the form field at fault.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ApiError } from '../errors';
import type { IStorageProvider } from '../platform/storage';
import { checkBucket, checkKey } from '../platform/storage';
import type { ICreateJob, IFlavor, IJobData } from '@atelier/api';
import { checkWorkspacePath, resolveInWorkspace } from '../workspace';

export const CODE_LIMITS = { files: 1000, bytes: 1024 * 1024 * 1024 };

/** A storage location named by a URI, or a workspace path. */
export type Location =
  { kind: 'storage'; endpoint: string; bucket: string; key: string } | { kind: 'workspace'; path: string };

/** A 400 that names the form field at fault (`field`), so the form can show it beside it. */
export function fieldError(field: string, message: string): ApiError {
  const error = new ApiError(400, 'invalid_field', message);
  error.field = field;
  return error;
}

export function checkPath(field: string, rel: string): string {
  try {
    return checkWorkspacePath(rel);
  } catch (e) {
    throw fieldError(field, (e as Error).message);
  }
}

export function unique(items: IJobData[], kind: string): void {
  const seen = new Set<string>();
  for (const item of items) {
    const name = item.name.toUpperCase();
    if (seen.has(name)) {
      throw fieldError(`${kind}s`, `Two ${kind}s are named "${item.name}"; names must differ (ignoring case).`);
    }
    seen.add(name);
  }
}

/** The flavor asked for, or the smallest that can run, from the jobs' catalog. */
export function chooseFlavor(catalog: IFlavor[], id: string | undefined): IFlavor {
  if (id === undefined) {
    const smallest = [...catalog]
      .filter(f => f.selectable)
      .sort((a, b) => a.cpus - b.cpus || a.memoryMiB - b.memoryMiB)[0];
    if (!smallest) {
      throw fieldError('flavorId', 'No flavor of the catalog can run here.');
    }
    return smallest;
  }
  const flavor = catalog.find(f => f.id === id);
  if (!flavor) {
    throw fieldError('flavorId', `There is no flavor "${id}"; choose one of ${catalog.map(f => f.id).join(', ')}.`);
  }
  if (!flavor.selectable) {
    throw fieldError('flavorId', flavor.reason ?? `The flavor "${id}" cannot run here.`);
  }
  return flavor;
}

/** The code folder to snapshot and the program in it (paths relative to the snapshot). */
export async function resolveProgram(
  spec: ICreateJob,
  workspace: string
): Promise<{ codeDir: string | null; bootFile?: string; notebook?: string }> {
  const chosen = [spec.bootFile, spec.notebook, spec.command].filter(v => v !== undefined && v !== '');
  if (chosen.length !== 1) {
    throw fieldError(
      'bootFile',
      chosen.length
        ? 'Give only one of a boot file, a notebook or a command.'
        : 'Give a boot file, a notebook or a command to run.'
    );
  }
  const field = spec.bootFile ? 'bootFile' : spec.notebook ? 'notebook' : 'command';
  const file = spec.bootFile || spec.notebook;
  let codeDir: string | null = null;
  if (spec.codeDir !== undefined && spec.codeDir !== '') {
    codeDir = checkPath('codeDir', spec.codeDir);
    const stat = await fs.promises.stat(await resolveInWorkspace(workspace, codeDir)).catch(() => null);
    if (!stat?.isDirectory()) {
      throw fieldError('codeDir', `"${spec.codeDir}" is not a folder in the workspace.`);
    }
  }
  if (!file) {
    return { codeDir };
  }
  const rel = checkPath(field, file);
  if (field === 'bootFile' && !/\.(py|sh)$/.test(rel)) {
    throw fieldError('bootFile', 'The boot file must be a Python (.py) or shell (.sh) file.');
  }
  if (field === 'notebook' && !rel.endsWith('.ipynb')) {
    throw fieldError('notebook', 'The notebook must be an .ipynb file.');
  }
  const stat = await fs.promises.stat(await resolveInWorkspace(workspace, rel)).catch(() => null);
  if (!stat?.isFile()) {
    throw fieldError(field, `"${file}" does not exist in the workspace.`);
  }
  if (codeDir === null) {
    codeDir = path.posix.dirname(rel) === '.' ? '' : path.posix.dirname(rel);
  } else if (codeDir !== '' && !rel.startsWith(`${codeDir}/`)) {
    throw fieldError(field, `"${file}" is not inside the code directory "${spec.codeDir}".`);
  }
  const inside = codeDir === '' ? rel : rel.slice(codeDir.length + 1);
  return field === 'bootFile' ? { codeDir, bootFile: inside } : { codeDir, notebook: inside };
}

/** Where an input comes from or an output goes: a storage URI or a workspace path. */
export async function resolveLocation(
  data: IJobData,
  kind: 'input' | 'output',
  workspace: string,
  storage: IStorageProvider | null
): Promise<Location> {
  const match = /^([a-z0-9]+):\/\/([^/]+)\/?(.*)$/.exec(data.uri);
  if (!match) {
    const rel = checkPath(`${kind}s.${data.name}`, data.uri);
    if (kind === 'input') {
      const exists = await fs.promises.stat(await resolveInWorkspace(workspace, rel)).catch(() => null);
      if (!exists) {
        throw fieldError(`inputs.${data.name}`, `"${data.uri}" does not exist in the workspace.`);
      }
    }
    return { kind: 'workspace', path: rel };
  }
  const [, scheme, bucket, key] = match;
  if (!storage) {
    throw fieldError(`${kind}s.${data.name}`, 'This platform has no object storage: give a workspace path.');
  }
  const endpoints = storage.endpoints();
  const endpoint = data.endpoint
    ? endpoints.find(e => e.id === data.endpoint)
    : endpoints.find(e => e.scheme === scheme);
  if (!endpoint) {
    throw fieldError(
      `${kind}s.${data.name}`,
      data.endpoint
        ? `There is no storage endpoint "${data.endpoint}".`
        : `No storage endpoint serves "${scheme}://" URIs.`
    );
  }
  try {
    checkBucket(bucket);
    if (key) {
      checkKey(key);
    }
  } catch (e) {
    throw fieldError(`${kind}s.${data.name}`, (e as Error).message);
  }
  return { kind: 'storage', endpoint: endpoint.id, bucket, key };
}

/** Copies the code folder (regular files and folders; links are not followed out). */
export async function snapshotCode(workspace: string, codeDir: string | null, target: string): Promise<void> {
  await fs.promises.mkdir(target, { recursive: true });
  if (codeDir === null) {
    return;
  }
  const source = await resolveInWorkspace(workspace, codeDir);
  let files = 0;
  let bytes = 0;
  const walk = async (from: string, to: string): Promise<void> => {
    for (const entry of await fs.promises.readdir(from, { withFileTypes: true })) {
      if (entry.name === '.ipynb_checkpoints' || entry.name === '__pycache__') {
        continue;
      }
      const a = path.join(from, entry.name);
      const b = path.join(to, entry.name);
      if (entry.isDirectory()) {
        await fs.promises.mkdir(b);
        await walk(a, b);
      } else if (entry.isFile()) {
        files += 1;
        bytes += (await fs.promises.stat(a)).size;
        if (files > CODE_LIMITS.files || bytes > CODE_LIMITS.bytes) {
          throw fieldError(
            'codeDir',
            `The code directory "${codeDir || '/'}" has more than ${CODE_LIMITS.files} files or 1 GiB; choose the folder with just the code.`
          );
        }
        await fs.promises.copyFile(a, b);
      }
    }
  };
  await walk(source, target);
}
