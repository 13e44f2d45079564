import { Token } from '@lumino/coreutils';
import type { ISignal } from '@lumino/signaling';
import type { ServerConnection } from '@jupyterlab/services';
import type {
  IBucket,
  ICountResult,
  ICreateJob,
  ICreateTransfer,
  IEndpoint,
  IFlavor,
  IFlavorList,
  IFlavorSwitch,
  IJob,
  IJobFlavors,
  IJobList,
  IJobListQuery,
  IJobMetrics,
  IJupyterInfo,
  IListing,
  ILogChunk,
  IObjectInfo,
  IStatus,
  ITransfer,
  IUsage
} from '@atelier/api';

/** The translation domain of Atelier. */
export const TRANSLATION_DOMAIN = 'jupyterlab_atelier';

/** The typed client of the Atelier service. */
export interface IAtelierClient {
  readonly serverSettings: ServerConnection.ISettings;
  /** Version, platform, capabilities, the current flavor. */
  status(): Promise<IStatus>;
  flavors(): Promise<IFlavorList>;
  /** The flavor the notebook server runs under now. */
  currentFlavor(): Promise<IFlavor>;
  /** Starts switching the notebook server to another flavor; follow it with `getFlavorSwitch`. */
  startFlavorSwitch(flavorId: string): Promise<IFlavorSwitch>;
  /** The switch under way, or the last one. */
  getFlavorSwitch(): Promise<IFlavorSwitch>;
  usage(): Promise<IUsage>;
  jupyter(): Promise<IJupyterInfo>;
  /** Restarts the Jupyter server the service owns (gateway mode). */
  restartJupyter(): Promise<IJupyterInfo>;

  // Object storage
  endpoints(): Promise<IEndpoint[]>;
  buckets(endpoint: string): Promise<IBucket[]>;
  createBucket(endpoint: string, name: string): Promise<void>;
  list(
    endpoint: string,
    bucket: string,
    options?: { prefix?: string; token?: string; limit?: number; delimiter?: '/' | '' }
  ): Promise<IListing>;
  stat(endpoint: string, bucket: string, key: string): Promise<IObjectInfo>;
  exists(endpoint: string, bucket: string, key: string): Promise<boolean>;
  downloadUrl(endpoint: string, bucket: string, key: string): string;
  preview(endpoint: string, bucket: string, key: string): Promise<Blob>;
  upload(
    endpoint: string,
    bucket: string,
    key: string,
    file: Blob,
    options?: { overwrite?: boolean; onProgress?: (loaded: number) => void; signal?: AbortSignal }
  ): Promise<IObjectInfo>;
  uploadResumable(
    endpoint: string,
    bucket: string,
    key: string,
    file: File,
    options?: { overwrite?: boolean; onProgress?: (loaded: number) => void; signal?: AbortSignal; concurrency?: number }
  ): Promise<IObjectInfo>;
  createFolder(endpoint: string, bucket: string, key: string): Promise<void>;
  copy(
    endpoint: string,
    bucket: string,
    body: { from: string; to: string; toBucket?: string; move?: boolean; overwrite?: boolean }
  ): Promise<{ copied: number; moved: boolean }>;
  count(endpoint: string, bucket: string, prefix: string): Promise<ICountResult>;
  delete(endpoint: string, bucket: string, target: { key: string } | { prefix: string }): Promise<{ deleted: number }>;

  // Transfers between the workspace and object storage
  transfers(): Promise<ITransfer[]>;
  transfer(id: string): Promise<ITransfer>;
  /** Follows every change of a transfer until `signal` aborts (server-sent events). */
  transferEvents(onTransfer: (transfer: ITransfer) => void, signal: AbortSignal, onOpen?: () => void): Promise<void>;
  createTransfer(request: ICreateTransfer): Promise<ITransfer>;
  stopTransfer(id: string): Promise<ITransfer>;
  removeTransfer(id: string): Promise<void>;

  // Training jobs
  jobFlavors(): Promise<IJobFlavors>;
  /** The first page of jobs, newest first. */
  jobs(): Promise<IJob[]>;
  /** One page of jobs: filtered, sorted, after a cursor. */
  jobPage(query?: Partial<IJobListQuery>): Promise<IJobList>;
  /** Follows every change and deletion of a job until `signal` aborts (server-sent events). */
  jobEvents(
    onJob: (job: IJob) => void,
    onRemoved: (id: string) => void,
    signal: AbortSignal,
    onOpen?: () => void
  ): Promise<void>;
  /** Follows a job's log from `offset` as it grows, until the job ends or `signal` aborts. */
  jobLogEvents(
    id: string,
    offset: number,
    onLog: (chunk: { text: string; offset: number; nextOffset: number }) => void,
    signal: AbortSignal
  ): Promise<void>;
  job(id: string): Promise<IJob>;
  createJob(request: ICreateJob): Promise<IJob>;
  stopJob(id: string): Promise<IJob>;
  removeJob(id: string): Promise<void>;
  jobLog(id: string, offset?: number): Promise<ILogChunk>;
  jobLogUrl(id: string): string;
  jobFile(id: string, rel: string): Promise<string>;
  /** The metrics a job has reported so far. */
  jobMetrics(id: string): Promise<IJobMetrics>;
  /** Hears a job's metrics now and as they change; resolves true once the job has finished and all was sent. */
  jobMetricsEvents(id: string, onMetrics: (metrics: IJobMetrics) => void, signal: AbortSignal): Promise<boolean>;
}

/** The notebook's flavor and the live usage of its server, for status bar and toolbar items. */
export interface IFlavorsModel {
  readonly usage: IUsage | null;
  readonly flavors: IFlavorList | null;
  /** A switch under way, while it runs. */
  readonly switching: IFlavorSwitch | null;
  readonly changed: ISignal<IFlavorsModel, void>;
}

export const IFlavorsModel = new Token<IFlavorsModel>(
  'jupyterlab-atelier:IFlavorsModel',
  'The notebook flavor and the live usage of its server.'
);

/** The service's transfers between the workspace and object storage, followed while they run. */
export interface ITransfersModel {
  /** The transfers, as the service last listed them. */
  readonly transfers: ITransfer[];
  /** The transfers queued or running. */
  readonly active: ITransfer[];
  readonly changed: ISignal<ITransfersModel, void>;
  /** A transfer ended: completed, failed or stopped. */
  readonly finished: ISignal<ITransfersModel, ITransfer>;
  /** Creates a transfer and follows it closely until it ends. */
  create(request: ICreateTransfer): Promise<ITransfer>;
  stop(id: string): Promise<void>;
  /** Reads the list now. */
  refresh(): Promise<void>;
}

export const ITransfersModel = new Token<ITransfersModel>(
  'jupyterlab-atelier:ITransfersModel',
  'The transfers between the workspace and object storage, and a way to start one.'
);

export const IAtelierClient = new Token<IAtelierClient>(
  'jupyterlab-atelier:IAtelierClient',
  'The typed client of the Atelier service (status, flavors, storage, images, jobs, gallery).'
);

export namespace CommandIDs {
  export const showStatus = 'atelier:show-status';
  export const openStorage = 'atelier:storage-open';
  export const storageRefresh = 'atelier:storage-refresh';
  export const storageNewFolder = 'atelier:storage-new-folder';
  export const storageNewBucket = 'atelier:storage-new-bucket';
  export const storageUpload = 'atelier:storage-upload';
  export const storageOpenItem = 'atelier:storage-open-item';
  export const storageDownload = 'atelier:storage-download';
  export const storageCopyToWorkspace = 'atelier:storage-copy-to-workspace';
  export const storageCopyPath = 'atelier:storage-copy-path';
  export const storageRename = 'atelier:storage-rename';
  export const storageCopy = 'atelier:storage-copy';
  export const storageDelete = 'atelier:storage-delete';
  export const copyToStorage = 'atelier:copy-to-storage';
  export const showTransfers = 'atelier:show-transfers';
  export const flavorPick = 'atelier:flavor-pick';
  export const jobsNew = 'atelier:jobs-new';
  export const jobsRunFile = 'atelier:jobs-run-file';
  export const jobsRunNotebook = 'atelier:jobs-run-notebook';
  export const jobsShow = 'atelier:jobs-show';
  export const jobsOpen = 'atelier:jobs-open';
  export const jobsStop = 'atelier:jobs-stop';
  export const jobsDelete = 'atelier:jobs-delete';
  export const jobsClone = 'atelier:jobs-clone';
  export const jobsRefresh = 'atelier:jobs-refresh';
  /** Opens the metrics and hyperparameters of jobs side by side; args `{ ids: string[] }`. */
  export const jobsCompare = 'atelier:jobs-compare';
}
