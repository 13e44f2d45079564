import type { IConfig } from '../config';
import { ConfigError } from '../config';
import type { IPlatform } from './index';
import { LocalPlatform } from './local';

export function createPlatform(config: IConfig): IPlatform {
  switch (config.platform) {
    case 'local':
      return new LocalPlatform(config);
    default:
      throw new ConfigError(
        `The "${config.platform}" platform is not available in this version of Atelier; use "local".`
      );
  }
}
