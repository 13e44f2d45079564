import * as os from 'os';
import { capabilitiesOf } from '../platform';
import { ErrorBody, Status } from '@atelier/api';
import type { IStatus } from '@atelier/api';
import { VERSION } from '../paths';
import type { IApi, IRouteContext } from './context';

/**
 * jupyter-server-proxy reads each response with Tornado's HTTP client, whose body limit
 * (max_body_size, 100 MiB by default) it does not raise: a larger response ends in a 599.
 */
const JUPYTER_SERVER_PROXY_MAX_BYTES = 100 * 1024 * 1024;

export default async function statusRoutes(app: IApi, ctx: IRouteContext): Promise<void> {
  app.get(
    '/status',
    { schema: { response: { 200: Status, '4xx': ErrorBody, '5xx': ErrorBody } } },
    async (): Promise<IStatus> => {
      const status: IStatus = {
        version: VERSION,
        apiVersion: 'v1',
        mode: ctx.mode,
        platform: ctx.platform.name,
        // Under JupyterHub the person is the Hub's user, whatever OS account runs the server.
        user: process.env.JUPYTERHUB_USER || os.userInfo().username,
        capabilities: capabilitiesOf(ctx.platform),
        jupyter: ctx.jupyter ? { state: ctx.jupyter.state, startedAt: ctx.jupyter.startedAt } : { state: 'external' }
      };
      if (ctx.platform.flavors) {
        status.flavor = await ctx.platform.flavors.current();
      }
      if (process.env.ATELIER_PROXY === 'jupyter-server-proxy') {
        status.maxResponseBytes = JUPYTER_SERVER_PROXY_MAX_BYTES;
      }
      return status;
    }
  );

  /** This API as an OpenAPI 3 document, made from the routes' schemas. */
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
