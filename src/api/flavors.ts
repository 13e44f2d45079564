import type { IFlavor, IFlavorList, IFlavorSwitch, IUsage } from '@atelier/api';
import { ClientConstructor, JSON_HEADERS } from './base';
import { requestAPI } from './request';

/** The notebook server's flavors: the catalog, switching, the live usage. */
export function FlavorsAPI<TBase extends ClientConstructor>(Base: TBase) {
  return class extends Base {
    flavors(): Promise<IFlavorList> {
      return requestAPI<IFlavorList>('flavors', {}, this.serverSettings);
    }

    /** The flavor the notebook server runs under now. */
    currentFlavor(): Promise<IFlavor> {
      return requestAPI<IFlavor>('flavors/current', {}, this.serverSettings);
    }

    /** Starts switching the notebook server to another flavor (202); follow it with `getFlavorSwitch`. */
    startFlavorSwitch(flavorId: string): Promise<IFlavorSwitch> {
      return requestAPI<IFlavorSwitch>(
        'flavors/switch',
        { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify({ flavorId }) },
        this.serverSettings
      );
    }

    /** The switch under way, or the last one. */
    getFlavorSwitch(): Promise<IFlavorSwitch> {
      return requestAPI<IFlavorSwitch>('flavors/switch', {}, this.serverSettings);
    }

    usage(): Promise<IUsage> {
      return requestAPI<IUsage>('flavors/usage', {}, this.serverSettings);
    }
  };
}
