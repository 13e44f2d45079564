import * as path from 'path';
import type { IConfig } from '../../config';
import type { IFlavorProvider, IPlatform } from '../index';
import { hubFlavorsFromEnv } from '../jupyterhub';
import type { IJobsCapability } from '../jobs';
import { SlurmExecutor } from '../slurm/executor';
import { StorageProvider } from '../storage-provider';
import { LocalExecutor } from './executor';
import { LocalFlavors } from './flavors';

/** The embedded default: everything on this machine (jobs on it, or on a Slurm cluster). */
export class LocalPlatform implements IPlatform {
  readonly name = 'local';
  /** This machine's flavors; under a JupyterHub that offers profiles, the Hub's profiles. */
  readonly flavors: IFlavorProvider;
  readonly storage: StorageProvider;
  readonly jobs?: IJobsCapability;

  constructor(config: IConfig) {
    const local = new LocalFlavors({
      catalog: config.flavors.catalog,
      defaultId: config.flavors.default,
      stateFile: path.join(config.dataDir, 'flavor.json')
    });
    this.flavors = hubFlavorsFromEnv(process.env, config.dataDir) ?? local;
    this.storage = new StorageProvider(config);
    if (config.jobs.enabled) {
      const machine = local.machine;
      const catalog = config.jobs.catalog?.length ? new LocalFlavors({ catalog: config.jobs.catalog, machine }) : local;
      this.jobs = {
        executor: config.jobs.executor === 'slurm' ? new SlurmExecutor(config.jobs.slurm) : new LocalExecutor(),
        flavors: () => catalog.list(),
        capacity: {
          cpus: machine.cpus,
          memoryMiB: machine.memoryMiB,
          gpus: machine.gpus,
          maxJobs: config.jobs.maxConcurrent || Number.MAX_SAFE_INTEGER
        }
      };
    }
  }

  async close(): Promise<void> {
    await this.storage.close();
  }
}
