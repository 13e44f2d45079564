import { ApiError } from '../errors';
import { ErrorResponses, JupyterInfo } from '@atelier/api';
import type { IJupyterInfo } from '@atelier/api';
import type { IApi, IRouteContext } from './context';

/** The Jupyter server the gateway owns: its state, and a restart on demand. */
export default async function jupyterRoutes(app: IApi, ctx: IRouteContext): Promise<void> {
  const server = () => {
    if (!ctx.jupyter) {
      throw new ApiError(
        409,
        'not_owned',
        'Atelier runs beside an existing Jupyter server here (serve mode) and cannot restart it.'
      );
    }
    return ctx.jupyter;
  };

  app.get(
    '/jupyter',
    { schema: { response: { 200: JupyterInfo, ...ErrorResponses } } },
    async (): Promise<IJupyterInfo> =>
      ctx.jupyter ? { state: ctx.jupyter.state, startedAt: ctx.jupyter.startedAt } : { state: 'external' }
  );

  app.post(
    '/jupyter/restart',
    { schema: { response: { 202: JupyterInfo, ...ErrorResponses } } },
    async (request, reply): Promise<IJupyterInfo> => {
      const jupyter = server();
      jupyter.restart().catch(e => request.log.error({ err: e }, 'restarting the Jupyter server failed'));
      reply.code(202);
      return { state: jupyter.state };
    }
  );
}
