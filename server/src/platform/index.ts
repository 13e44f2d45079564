/**
 * The platform interface: one interface per capability, each with a local and a huaweicloud
 * implementation. A capability a platform lacks is left undefined and reported as false by
 * `GET /atelier/api/v1/status`, so the front end can hide or explain it.
 */
import type { Capability, IFlavor, IUsage } from '@atelier/api';
import type { IJobsCapability } from './jobs';
import type { IStorageProvider } from './storage';

/** Hears each step of a switch. */
export type SwitchProgress = (step: 'stopping' | 'starting' | 'rolling-back', message: string) => void;

/**
 * The notebook's compute size. Switching means: ModelArts, stop → update the flavor → start,
 * polling until RUNNING; JupyterHub, restart the single-user server with another profile
 * through the Hub API; local, restart the Jupyter server under the flavor's limits.
 */
export interface IFlavorProvider {
  /** The catalog, each flavor marked selectable or not with the reason. */
  list(): Promise<IFlavor[]>;
  /** The flavor the notebook server runs under now. */
  current(): Promise<IFlavor>;
  /** Whether `switchTo` can work here (e.g. the service owns the notebook server). */
  canSwitch(): boolean;
  /** Why not, for a person, where the provider knows better than "not owned". */
  readonly switchReason?: string;
  /** Asks what it needs to know once, before the service answers (e.g. what a token may do). */
  prepare?(): Promise<void>;
  /**
   * Runs the notebook server under another flavor; `progress` hears each step. Resolves once
   * the server answers under the new flavor, which is then the current one (also after a
   * restart of the service). On failure the provider has returned to the previous flavor
   * before it rejects with the reason. `switchId` names the switch's record.
   */
  switchTo(id: string, progress: SwitchProgress, switchId: string): Promise<IFlavor>;
  /**
   * Where a switch outlives the service that started it (JupyterHub: the service ends with the
   * server it restarts): follows switch `switchId` to its end, or null when nothing runs it.
   */
  resume?(switchId: string, progress: SwitchProgress): Promise<IFlavor> | null;
  /** The notebook server's process, for usage figures, where the service runs inside it. */
  observe?(pid: number): void;
  /** Live usage of the notebook server (CPU, memory, GPUs where present). */
  usage?(): Promise<IUsage>;
  /**
   * Where the service owns the notebook server (gateway mode) and the provider switches by
   * restarting it under limits (local): hands it the control, before the server first starts.
   */
  attach?(control: INotebookControl): Promise<void>;
}

/** How the notebook server runs under a flavor: what the service applies when it starts it. */
export interface INotebookResources {
  /** CPU ids for its affinity mask. */
  cpus: number[];
  memoryBytes: number;
  /** Flavor variables, and which GPUs are visible. */
  env: Record<string, string>;
}

/** What a provider that restarts the notebook server itself gets from the service that owns it. */
export interface INotebookControl {
  /** Sets the limits the notebook server runs under from its next start. */
  limit(resources: INotebookResources): void;
  /** Restarts the notebook server; `starting` is called once it is down. */
  restart(starting: () => void): Promise<void>;
  /** The notebook server's process, for usage figures. */
  readonly pid: number | undefined;
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
