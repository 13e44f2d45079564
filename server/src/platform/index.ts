/**
 * The platform interface: one interface per capability, each with a local and a huaweicloud
 * implementation. A capability a platform lacks is left undefined and reported as false by
 * `GET /atelier/api/v1/status`, so the front end can hide or explain it.
 */
import type { Capability } from '../schemas/status';
import type { IFlavor } from '../schemas/flavors';
import type { IJobsCapability } from './jobs';
import type { IStorageProvider } from './storage';

/** The notebook's compute size: list, current (switching arrives with the flavors issue). */
export interface IFlavorProvider {
  /** The catalog, each flavor marked selectable or not with the reason. */
  list(): Promise<IFlavor[]>;
  /** The flavor the notebook server runs under now. */
  current(): Promise<IFlavor>;
}

export interface IPlatform {
  /** `local` or `huaweicloud`. */
  readonly name: string;
  readonly flavors?: IFlavorProvider;
  readonly storage?: IStorageProvider;
  readonly jobs?: IJobsCapability;
  /** Releases what the platform holds (connections, timers). */
  close(): Promise<void>;
}

export function capabilitiesOf(platform: IPlatform): Record<Capability, boolean> {
  return {
    flavors: !!platform.flavors,
    storage: !!platform.storage,
    images: false,
    jobs: !!platform.jobs,
    gallery: false
  };
}
