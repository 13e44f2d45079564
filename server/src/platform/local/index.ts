import type { IConfig } from '../../config';
import type { IPlatform } from '../index';
import { StorageProvider } from '../storage-provider';
import { LocalFlavors } from './flavors';

/** The embedded default: everything on this machine. */
export class LocalPlatform implements IPlatform {
  readonly name = 'local';
  readonly flavors: LocalFlavors;
  readonly storage: StorageProvider;

  constructor(config: IConfig) {
    this.flavors = new LocalFlavors({ catalog: config.flavors.catalog, defaultId: config.flavors.default });
    this.storage = new StorageProvider(config);
  }

  async close(): Promise<void> {
    await this.storage.close();
  }
}
