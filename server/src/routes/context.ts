/**
 * What the API's routes are given: the mode, the platform and the service's managers. Routes
 * depend on this, not on the app that registers them.
 */
import type {
  FastifyBaseLogger,
  FastifyInstance,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault
} from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { IConfig } from '../config';
import type { FlavorSwitcher } from '../flavor-switch';
import type { JobManager } from '../jobs';
import type { JupyterServer } from '../jupyter';
import type { IPlatform } from '../platform';
import type { TransferManager } from '../transfers';
import type { UploadSessions } from '../uploads';

declare module 'fastify' {
  // eslint-disable-next-line @typescript-eslint/naming-convention -- fastify's own interface, augmented
  interface FastifyInstance {
    atelierConfig: IConfig;
  }
}

export interface IRouteContext {
  mode: 'gateway' | 'sidecar';
  platform: IPlatform;
  /** The Jupyter server the service owns (gateway mode), else null. */
  jupyter: JupyterServer | null;
  /** Transfers between the workspace and storage, when the platform has storage. */
  transfers: TransferManager | null;
  /** Resumable uploads from the browser, when the platform has storage. */
  uploads: UploadSessions | null;
  /** Training jobs, when the platform runs them. */
  jobs: JobManager | null;
  /** Flavor switches, when the service can restart the notebook server. */
  flavorSwitch: FlavorSwitcher | null;
}

/**
 * The app as routes see it: request and reply types come from each route's TypeBox schemas
 * (params, querystring, body, responses), so a handler cannot read or answer what the
 * contract does not say.
 */
export type IApi = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;
