import type { IAtelierClient } from '../tokens';
import { ClientBase } from './base';
import { FlavorsAPI } from './flavors';
import { JobsAPI } from './jobs';
import { StatusAPI } from './status';
import { StorageAPI } from './storage';
import { TransfersAPI } from './transfers';

export type {
  IBucket,
  ICreateJob,
  ICreateTransfer,
  IEndpoint,
  IFlavor,
  IFlavorList,
  IFlavorSwitch,
  IJob,
  IJobData,
  IJobFlavors,
  IJobList,
  IJobListQuery,
  IJobMetrics,
  IJobPhase,
  IJobSort,
  IJupyterInfo,
  IListing,
  ILogChunk,
  IMetricSeries,
  IObjectInfo,
  IStatus,
  ITransfer,
  IUsage
} from '@atelier/api';

/**
 * The typed client of the Atelier service: one method per endpoint. Each capability of the
 * service (status, flavors, storage, transfers, jobs) is a file of its own in `api/`, added
 * to the client here.
 */
export class AtelierClient
  extends JobsAPI(TransfersAPI(StorageAPI(FlavorsAPI(StatusAPI(ClientBase)))))
  implements IAtelierClient
{
  constructor(options: AtelierClient.IOptions = {}) {
    super(options);
  }
}

export namespace AtelierClient {
  export type IOptions = ClientBase.IOptions;
}
