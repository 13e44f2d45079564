import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { IFlavorConfig } from '../../config';
import { writeAtomicSync } from '../../durable';
import { DomainError } from '../../domain-errors';
import { availableCpus } from '../../limits';
import type { IFlavor, IUsage } from '@atelier/api';
import { readGpus, TreeSampler } from '../../usage';
import type { IFlavorProvider, INotebookControl, INotebookResources } from '../index';

/** What this machine offers, the bound every local flavor is checked against. */
export interface IMachine {
  cpus: number;
  memoryMiB: number;
  gpus: number;
}

/** GPUs nvidia-smi lists (0 where it does not exist). */
function countGpus(): number {
  const result = spawnSync('nvidia-smi', ['-L'], { encoding: 'utf8', timeout: 5000 });
  return result.status === 0 ? result.stdout.split('\n').filter(l => l.startsWith('GPU ')).length : 0;
}

export function readMachine(): IMachine {
  return {
    cpus: availableCpus().length,
    memoryMiB: Math.floor(os.totalmem() / 1024 / 1024),
    gpus: countGpus()
  };
}

/** How the notebook server runs under a flavor on this machine. */
export function resourcesOf(flavor: IFlavor, machine: IMachine): INotebookResources {
  const cpus = availableCpus().slice(0, Math.max(1, Math.ceil(flavor.cpus)));
  const env: Record<string, string> = {
    ATELIER_FLAVOR: flavor.id,
    ATELIER_FLAVOR_NAME: flavor.name,
    ATELIER_CPUS: String(flavor.cpus),
    ATELIER_MEMORY_MIB: String(flavor.memoryMiB),
    ATELIER_GPUS: String(flavor.gpus)
  };
  if (machine.gpus > 0) {
    const visible = Array.from({ length: Math.min(flavor.gpus, machine.gpus) }, (_, i) => i).join(',');
    env.CUDA_VISIBLE_DEVICES = visible;
    env.NVIDIA_VISIBLE_DEVICES = visible || 'none';
  }
  return { cpus, memoryBytes: flavor.memoryMiB * 1024 * 1024, env };
}

/**
 * A small, a half and a whole-machine flavor (duplicates dropped on small machines); where
 * GPUs are visible, a one-GPU flavor with half the machine, and the whole machine with all.
 */
export function defaultCatalog(machine: IMachine): IFlavorConfig[] {
  const gib = (mib: number) => Math.max(512, Math.floor(mib / 1024) * 1024);
  const half = { cpus: Math.max(1, Math.floor(machine.cpus / 2)), memoryMiB: gib(machine.memoryMiB / 2) };
  const candidates: IFlavorConfig[] = [
    { id: 'small', name: 'Small', cpus: 1, memoryMiB: Math.min(gib(machine.memoryMiB / 4), 4096) },
    { id: 'half', name: 'Half machine', ...half }
  ];
  if (machine.gpus > 0) {
    candidates.push({ id: 'gpu', name: 'One GPU', ...half, gpus: 1 });
  }
  candidates.push({
    id: 'whole',
    name: 'Whole machine',
    cpus: machine.cpus,
    memoryMiB: machine.memoryMiB,
    ...(machine.gpus ? { gpus: machine.gpus } : {})
  });
  const seen = new Set<string>();
  return candidates.filter(f => {
    const key = `${f.cpus}/${f.memoryMiB}/${f.gpus ?? 0}`;
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
  constructor(options: { catalog?: IFlavorConfig[]; defaultId?: string; machine?: IMachine; stateFile?: string }) {
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
    this._stateFile = options.stateFile;
    // The flavor chosen last survives a restart of the service (while it is still offered and fits).
    const saved = this._readState();
    if (saved && this._flavors.some(f => f.id === saved && f.selectable)) {
      this._currentId = saved;
    }
  }

  get machine(): IMachine {
    return this._machine;
  }

  async list(): Promise<IFlavor[]> {
    return this._flavors.map(f => ({ ...f }));
  }

  async current(): Promise<IFlavor> {
    return { ...this._flavors.find(f => f.id === this._currentId)! };
  }

  /** Takes the notebook server the service owns (gateway mode), under the current flavor's limits. */
  async attach(control: INotebookControl): Promise<void> {
    control.limit(resourcesOf(await this.current(), this._machine));
    this._control = control;
  }

  canSwitch(): boolean {
    return !!this._control;
  }

  /**
   * The notebook server's process, for usage figures, where Atelier runs beside it (started by
   * jupyter-server-proxy inside it) and cannot switch it.
   */
  observe(pid: number): void {
    this._observed = pid;
  }

  async switchTo(
    id: string,
    progress: (step: 'stopping' | 'starting' | 'rolling-back', message: string) => void
  ): Promise<IFlavor> {
    const control = this._control;
    if (!control) {
      throw new DomainError(
        'conflict',
        'not_owned',
        'Atelier runs beside an existing Jupyter server here and cannot restart it under another flavor.'
      );
    }
    const target = this._flavors.find(f => f.id === id);
    if (!target) {
      throw new DomainError('not_found', 'not_found', `There is no flavor "${id}".`);
    }
    const previous = await this.current();
    progress('stopping', `Stopping the notebook server (${previous.name})`);
    try {
      control.limit(resourcesOf(target, this._machine));
      await control.restart(() => progress('starting', `Starting the notebook server under ${target.name}`));
    } catch (e) {
      progress('rolling-back', `${target.name} failed; starting the notebook server under ${previous.name} again`);
      try {
        control.limit(resourcesOf(previous, this._machine));
        await control.restart(() => undefined);
      } catch (again) {
        throw new Error(
          `${(e as Error).message} Going back to ${previous.name} failed as well: ${(again as Error).message}`
        );
      }
      throw e;
    }
    this._currentId = id;
    this._writeState();
    return { ...target };
  }

  async usage(): Promise<IUsage> {
    const flavor = await this.current();
    const { cpuPercent, memoryUsedMiB } = this._sampler.sample(this._control?.pid ?? this._observed);
    const usage: IUsage = {
      cpuPercent,
      cpus: flavor.cpus,
      memoryUsedMiB,
      memoryLimitMiB: flavor.memoryMiB,
      at: new Date().toISOString()
    };
    if (this._machine.gpus > 0) {
      const gpus = await readGpus();
      if (gpus) {
        usage.gpus = gpus.slice(0, flavor.gpus);
      }
    }
    return usage;
  }

  private _readState(): string | null {
    if (!this._stateFile) {
      return null;
    }
    try {
      const state = JSON.parse(fs.readFileSync(this._stateFile, 'utf8')) as { current?: unknown };
      return typeof state.current === 'string' ? state.current : null;
    } catch {
      return null;
    }
  }

  private _writeState(): void {
    if (!this._stateFile) {
      return;
    }
    fs.mkdirSync(path.dirname(this._stateFile), { recursive: true });
    writeAtomicSync(this._stateFile, JSON.stringify({ current: this._currentId }));
  }

  private _machine: IMachine;
  private _flavors: IFlavor[];
  private _currentId: string;
  private _stateFile: string | undefined;
  private _control: INotebookControl | undefined;
  private _observed: number | undefined;
  private _sampler = new TreeSampler();
}
