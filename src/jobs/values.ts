/**
 * The job form's values: what the form holds, made from a job's request (to clone it) and
 * checked into a request (to submit it), with the errors by field.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import type { ICreateJob } from '../api/client';
import type { AtelierError } from '../api/request';

/** What a job runs: a boot file, a notebook or a command. */
export type ProgramKind = 'bootFile' | 'notebook' | 'command';

/** A row of one of the form's tables: a name and its value. */
export interface IPair {
  name: string;
  value: string;
}

/** What the form holds: the request, with text where the user types numbers. */
export interface IJobFormValues {
  name: string;
  description: string;
  program: ProgramKind;
  codeDir: string;
  bootFile: string;
  notebook: string;
  command: string;
  parameters: IPair[];
  environments: IPair[];
  inputs: IPair[];
  outputs: IPair[];
  flavorId: string;
  nodeCount: string;
  image: string;
  maxRuntimeMinutes: string;
}

export function emptyValues(): IJobFormValues {
  return {
    name: '',
    description: '',
    program: 'bootFile',
    codeDir: '',
    bootFile: '',
    notebook: '',
    command: '',
    parameters: [],
    environments: [],
    inputs: [],
    outputs: [],
    flavorId: '',
    nodeCount: '1',
    image: '',
    maxRuntimeMinutes: ''
  };
}

/** The form's values for a job's request (for "Clone and edit"). */
export function valuesFromRequest(spec: ICreateJob): IJobFormValues {
  const program: ProgramKind = spec.notebook ? 'notebook' : spec.command ? 'command' : 'bootFile';
  return {
    ...emptyValues(),
    name: spec.name,
    description: spec.description ?? '',
    program,
    codeDir: spec.codeDir ?? '',
    bootFile: spec.bootFile ?? '',
    notebook: spec.notebook ?? '',
    command: spec.command ?? '',
    parameters: spec.parameters.map(p => ({ ...p })),
    environments: Object.entries(spec.environments).map(([name, value]) => ({ name, value })),
    inputs: spec.inputs.map(i => ({ name: i.name, value: i.uri })),
    outputs: spec.outputs.map(o => ({ name: o.name, value: o.uri })),
    flavorId: spec.flavorId ?? '',
    nodeCount: String(spec.nodeCount),
    image: spec.image ?? '',
    maxRuntimeMinutes: spec.maxRuntimeMinutes ? String(spec.maxRuntimeMinutes) : ''
  };
}

/** Messages by field: `name`, `inputs.0`…, or `form` for the whole form. */
export type Errors = Record<string, string>;

const JOB_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,127}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const DATA_NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

/** The valid job name nearest to what was typed (spaces and other signs become "-"), or null. */
export function nearestJobName(typed: string): string | null {
  const nearest = typed
    .trim()
    .replace(/[^A-Za-z0-9_.-]+/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 64);
  return JOB_NAME.test(nearest) ? nearest : null;
}

/** Checks what can be checked here; returns the request, or the errors by field. */
export function toRequest(values: IJobFormValues, trans: TranslationBundle): { request?: ICreateJob; errors: Errors } {
  const errors: Errors = {};
  const name = values.name.trim();
  if (!name) {
    errors.name = trans.__('Give the job a name.');
  } else if (!JOB_NAME.test(name)) {
    const nearest = nearestJobName(name);
    const rule = trans.__('Use letters, digits, "_", "." and "-" (at most 64), starting with a letter or digit.');
    errors.name = nearest ? `${rule} ${trans.__('For example "%1".', nearest)}` : rule;
  }
  const program = values[values.program].trim();
  if (!program) {
    errors[values.program] =
      values.program === 'bootFile'
        ? trans.__('Choose the file to run.')
        : values.program === 'notebook'
          ? trans.__('Choose the notebook to run.')
          : trans.__('Type the command to run.');
  }
  const pairs = (kind: 'parameters' | 'environments' | 'inputs' | 'outputs', pattern: RegExp, message: string) => {
    const seen = new Set<string>();
    values[kind].forEach((pair, i) => {
      const key = pair.name.trim();
      if (!pattern.test(key)) {
        errors[`${kind}.${i}`] = message;
      } else if (seen.has(key.toUpperCase()) && kind !== 'parameters') {
        errors[`${kind}.${i}`] = trans.__('This name is used twice.');
      } else if ((kind === 'inputs' || kind === 'outputs') && !pair.value.trim()) {
        errors[`${kind}.${i}`] = trans.__('Give a storage URI (s3://bucket/prefix/) or a workspace path.');
      }
      seen.add(key.toUpperCase());
    });
  };
  pairs(
    'parameters',
    PARAM_NAME,
    trans.__('A name starts with a letter or "_" and has letters, digits, "_", "." or "-".')
  );
  pairs(
    'environments',
    ENV_NAME,
    trans.__('A variable name has letters, digits and "_", and does not start with a digit.')
  );
  pairs('inputs', DATA_NAME, trans.__('A name starts with a letter and has letters, digits and "_".'));
  pairs('outputs', DATA_NAME, trans.__('A name starts with a letter and has letters, digits and "_".'));
  const nodeCount = Number(values.nodeCount);
  if (!Number.isInteger(nodeCount) || nodeCount < 1) {
    errors.nodeCount = trans.__('A whole number, 1 or more.');
  }
  const runtime = values.maxRuntimeMinutes.trim() ? Number(values.maxRuntimeMinutes) : undefined;
  if (runtime !== undefined && (!Number.isFinite(runtime) || runtime <= 0)) {
    errors.maxRuntimeMinutes = trans.__('Minutes, more than 0; leave empty for no limit.');
  }
  if (Object.keys(errors).length) {
    return { errors };
  }
  const request: ICreateJob = {
    name,
    parameters: values.parameters.map(p => ({ name: p.name.trim(), value: p.value })),
    environments: Object.fromEntries(values.environments.map(p => [p.name.trim(), p.value])),
    inputs: values.inputs.map(p => ({ name: p.name.trim(), uri: p.value.trim() })),
    outputs: values.outputs.map(p => ({ name: p.name.trim(), uri: p.value.trim() })),
    nodeCount
  };
  if (values.description.trim()) {
    request.description = values.description.trim();
  }
  request[values.program] = program;
  if (values.program !== 'command' && values.codeDir.trim()) {
    request.codeDir = values.codeDir.trim();
  }
  if (values.flavorId) {
    request.flavorId = values.flavorId;
  }
  if (values.image.trim()) {
    request.image = values.image.trim();
  }
  if (runtime !== undefined) {
    request.maxRuntimeMinutes = runtime;
  }
  return { request, errors };
}

/** Where the service's 400 points, as a key of the form's errors. */
export function errorKey(error: AtelierError, values: IJobFormValues): string {
  const field = error.field ?? '';
  const data = /^(inputs|outputs)\.(.+)$/.exec(field);
  if (data) {
    const index = values[data[1] as 'inputs' | 'outputs'].findIndex(p => p.name.trim() === data[2]);
    return index >= 0 ? `${data[1]}.${index}` : data[1];
  }
  if (field === 'bootFile' && values.program !== 'bootFile') {
    return values.program;
  }
  return field || 'form';
}
