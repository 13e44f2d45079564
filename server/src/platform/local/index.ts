import type { IConfig } from '../../config';
import type { IPlatform } from '../index';
import { LocalFlavors } from './flavors';

/** The embedded default: everything on this machine. */
export class LocalPlatform implements IPlatform {
  readonly name = 'local';
  readonly flavors: LocalFlavors;

  constructor(config: IConfig) {
    this.flavors = new LocalFlavors({ catalog: config.flavors.catalog, defaultId: config.flavors.default });
  }

  async close(): Promise<void> {
    // Nothing held yet.
  }
}
