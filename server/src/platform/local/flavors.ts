import * as os from 'os';
import type { IFlavorConfig } from '../../config';
import type { IFlavor } from '../../schemas/flavors';
import type { IFlavorProvider } from '../index';

/** What this machine offers, the bound every local flavor is checked against. */
export interface IMachine {
  cpus: number;
  memoryMiB: number;
  gpus: number;
}

export function readMachine(): IMachine {
  return {
    cpus: os.availableParallelism ? os.availableParallelism() : os.cpus().length,
    memoryMiB: Math.floor(os.totalmem() / 1024 / 1024),
    gpus: 0
  };
}

/** A small, a half and a whole-machine flavor (duplicates dropped on small machines). */
export function defaultCatalog(machine: IMachine): IFlavorConfig[] {
  const gib = (mib: number) => Math.max(512, Math.floor(mib / 1024) * 1024);
  const candidates: IFlavorConfig[] = [
    { id: 'small', name: 'Small', cpus: 1, memoryMiB: Math.min(gib(machine.memoryMiB / 4), 4096) },
    { id: 'half', name: 'Half machine', cpus: Math.max(1, Math.floor(machine.cpus / 2)), memoryMiB: gib(machine.memoryMiB / 2) },
    { id: 'whole', name: 'Whole machine', cpus: machine.cpus, memoryMiB: machine.memoryMiB }
  ];
  const seen = new Set<string>();
  return candidates.filter(f => {
    const key = `${f.cpus}/${f.memoryMiB}`;
    if (seen.has(key)) {
      return false;
    }
    seen.add(key);
    return true;
  });
}

function describe(flavor: IFlavorConfig, machine: IMachine): IFlavor {
  const gpus = flavor.gpus ?? 0;
  const problems: string[] = [];
  if (flavor.cpus > machine.cpus) {
    problems.push(`needs ${flavor.cpus} CPUs, this machine has ${machine.cpus}`);
  }
  if (flavor.memoryMiB > machine.memoryMiB) {
    problems.push(`needs ${flavor.memoryMiB} MiB of memory, this machine has ${machine.memoryMiB} MiB`);
  }
  if (gpus > machine.gpus) {
    problems.push(`needs ${gpus} GPUs, this machine has ${machine.gpus}`);
  }
  const result: IFlavor = {
    id: flavor.id,
    name: flavor.name ?? flavor.id,
    cpus: flavor.cpus,
    memoryMiB: flavor.memoryMiB,
    gpus,
    selectable: problems.length === 0
  };
  if (flavor.description) {
    result.description = flavor.description;
  }
  if (flavor.gpuType) {
    result.gpuType = flavor.gpuType;
  }
  if (problems.length) {
    result.reason = `Does not fit this machine: ${problems.join('; ')}.`;
  }
  return result;
}

/** Local flavors: resource profiles for the Jupyter server the gateway owns. */
export class LocalFlavors implements IFlavorProvider {
  constructor(options: { catalog?: IFlavorConfig[]; defaultId?: string; machine?: IMachine }) {
    this._machine = options.machine ?? readMachine();
    const catalog = options.catalog?.length ? options.catalog : defaultCatalog(this._machine);
    this._flavors = catalog.map(f => describe(f, this._machine));
    const ids = new Set(this._flavors.map(f => f.id));
    if (ids.size !== this._flavors.length) {
      throw new Error('Flavor ids in the catalog must be unique.');
    }
    const fallback = [...this._flavors].reverse().find(f => f.selectable) ?? this._flavors[0];
    if (options.defaultId && !ids.has(options.defaultId)) {
      throw new Error(`The default flavor "${options.defaultId}" is not in the catalog (${[...ids].join(', ')}).`);
    }
    this._currentId = options.defaultId ?? fallback.id;
  }

  async list(): Promise<IFlavor[]> {
    return this._flavors.map(f => ({ ...f }));
  }

  async current(): Promise<IFlavor> {
    return { ...this._flavors.find(f => f.id === this._currentId)! };
  }

  private _machine: IMachine;
  private _flavors: IFlavor[];
  private _currentId: string;
}
