import * as path from 'path';
import type { IConfig } from '../../config';
import type { IPlatform } from '../index';
import type { IJobsCapability } from '../jobs';
import { SlurmExecutor } from '../slurm/executor';
import { StorageProvider } from '../storage-provider';
import { LocalExecutor } from './executor';
import { LocalFlavors } from './flavors';

/** The embedded default: everything on this machine (jobs on it, or on a Slurm cluster). */
export class LocalPlatform implements IPlatform {
  readonly name = 'local';
  readonly flavors: LocalFlavors;
  readonly storage: StorageProvider;
  readonly jobs?: IJobsCapability;

  constructor(config: IConfig) {
    this.flavors = new LocalFlavors({
      catalog: config.flavors.catalog,
      defaultId: config.flavors.default,
      stateFile: path.join(config.dataDir, 'flavor.json')
    });
    this.storage = new StorageProvider(config);
    if (config.jobs.enabled) {
      const machine = this.flavors.machine;
      const catalog = config.jobs.catalog?.length ? new LocalFlavors({ catalog: config.jobs.catalog, machine }) : this.flavors;
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
